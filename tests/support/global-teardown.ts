import type { Databases } from '../../scripts/databases/start-databases';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __databases__?: Databases }).__databases__?.stop();
}
