/** Words that mark a secret someone copied from an example instead of generating. */
const PLACEHOLDERS = [
  'secret',
  'changeme',
  'change-me',
  'change_me',
  'replace',
  'example',
  'placeholder',
  'password',
  'default',
  'todo',
  'xxxx',
];

export const MIN_SECRET_LENGTH = 32;
const MIN_DISTINCT_CHARACTERS = 10;

/** True when the string is a shorter string repeated ("abcabcabc…"), which adds no entropy. */
function isRepetition(s: string): boolean {
  for (let period = 1; period <= s.length / 2; period++) {
    if (s.length % period !== 0) continue;
    if (s.slice(0, period).repeat(s.length / period) === s) return true;
  }
  return false;
}

/**
 * Why a production JWT secret is too weak, or undefined when it will do. Length alone lets
 * "x" × 40 or a word repeated through; a generated secret (`openssl rand -hex 32`, 64 hex
 * characters, or base64) passes every rule here with a wide margin.
 */
export function weakSecretReason(secret: string): string | undefined {
  if (secret.length < MIN_SECRET_LENGTH) return `use at least ${MIN_SECRET_LENGTH} random characters`;
  if (new Set(secret).size < MIN_DISTINCT_CHARACTERS)
    return `use at least ${MIN_DISTINCT_CHARACTERS} different characters (a generated secret has them)`;
  if (isRepetition(secret)) return 'is one string repeated; generate a random one';
  const lower = secret.toLowerCase();
  const word = PLACEHOLDERS.find((p) => lower.includes(p));
  if (word) return `contains the placeholder "${word}"; generate a random one`;
  return undefined;
}
