/** The first arrival of a packet id, as the window remembers it. */
export interface FirstArrival {
  /** the transport it came over first ('local' for this instance's own broadcasts) */
  via: string;
  /** when (ms since epoch) */
  at: number;
  /** later arrivals of the same id, dropped */
  repeats: number;
}

/**
 * Remembers the packet ids of broadcasts published on two transports at once, so each socket
 * gets each event once: the first arrival delivers, the ones after it are dropped. Bounded in
 * entries and in age; an id older than the window (or pushed out by newer ones) counts as new.
 */
export interface DeliveryWindow {
  /** undefined the first time `id` arrives within the window (deliver it), else its first arrival (drop it) */
  arrive(id: string, via: string, at: number): FirstArrival | undefined;
  /** forgets ids older than the window as of `now` (each is handed to the eviction listener) */
  sweep(now: number): void;
  /** forgets every id (each is handed to the eviction listener) */
  clear(): void;
  readonly size: number;
}
