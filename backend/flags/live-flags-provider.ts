import {
  type EvaluationContext,
  FlagNotFoundError,
  type JsonValue,
  OpenFeatureEventEmitter,
  type Provider,
  ProviderEvents,
  type ResolutionDetails,
  StandardResolutionReasons,
  TargetingKeyMissingError,
  TypeMismatchError,
} from '@openfeature/server-sdk';
import { type FlagDefinition, type FlagName, features, isFlagName } from '../config/features';
import type { FlagReader } from './flag-reader';
import { inRollout, rolloutBucket } from './rollout-bucket';

type Kind = 'boolean' | 'string' | 'number' | 'object';

/**
 * The live flags behind OpenFeature's vendor-neutral API, so code written against
 * `OpenFeature.getClient()` keeps working when a team swaps this provider for Unleash's or
 * flagd's. Values come from the FlagReader on every call (overrides apply at once) and a change
 * is announced as PROVIDER_CONFIGURATION_CHANGED. A rollout flag (a 0–100 share) asked as a
 * boolean with a targetingKey answers whether that user is in, bucketed exactly as Unleash's
 * flexibleRollout does with the flag name as groupId, so a migration moves nobody.
 */
export class LiveFlagsProvider implements Provider {
  readonly metadata = { name: 'social-scale live flags' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  private readonly unsubscribe: () => void;

  constructor(private readonly flags: FlagReader) {
    this.unsubscribe = flags.onChange((name) => {
      this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: [name] });
    });
  }

  async onClose(): Promise<void> {
    this.unsubscribe();
  }

  async resolveBooleanEvaluation(
    flagKey: string,
    _defaultValue: boolean,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<boolean>> {
    const name = this.known(flagKey);
    const def: FlagDefinition = features[name];
    if (def.rollout) {
      const userId = context.targetingKey;
      if (!userId)
        throw new TargetingKeyMissingError(`${flagKey} is a rollout: pass the user id as targetingKey`);
      const percent = this.flags.get(name) as number;
      const bucket = rolloutBucket(name, userId);
      const value = inRollout(name, userId, percent);
      return {
        value,
        variant: value ? 'in' : 'out',
        reason: StandardResolutionReasons.SPLIT,
        flagMetadata: { bucket, percent },
      };
    }
    return this.resolve(name, 'boolean');
  }

  async resolveStringEvaluation(flagKey: string): Promise<ResolutionDetails<string>> {
    return this.resolve(this.known(flagKey), 'string');
  }

  async resolveNumberEvaluation(flagKey: string): Promise<ResolutionDetails<number>> {
    return this.resolve(this.known(flagKey), 'number');
  }

  async resolveObjectEvaluation<T extends JsonValue>(flagKey: string): Promise<ResolutionDetails<T>> {
    return this.resolve(this.known(flagKey), 'object');
  }

  private known(flagKey: string): FlagName {
    if (!isFlagName(flagKey)) throw new FlagNotFoundError(`no flag ${flagKey}`);
    return flagKey;
  }

  private resolve<T>(name: FlagName, kind: Kind): ResolutionDetails<T> {
    const value: unknown = this.flags.get(name);
    const actual = typeof value === 'object' ? 'object' : typeof value;
    if (actual !== kind) throw new TypeMismatchError(`${name} is a ${actual}, asked as ${kind}`);
    // The same value for every caller: targeting lives only in rollout flags.
    return { value: value as T, reason: StandardResolutionReasons.STATIC };
  }
}
