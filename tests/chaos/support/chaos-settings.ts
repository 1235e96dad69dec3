/** CI's figures, or --long's (CHAOS_LONG=1, set by `npm run test:chaos -- --long`). */
export const CHAOS_LONG = process.env.CHAOS_LONG === '1';
/** the suite's load: 200 messages/s from 200 users; CHAOS_RATE / CHAOS_USERS lower them on a machine that cannot start them */
export const CHAOS_RATE = Number(process.env.CHAOS_RATE ?? 200);
export const CHAOS_USERS = Number(process.env.CHAOS_USERS ?? 200);
export const SOAK_MS = Number(process.env.CHAOS_SOAK_MS ?? (CHAOS_LONG ? 600_000 : 60_000));

/** Progress lines on stderr, so they show while Jest holds the test's own output. */
export const log = (line: string) =>
  process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

/** ms → a short wait, for faults that last a set time (a pause is the fault, not a guess at an event). */
export const hold = (ms: number) => new Promise((r) => setTimeout(r, ms));
