/**
 * The actor in audit entries: the name of the admin token used (set by requireAdmin), never
 * the token itself, and never a header the caller chooses (anyone holding a token could
 * otherwise write someone else's name).
 */
export function adminActor(req: { adminName?: string }): string {
  return req.adminName ?? 'admin';
}
