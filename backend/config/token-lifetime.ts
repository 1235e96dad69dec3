const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

export const MAX_TOKEN_LIFETIME_SECONDS = 24 * 3600;

/** "90", "15m", "1h", "1d" → seconds; undefined when the form is wrong. */
export function parseLifetimeSeconds(text: string): number | undefined {
  const m = /^(\d{1,9})([smhd]?)$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * UNIT_SECONDS[(m[2] || 's') as keyof typeof UNIT_SECONDS];
}
