import { describeFaults } from './support/describe-faults';

// T1 on one cluster of three instances while the adapter moves redis → redis-sharded, held in
// its dual stage: each broadcast on both transports, both on the Redis that is killed
describeFaults('redis', { movingTo: 'redis-sharded' });
