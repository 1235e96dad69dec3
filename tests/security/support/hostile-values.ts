import fc from 'fast-check';

/** Keys that try to reach Object.prototype or a Mongo operator through a parser. */
export const POISON_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  '$where',
  '$ne',
  '$gt',
  '$regex',
  '$expr',
  '$function',
  '$set',
  'a.b',
  'user.passwordHash',
  '$',
  '',
];

/** Mongo operator objects and other shapes a schema must refuse. */
export const OPERATOR_VALUES: unknown[] = [
  { $ne: null },
  { $gt: '' },
  { $where: 'sleep(100) || true' },
  { $regex: '.*' },
  { $expr: { $eq: [1, 1] } },
  { $in: ['a', 'b'] },
  { $exists: true },
  { __proto__: { isAdmin: true } },
  JSON.parse('{"__proto__": {"polluted": true}}'),
  { constructor: { prototype: { polluted: true } } },
  { 'a.b': 1 },
  { $function: { body: 'return true', args: [], lang: 'js' } },
];

const huge = fc.constantFrom('x'.repeat(5_000), '€'.repeat(20_000), 'a'.repeat(120_000));

const scalar = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('0123456789abcdef01234567', 'ffffffffffffffffffffffff', '../../etc/passwd', '<script>'),
  huge,
);

const key = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...POISON_KEYS) },
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'text',
      'recipientId',
      'clientId',
      'conversationId',
      'userIds',
      'since',
      'ids',
      'all',
      'login',
      'password',
      'username',
      'email',
      'name',
      'bio',
      'flag',
      'value',
      'enabled',
      'opponentId',
      'move',
      'gameId',
      'currentPassword',
      'newPassword',
      'typing',
      'version',
    ),
  },
);

/** Any JSON value, biased to what breaks servers: operators, poison keys, wrong types, depth, size. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: scalar },
    { weight: 2, arbitrary: fc.constantFrom(...OPERATOR_VALUES) },
    { weight: 2, arbitrary: fc.array(tie('value'), { maxLength: 5 }) },
    { weight: 3, arbitrary: fc.dictionary(key, tie('value'), { maxKeys: 6 }) },
  ),
})).value;

/** Deep nesting that a recursive validator or a naive merge could choke on. */
export const deepNesting = fc.integer({ min: 50, max: 3000 }).map((depth) => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
});

/** A body: usually an object (what routes expect), sometimes anything. */
export const hostileBody = fc.oneof(
  { weight: 6, arbitrary: fc.dictionary(key, hostileJson, { maxKeys: 8 }) },
  { weight: 2, arbitrary: hostileJson },
  { weight: 1, arbitrary: deepNesting },
);

/** Raw request bodies no JSON parser should accept, and invalid UTF-8. */
export const rawBodies: fc.Arbitrary<Buffer> = fc.oneof(
  fc
    .constantFrom(
      '{',
      '{"a":',
      '[1,2',
      '{"a":1}}',
      "{'a':1}",
      'null',
      '"str"',
      '12',
      '{"__proto__":{"x":1}}',
      '\u0000',
    )
    .map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
  fc.constant(
    Buffer.from([0x7b, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0x22, 0x7d]),
  ),
);

/** Path segments for :params: real ids, random ids, and strings that are not ids. */
export function paramValue(realIds: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...realIds) },
    { weight: 2, arbitrary: fc.stringMatching(/^[0-9a-f]{24}$/) },
    {
      weight: 3,
      arbitrary: fc.oneof(
        fc.string({ minLength: 1, maxLength: 30 }),
        fc.constantFrom(
          '..',
          '%00',
          '$ne',
          '__proto__',
          'constructor',
          '{"$gt":""}',
          'a'.repeat(3000),
          'null',
        ),
      ),
    },
  );
}

/** Query strings: known names and poison keys, with scalar, array and bracketed forms. */
export const hostileQuery: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom(
          'limit',
          'cursor',
          'unread',
          'status',
          'flag',
          'limit[$gt]',
          'cursor[$ne]',
          '__proto__[x]',
        ),
        fc.constantFrom(...POISON_KEYS),
        fc.string({ maxLength: 10 }),
      ),
      fc.oneof(
        fc.string({ maxLength: 20 }),
        fc.constantFrom('-1', '0', '101', '1e9', 'true', '', 'a'.repeat(2000)),
      ),
    ),
    { maxLength: 5 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));
