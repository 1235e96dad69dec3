import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

/**
 * The client's address as Express computes req.ip for a hop count: X-Forwarded-For is believed
 * for exactly `trustProxy` hops (TRUST_PROXY), so a client cannot pick its own address by
 * sending the header.
 */
export function clientAddress(trustProxy: number): (req: IncomingMessage) => string {
  const trust = (_addr: string, i: number) => i < trustProxy;
  return (req) => proxyAddr(req as Parameters<typeof proxyAddr>[0], trust);
}
