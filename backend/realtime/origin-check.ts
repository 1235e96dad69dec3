import type { IncomingMessage } from 'node:http';

/**
 * Browsers send Origin on every WebSocket upgrade and cross-origin request, and CORS does not
 * apply to WebSockets: without this check any page could open a socket with a token it got
 * hold of. Allowed: no Origin (non-browser clients), an allowlisted origin, or the same origin
 * as the Host the request came to.
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowlist: string[],
): boolean {
  if (origin === undefined) return true;
  if (allowlist.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

/**
 * engine.io's allowRequest: runs on every handshake, whether it starts with polling or directly
 * as a WebSocket; a later upgrade carries the sid of a session that already passed it.
 */
export function originCheck(allowlist: string[]) {
  return (
    req: IncomingMessage,
    callback: (err: string | null | undefined, success: boolean) => void,
  ): void => {
    const ok = originAllowed(req.headers.origin, req.headers.host, allowlist);
    callback(ok ? null : 'Origin not allowed', ok);
  };
}
