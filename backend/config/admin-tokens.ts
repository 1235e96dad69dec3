/** A bearer token for /admin/*, /health details and /metrics; its name is the audit's "who". */
export interface AdminToken {
  name: string;
  token: string;
}

export const ADMIN_TOKEN_NAME = /^[\w.@-]{1,64}$/;
export const MIN_TOKEN_LENGTH = 16;

/**
 * ADMIN_TOKENS=name:token,name2:token2 plus the single ADMIN_TOKEN (named "admin"). Problems
 * are returned, not thrown, so config reports them with everything else.
 */
export function parseAdminTokens(
  list: string | undefined,
  single: string | undefined,
): { tokens: AdminToken[]; problems: string[] } {
  const tokens: AdminToken[] = [];
  const problems: string[] = [];
  for (const [i, entry] of (list ?? '').split(',').entries()) {
    if (entry.trim() === '') continue;
    const colon = entry.indexOf(':');
    const name = colon > 0 ? entry.slice(0, colon).trim() : '';
    const token = colon > 0 ? entry.slice(colon + 1).trim() : '';
    if (!ADMIN_TOKEN_NAME.test(name)) {
      problems.push(`ADMIN_TOKENS: entry ${i + 1} needs the form name:token (name of letters, digits, _.@-)`);
      continue;
    }
    if (token.length < MIN_TOKEN_LENGTH) {
      problems.push(`ADMIN_TOKENS: the token of "${name}" needs at least ${MIN_TOKEN_LENGTH} characters`);
      continue;
    }
    tokens.push({ name, token });
  }
  if (single !== undefined) tokens.push({ name: 'admin', token: single });
  const names = new Set<string>();
  const values = new Set<string>();
  for (const t of tokens) {
    if (names.has(t.name)) problems.push(`ADMIN_TOKENS: the name "${t.name}" is used twice`);
    if (values.has(t.token)) problems.push(`ADMIN_TOKENS: "${t.name}" reuses another entry's token`);
    names.add(t.name);
    values.add(t.token);
  }
  return { tokens, problems };
}
