/** For an admin actor name in audit entries: never the token itself. */
export function adminActor(req: { headers: Record<string, unknown> }): string {
  const who = req.headers['x-admin-user'];
  return typeof who === 'string' && /^[\w.@-]{1,64}$/.test(who) ? who : 'admin';
}
