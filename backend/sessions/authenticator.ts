import { UnauthorizedError } from '../errors/app-error';
import type { TokenService, VerifiedToken } from '../modules/users/token-service';
import type { SessionVersions } from './session-versions';

export type Authenticate = (token: string) => Promise<VerifiedToken>;

/**
 * A bearer token is a session when it verifies (signature, algorithm, issuer, audience,
 * expiry) and its version is the user's current one: what every REST call and socket
 * handshake asks.
 */
export function createAuthenticator(deps: { tokens: TokenService; versions: SessionVersions }): Authenticate {
  return async (token) => {
    const verified = deps.tokens.verify(token);
    const current = await deps.versions.current(verified.userId);
    if (current === null) throw new UnauthorizedError('Account no longer exists');
    if (current !== verified.version) throw new UnauthorizedError('Session revoked');
    return verified;
  };
}
