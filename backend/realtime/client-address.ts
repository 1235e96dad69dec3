import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';
import { compileTrustProxy, type TrustProxy } from '../config/trust-proxy';

/**
 * The client's address exactly as Express computes req.ip (app.ts sets the same trust):
 * X-Forwarded-For is believed only through the proxies TRUST_PROXY names (a hop count or
 * addresses/CIDRs), so a client that reaches this instance directly cannot pick its address.
 */
export function clientAddress(trustProxy: TrustProxy): (req: IncomingMessage) => string {
  const trust = compileTrustProxy(trustProxy);
  return (req) => proxyAddr(req as Parameters<typeof proxyAddr>[0], trust);
}
