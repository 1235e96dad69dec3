import { BoundedDeliveryWindow } from '../../backend/realtime/bounded-delivery-window';
import type { FirstArrival } from '../../backend/realtime/delivery-window';
import { deliveryWindowContract } from '../contracts/delivery-window.contract';

deliveryWindowContract('BoundedDeliveryWindow', ({ capacity, ttlMs }) => {
  const evicted: Array<{ id: string; first: FirstArrival }> = [];
  const window = new BoundedDeliveryWindow({
    capacity,
    ttlMs,
    onEvict: (id, first) => evicted.push({ id, first: { ...first } }),
  });
  return { window, capacity, ttlMs, evicted };
});
