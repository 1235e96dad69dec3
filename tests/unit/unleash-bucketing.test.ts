import { inRollout, rolloutBucket } from '../../backend/flags/rollout-bucket';

/**
 * Unleash's published vectors, so a team moving the flags to Unleash (flexibleRollout,
 * stickiness userId, groupId = our flag name) keeps every user in the bucket they had here.
 * Unleash: normalizedValue(id, groupId) = murmur3_32(`${groupId}:${id}`, seed 0) % 100 + 1 and a
 * user is in when normalizedValue <= rollout; ours: murmur3_32(`${flag}:${id}`) % 100 < percent.
 */
describe("When our rollout bucketing is checked against Unleash's published vectors", () => {
  it('then the normalized hash matches unleash-client-node (src/test/strategy/util.test.ts)', () => {
    // "normalized values are the same across node, java, and go clients"
    expect(rolloutBucket('gr1', '123') + 1).toBe(73);
    expect(rolloutBucket('groupX', '999') + 1).toBe(25);
  });

  it.each([
    // client-specification specifications/03-gradual-rollout-user-id-strategy.json
    ['AB12A', '122', 50, true],
    ['AB12A', '155', 50, false],
    ['AB12A', '123', 100, true],
    ['AB12A', '122', 0, false],
    // client-specification specifications/10-flexible-rollout-strategy.json
    ['Feature.flexibleRollout.10', '174', 10, true],
    ['Feature.flexibleRollout.10', '499', 10, false],
    ['Feature.flexibleRollout.userId.55', '25', 55, true],
    ['Feature.flexibleRollout.sessionId.42', '147', 42, true],
  ] as const)('then groupId %s, user %s at %i%% is in: %s', (groupId, userId, percent, expected) => {
    expect(inRollout(groupId, userId, percent)).toBe(expected);
  });
});
