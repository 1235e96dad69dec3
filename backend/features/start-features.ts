import type { Closers } from '../infra/closers';
import type { CoreExtensions, ExtensionContext, Feature, FeatureContext, FeatureParts } from './feature';

/** Each feature's extensions, merged; two features filling the same point is a wiring error. */
export function extensionsOf(features: readonly Feature[], ctx: ExtensionContext): CoreExtensions {
  const merged: Record<string, unknown> = {};
  for (const feature of features) {
    for (const [point, impl] of Object.entries(feature.extend?.(ctx) ?? {})) {
      if (impl === undefined) continue;
      if (point in merged)
        throw new Error(`two features extend ${point}; keep one (feature ${feature.name})`);
      merged[point] = impl;
    }
  }
  return merged as CoreExtensions;
}

/** Creates every feature in order and registers its closer; answers each one's parts by name. */
export async function startFeatures(
  features: readonly Feature[],
  ctx: FeatureContext,
  closers: Closers,
): Promise<Map<string, FeatureParts>> {
  const parts = new Map<string, FeatureParts>();
  for (const feature of features) {
    const made = (await feature.create?.(ctx)) ?? {};
    if (made.close) closers.add(feature.name, made.close);
    if (made.flush) closers.addLast(`${feature.name} flush`, made.flush);
    parts.set(feature.name, made);
  }
  return parts;
}
