import type { Router } from 'express';
import type { Connection } from 'mongoose';
import type { z } from 'zod';
import type { Config } from '../config/config';
import type { FlagAdmin } from '../flags/flag-admin';
import type { FlagReader } from '../flags/flag-reader';
import type { HealthService } from '../health/health-service';
import type { Readiness } from '../health/readiness';
import type { Logger } from '../infra/logger';
import type { Metrics } from '../infra/metrics';
import type { RedisGuard } from '../infra/redis-guard';
import type { InstanceInfo } from '../instances/instance-heartbeat';
import type { ConversationOutbox } from '../modules/messages/message-writer';
import type { SyncSource } from '../modules/sync/sync-source';
import type { ActivitySink, NotificationKindSpec } from '../ports/activity-sink';
import type { Notifier } from '../ports/notifier';
import type { ShadowTally } from '../presence/shadow-tally';
import type { UserQuotas } from '../rate-limits/user-quotas';
import type { ClientEvent } from '../realtime/client-events';
import type { DeliveryTrace } from '../realtime/instrument-adapter';
import type { ServerEvent } from '../realtime/server-events';
import type { SocketHandlers } from '../realtime/socket-events';
import type { Access, ApiGroup } from '../routing/route-spec';

/**
 * A feature is one folder that exports one `Feature`: everything the central files need from
 * it. The composition root loops over `installedFeatures` (installed-features.ts) and never
 * names a feature; `npm run features -- remove NAME` deletes the folder and its line there.
 *
 * Static parts (api, events, sync rows, notification kinds, panels) are read without I/O, so
 * the API docs can list them; `create` runs once per process, after the core services exist,
 * and returns what the feature mounts. Every model registered on the connection by then gets
 * its indexes before the first request (infra/create-store.ts).
 */
export interface Feature {
  /** the name `npm run features` knows it by: lower-case, one word */
  name: string;
  /** one line: what a team keeps by keeping it */
  description: string;
  /** route specs for /openapi.json, in mount order; the routers `create` returns serve them */
  api?: readonly ApiGroup[];
  /** client → server events its socket handlers register (AsyncAPI) */
  clientEvents?: readonly ClientEvent[];
  /** server → client events it emits (AsyncAPI, and the coverage test's list) */
  serverEvents?: readonly ServerEvent[];
  /** the fields it adds to the `sync` reply, each a list of rows of this public shape (AsyncAPI) */
  syncRows?: readonly { key: string; schema: z.ZodType }[];
  /** notification kinds it records through the ActivitySink */
  notificationKinds?: readonly NotificationKindSpec[];
  /**
   * browser modules it adds to a page shell that loads them by name (shell `demo`: the demo
   * client): `dir` (absolute, a `public/` folder so the build copies it) is served at
   * /<shell>/panels/<feature name>/, and the page imports `entry` from there and calls its
   * `mount(ctx)` (the demo's ctx: container, api, users, me(), socket())
   */
  clientPanels?: readonly { shell: string; dir: string; entry: string }[];
  /** implementations it plugs into the core's extension points, before the core is built */
  extend?(ctx: ExtensionContext): CoreExtensions;
  /** builds its services and what it mounts; called once, after the core services exist */
  create?(ctx: FeatureContext): FeatureParts | Promise<FeatureParts>;
}

/**
 * A notification kind a feature records, and the id field its public notification carries.
 * Defined beside the ActivitySink it is recorded through (the notifications module reads it).
 */
export type { NotificationKindSpec };

/** Extension points of the core, each optional: absent means the core's own default. */
export interface CoreExtensions {
  /** where a message's conversation update goes when it is not applied before the ack (an outbox) */
  conversationUpdates?: ConversationOutbox;
}

export interface ExtensionContext {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  flags: FlagReader;
  mongo: Connection;
  redis: RedisGuard | undefined;
}

/** What a feature may use of the core. It takes what it needs and keeps nothing else. */
export interface FeatureContext extends ExtensionContext {
  /** the flags, with the highest change version applied here (the console publishes it) */
  flags: FlagReader & { readonly version: number };
  flagAdmin: FlagAdmin;
  health: HealthService;
  readiness: Readiness;
  /** where services emit (the Socket.IO server once attached) */
  notifier: Notifier;
  /** notifications: a feature's activity becomes a stored notification */
  activity: ActivitySink;
  /** live instances (heartbeats; just this one without Redis) */
  instances(): Promise<InstanceInfo[]>;
  /** ids of live instances, for adopting a dead one's work */
  liveInstanceIds(): Promise<Set<string>>;
  /** this instance's presence shadow-read tally */
  presenceTally: ShadowTally;
  /** this instance's feed shadow-comparison tally (undefined without Redis: no timelines) */
  feedTally?: Pick<ShadowTally, 'snapshot'> | undefined;
  /** every installed feature's descriptor (a page shell lists the panels others add) */
  installed: readonly Feature[];
  /** per-user quotas of actions that reach others (counted where rateLimit.store says) */
  quotas: UserQuotas;
  /** the user model's existence check, for features that act on another user */
  userExists(userId: string): Promise<boolean>;
}

/** An Express router the app mounts at `path`, behind the credential `access` names. */
export interface RouteMount {
  path: string;
  access: Extract<Access, 'public' | 'user' | 'admin'>;
  router: Router;
}

/** One query a service runs, as its query builder makes it (a mongoose Query, not executed). */
export interface IndexCheck {
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: mongoose Query types differ per model; they are only explained
  query: any;
}

export interface FeatureParts {
  routes?: readonly RouteMount[];
  /** registers the feature's event handlers on each new socket */
  onConnection?: SocketHandlers;
  /** what `sync` answers for this feature (a client that missed pushes catches up from these) */
  // biome-ignore lint/suspicious/noExplicitAny: each source has its own row type
  syncSources?: readonly SyncSource<any>[];
  /** hooks into Socket.IO's delivery (latency is always measured; this adds a trace) */
  deliveryTrace?: DeliveryTrace;
  /**
   * For `npm run verify:indexes`: seeds what its queries need among the three given users
   * (through its own services) and returns the exact queries it runs, to be explained. With
   * `seed: false` (`--in-place`, a real database) it writes nothing and only answers the queries.
   */
  indexChecks?(
    users: { a: string; b: string; c: string },
    opts?: { seed: boolean },
  ): Promise<readonly IndexCheck[]>;
  /**
   * Removes or anonymises what the feature keeps of a user whose account is being deleted
   * (docs/security.md, "Account deletion"). Called before the user document goes, again on a
   * retry after a failed attempt: it must be idempotent.
   */
  onAccountDeleted?(userId: string): Promise<void>;
  /** called after every other closer, the database's included (a trace exporter's last flush) */
  flush?(): Promise<void>;
  /** called at shutdown, after the sockets are closed and before the database */
  close?(): Promise<void>;
}
