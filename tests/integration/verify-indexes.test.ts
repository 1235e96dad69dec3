import { main } from '../../scripts/verify-indexes';
import { testMongoBaseUrl } from '../support/test-env';

describe('When verify-indexes runs against the test database server', () => {
  it('then every checked query is served by an index and each prints one line', async () => {
    const lines: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((line: string) => {
      lines.push(line);
    });
    const saved = process.env.MONGO_URL;
    process.env.MONGO_URL = testMongoBaseUrl();
    try {
      expect(await main([])).toBe(0);
    } finally {
      process.env.MONGO_URL = saved;
      log.mockRestore();
    }
    const verdicts = lines.filter((l) => /^(PASS|FAIL) /.test(l));
    // the core's queries, in order; installed features' follow (each feature checks its own names)
    const names = verdicts.map((l) => l.slice(6, 28).trim());
    expect(names.slice(0, 16)).toEqual([
      'feed (first page)',
      'feed (next page)',
      'profile posts',
      'followers',
      'following',
      'feed fan-in ids',
      'feed fan-out followers',
      'login by username',
      'login by email',
      'conversations',
      'conversations (next)',
      'conversation page',
      'sync messages',
      'notifications',
      'unread notifications',
      'sync notifications',
    ]);
    expect(verdicts.every((l) => l.startsWith('PASS'))).toBe(true);
    expect(lines.at(-1)).toContain('all queries served by indexes');
  });
});
