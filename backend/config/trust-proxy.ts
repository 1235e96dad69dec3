import { isIP } from 'node:net';
import proxyAddr from 'proxy-addr';

/**
 * TRUST_PROXY in Express's own forms: a hop count (0 = trust nobody), or the proxies' addresses
 * as a comma-separated list of IPs, CIDRs and proxy-addr's names (`loopback`, `linklocal`,
 * `uniquelocal`). `true` (trust every hop) is refused: with it the client picks its own address.
 */
export type TrustProxy = number | string[];

export function parseTrustProxy(raw: string | undefined): { value: TrustProxy } | { problem: string } {
  const v = (raw ?? '').trim();
  if (v === '' || /^(false|off|no)$/i.test(v)) return { value: 0 };
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    return hops <= 10 ? { value: hops } : { problem: 'a hop count is 0-10' };
  }
  if (/^(true|on|yes)$/i.test(v))
    return {
      problem: 'true trusts every hop, so any client picks its own address: name the proxies or a hop count',
    };
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const entry of list) {
    const [addr, bits] = entry.split('/');
    const named = ['loopback', 'linklocal', 'uniquelocal'].includes(entry);
    if (!named && (isIP(addr ?? '') === 0 || (bits !== undefined && !/^\d{1,3}$/.test(bits))))
      return { problem: `"${entry}" is neither an IP, a CIDR nor loopback/linklocal/uniquelocal` };
  }
  try {
    // the same compilation Express and the socket handshakes use: what it refuses, they would
    proxyAddr.compile(list);
  } catch (err) {
    return { problem: (err as Error).message };
  }
  return { value: list };
}

/** The trust function proxy-addr and Express derive from a TrustProxy, shared by HTTP and sockets. */
export function compileTrustProxy(trust: TrustProxy): (addr: string, hop: number) => boolean {
  if (typeof trust === 'number') return (_addr, hop) => hop < trust;
  return proxyAddr.compile(trust);
}
