import { ErrorCode, OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { Types } from 'mongoose';
import { readFlagsFromEnv } from '../../backend/config/features';
import { LiveFlagsProvider } from '../../backend/flags/live-flags-provider';
import { inRollout } from '../../backend/flags/rollout-bucket';
import { StaticFlags } from '../../backend/flags/static-flags';

let flags: StaticFlags;
let provider: LiveFlagsProvider;
let domain: string;
let n = 0;

beforeEach(async () => {
  flags = new StaticFlags(readFlagsFromEnv({}).values);
  provider = new LiveFlagsProvider(flags);
  domain = `test-${++n}`;
  await OpenFeature.setProviderAndWait(domain, provider);
});
afterAll(() => OpenFeature.close());

describe('When code evaluates the live flags through an OpenFeature client', () => {
  it('then each type answers the value in force, and a change applies on the next call', async () => {
    const client = OpenFeature.getClient(domain);
    expect(await client.getBooleanValue('cache.enabled', true)).toBe(false);
    expect(await client.getStringValue('presence.mode', 'x')).toBe('memory');
    expect(await client.getNumberValue('cache.ttlSeconds', 0)).toBe(300);
    flags.set('cache.enabled', true);
    flags.set('presence.mode', 'dual-write');
    const details = await client.getBooleanDetails('cache.enabled', false);
    expect(details).toMatchObject({ value: true, reason: 'STATIC', flagKey: 'cache.enabled' });
    expect(await client.getStringValue('presence.mode', 'x')).toBe('dual-write');
  });

  it('then a change is announced as PROVIDER_CONFIGURATION_CHANGED naming the flag', async () => {
    const client = OpenFeature.getClient(domain);
    const changed = new Promise<unknown>((resolve) =>
      client.addHandler(ProviderEvents.ConfigurationChanged, (e) => resolve(e?.flagsChanged)),
    );
    flags.set('rateLimit.store', 'redis');
    expect(await changed).toEqual(['rateLimit.store']);
  });

  it('then an unknown flag or a wrong type gets the default with the error code, never a throw', async () => {
    const client = OpenFeature.getClient(domain);
    expect(await client.getBooleanDetails('no.such.flag', true)).toMatchObject({
      value: true,
      errorCode: ErrorCode.FLAG_NOT_FOUND,
    });
    expect(await client.getNumberDetails('presence.mode', 7)).toMatchObject({
      value: 7,
      errorCode: ErrorCode.TYPE_MISMATCH,
    });
  });

  it('then a rollout flag asked per user answers what the presence store routes by', async () => {
    const client = OpenFeature.getClient(domain);
    flags.set('presence.redisReadPercent', 30);
    const ids = Array.from({ length: 300 }, () => new Types.ObjectId().toHexString());
    let inCount = 0;
    for (const id of ids) {
      const d = await client.getBooleanDetails('presence.redisReadPercent', false, { targetingKey: id });
      expect(d.value).toBe(inRollout('presence.redisReadPercent', id, 30));
      expect(d.reason).toBe('SPLIT');
      expect(d.variant).toBe(d.value ? 'in' : 'out');
      if (d.value) inCount++;
    }
    expect(inCount).toBeGreaterThan(0);
    expect(inCount).toBeLessThan(ids.length);
    // the number itself is still there for code that wants the share
    expect(await client.getNumberValue('presence.redisReadPercent', 0)).toBe(30);
  });

  it('then a rollout flag asked without a user gets the default and TARGETING_KEY_MISSING', async () => {
    const d = await OpenFeature.getClient(domain).getBooleanDetails('presence.redisReadPercent', false);
    expect(d).toMatchObject({ value: false, errorCode: ErrorCode.TARGETING_KEY_MISSING });
  });

  it('then after close the provider no longer hears flag changes', async () => {
    let heard = 0;
    provider.events.addHandler(ProviderEvents.ConfigurationChanged, () => heard++);
    flags.set('cache.enabled', true);
    await provider.onClose();
    flags.set('cache.enabled', false);
    expect(heard).toBe(1);
  });
});
