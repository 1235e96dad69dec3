// Tracing first, for its effect: its instrumentations patch modules as they load.
import './tracing/register';
import { chess } from './chess/chess-feature';
import { opsConsole } from './console/console-feature';
import { demo } from './demo/demo-feature';
import type { Feature } from './feature';
import { outbox } from './outbox/outbox-feature';
import { tracing } from './tracing/tracing-feature';

/**
 * The features this build runs, one line each: the only place that names them. The
 * composition root loops over this list; `npm run features -- remove NAME` deletes a feature's
 * folder and its lines here.
 */
// biome-ignore format: one feature per line, so adding or removing one is a one-line change
export const installedFeatures: readonly Feature[] = [
  tracing,
  chess,
  demo,
  opsConsole,
  outbox,
];
