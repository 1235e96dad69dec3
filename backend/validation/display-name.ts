import { z } from 'zod';

/**
 * Text one person shows to others (a display name, a bio): stored in NFC, so one name has one
 * form, and refused when it carries what renders as something else. Both /api/auth/register and
 * PATCH /api/users/me take their name and bio from here.
 */

/** more than this many combining marks in a row is stacking ("Zalgo"); Hindi needs 3 (पढ़ें) */
export const MAX_COMBINING_RUN = 3;

// Controls (NUL, ESC, DEL, C1), lone surrogates and line/paragraph separators: never visible text.
const CONTROL = /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}]/u;
const CONTROL_BUT_NEWLINE = /(?!\n)[\p{Cc}\p{Cs}\p{Zl}\p{Zp}]/u;
// Unicode's Bidi_Control set: U+202E (right-to-left override) and its kin reorder the text
// around them (a name that reads "alice" but is stored reversed, or flips what follows it).
const BIDI_CONTROL = /\p{Bidi_Control}/u;
const COMBINING_STACK = new RegExp(`\\p{M}{${MAX_COMBINING_RUN + 1},}`, 'u');
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

function shownText(opts: { max: number; newlines: boolean }) {
  return z
    .string()
    .trim()
    .normalize('NFC')
    .max(opts.max)
    .refine((s) => !(opts.newlines ? CONTROL_BUT_NEWLINE : CONTROL).test(s), {
      message: opts.newlines
        ? 'no control characters (a line break is fine)'
        : 'no control characters or line breaks',
    })
    .refine((s) => !BIDI_CONTROL.test(s), {
      message: 'no bidirectional control characters (such as U+202E)',
    })
    .refine((s) => !COMBINING_STACK.test(s), {
      message: `at most ${MAX_COMBINING_RUN} combining marks in a row`,
    });
}

/** A display name: 1–50 characters after trimming, at least one of them visible. */
export const displayName = shownText({ max: 50, newlines: false })
  .min(1)
  .refine((s) => VISIBLE.test(s), { message: 'at least one visible character' })
  .meta({
    description:
      'trimmed, stored in NFC; no control or bidirectional control characters, at most 3 combining marks in a row',
  });

/** A bio: up to 300 characters, line breaks allowed, empty clears it. */
export const bio = shownText({ max: 300, newlines: true }).meta({
  description: 'trimmed, stored in NFC; line breaks allowed, no other control characters',
});
