import { describeFaults } from './support/describe-faults';

// T1 and T2 on one cluster of three instances with the redis-sharded adapter
describeFaults('redis-sharded');
