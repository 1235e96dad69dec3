import { realtimeDeliveryContract } from '../contracts/realtime-delivery.contract';

describe.each(['redis', 'redis-sharded', 'redis-streams'] as const)(
  'When sender and recipient are on different instances with socket.adapter=%s',
  (adapter) => realtimeDeliveryContract(adapter),
);
