import type { Connection } from 'mongoose';
import { Counter, Gauge, type Registry } from 'prom-client';
import { getConversationModel } from '../../modules/messages/conversation-model';
import type { Feature } from '../feature';
import { Outbox, type OutboxMetrics } from './outbox';
import { RedisOutboxJournal } from './redis-outbox-journal';

/** How long shutdown waits for the outbox before leaving its journal to a peer. */
const DRAIN_MS = 5000;

/** The outbox `extend` built, by database connection, for `create` to start and close (one per app). */
const built = new WeakMap<Connection, Outbox>();

/**
 * Deferred conversation writes: with flag `messages.conversationWrites=deferred` (needs Redis)
 * a batch under load is acked once its messages are inserted and their conversation updates
 * journaled in Redis, and this instance's outbox applies the updates after the ack; a peer
 * adopts a dead instance's journal. docs/realtime.md "Deferred conversation writes: the outbox".
 *
 * `extend` plugs the outbox into the message writer (the core's `conversationUpdates`); without
 * Redis it plugs nothing, and every batch applies its updates before the ack. `create` starts
 * adopting dead instances' journals on the presence reaper's beat and returns the closer: drain
 * for up to DRAIN_MS, then stop (a batch written after that applies its updates before its ack).
 * Removing this folder leaves the inline path, which is the default anyway.
 */
export const outbox: Feature = {
  name: 'outbox',
  description:
    'Deferred conversation writes: under load a message is acked before its conversation update, which a Redis-journaled outbox applies after (flag messages.conversationWrites)',
  extend: (ctx) => {
    if (!ctx.redis) return {};
    const box = new Outbox({
      conversations: getConversationModel(ctx.mongo).collection,
      journal: new RedisOutboxJournal({
        guard: ctx.redis,
        prefix: ctx.config.redisKeyPrefix,
        owner: ctx.config.instanceId,
      }),
      enabled: () => ctx.flags.get('messages.conversationWrites') === 'deferred',
      minBatch: ctx.config.messages.laneMinBatch,
      chunk: ctx.config.messages.laneChunk,
      writeMs: ctx.config.messages.laneWriteMs,
      share: ctx.config.messages.laneShare,
      maxPending: ctx.config.messages.laneMax,
      logger: ctx.logger,
      metrics: outboxMetrics(ctx.metrics.registry),
    });
    built.set(ctx.mongo, box);
    return { conversationUpdates: box };
  },
  create: (ctx) => {
    const box = built.get(ctx.mongo);
    if (!box) return {};
    box.startRecovery(async () => new Set(await ctx.liveInstanceIds()), ctx.config.presence.reapIntervalMs);
    return {
      close: async () => {
        await box.drained(DRAIN_MS);
        box.stop();
      },
    };
  },
};

/** The outbox's series, in the app's registry. */
export function outboxMetrics(registry: Registry): OutboxMetrics {
  const registers = [registry];
  return {
    pending: new Gauge({
      name: 'message_lane_pending',
      help: 'Acked messages whose conversation update this instance still owes (outbox)',
      registers,
    }),
    applied: new Counter({
      name: 'message_lane_applied_total',
      help: 'Messages whose conversation update the outbox applied after their ack (adopted ones included)',
      registers,
    }),
    fallbacks: new Counter({
      name: 'message_lane_fallbacks_total',
      help: 'Batches whose conversation updates were applied before the ack because the outbox refused them',
      registers,
    }),
  };
}
