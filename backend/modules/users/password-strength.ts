import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';
import { AppError } from '../../errors/app-error';

/**
 * zxcvbn's score runs 0–4; 3 means about 10^8 guesses or more ("safely unguessable"). It refuses
 * the common-password list, keyboard rows, repeats, sequences, dates and the user's own names,
 * and lets through a phrase of a few unrelated words ("blue-cat-42", "correct horse battery").
 */
export const MIN_PASSWORD_SCORE = 3;

/**
 * Only this many leading characters are scored. zxcvbn's matching grows steeply with length (a
 * 128-character string of digits costs ~140 ms of event loop, 32 characters ~8 ms), and a
 * password whose first 32 characters are strong is strong. The price: a long password that
 * starts with 32 characters of padding is refused.
 */
const SCORED_LENGTH = 32;

/** zxcvbn's warning keys, as a person reads them */
const WARNINGS: Record<string, string> = {
  straightRow: 'a row of keys on the keyboard',
  keyPattern: 'a short keyboard pattern',
  simpleRepeat: 'a repeated character',
  extendedRepeat: 'a repeated sequence',
  sequences: 'a common sequence such as abc or 123',
  recentYears: 'a recent year',
  dates: 'a date',
  topTen: 'one of the ten most common passwords',
  topHundred: 'one of the hundred most common passwords',
  common: 'a common password',
  similarToCommon: 'close to a common password',
  wordByItself: 'a single word',
  namesByThemselves: 'a name by itself',
  commonNames: 'a common name',
  userInputs: 'your username, email or name',
};

// Built on first use, then shared: the dictionaries take ~50 ms and a few MB to load and rank.
let estimator: ZxcvbnFactory | undefined;
function zxcvbn(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({
    dictionary,
    graphs: adjacencyGraphs,
    maxLength: SCORED_LENGTH,
    // the default (100) makes l33t matching the slowest part on digit-heavy input
    l33tMaxSubstitutions: 16,
  });
  return estimator;
}

export class WeakPasswordError extends AppError {
  constructor(reason: string) {
    super(400, 'WEAK_PASSWORD', 'Password is too easy to guess; a few unrelated words make a good one', [
      { path: 'password', message: reason },
    ]);
  }
}

/**
 * Why the password is trivial or common, or undefined when it is strong enough. `userInputs`
 * are the account's own strings (username, email, name): a password built from them is weak.
 * About 1 ms for a typical password, at most ~10 ms (measured; docs/security.md).
 */
export function passwordWeakness(password: string, userInputs: string[] = []): string | undefined {
  const result = zxcvbn().check(password, userInputs.filter(Boolean));
  if (result.score >= MIN_PASSWORD_SCORE) return undefined;
  const warning = result.feedback.warning;
  return `too easy to guess${warning && WARNINGS[warning] ? `: ${WARNINGS[warning]}` : ''}`;
}

/** Throws 400 WEAK_PASSWORD when passwordWeakness finds a reason. */
export function assertStrongPassword(password: string, userInputs: string[] = []): void {
  const reason = passwordWeakness(password, userInputs);
  if (reason) throw new WeakPasswordError(reason);
}
