/**
 * Settling a message the loader cannot apply as it is: a message the target refused (its refused
 * events or copy rows dead-lettered and the others applied, isolate-*.ts, or the whole message
 * dead-lettered when they cannot be told apart), or a message rejected before any apply (it
 * fails validation, or its table has no known key columns: dead-lettered). Each is settled once
 * through the applier's `settleRefused`: under the target's lock on the message's partition,
 * only while the stored offset is not past the message, and storing the offset past it. Without
 * that, a rebalance that hands the partition to a new member while the old one still settles the
 * message (the new one reads again from the bus's last commit), or a replay, sent every dead
 * letter twice. An applier without `settleRefused` settles as before, without a lock.
 */
import type { ErrorCode, TableId } from '@database-replicator/core';
import type { Rejected } from './group-runs.js';
import { isolatePoisonEvents, type IsolationContext } from './isolate-poison-events.js';
import { isolateRefusedCopyRows } from './isolate-refused-copy-rows.js';
import type { Pending } from './loader-message.js';
import type { ApplyBatch, ApplyCounts, ChangeApplier, LoaderRecord } from './loader-ports.js';
import { isPoisonError } from './poison-error.js';

/** What the settling needs from the loader run. */
export type SettleContext = Readonly<{
  applier: ChangeApplier;
  consumerGroup: string;
  /** Retries transient failures as the loader does (those that `also` accepts). */
  retry: <T>(fn: () => Promise<T>, also?: (error: unknown) => boolean) => Promise<T>;
  /** Dead-letters `record` of `topic[partition]` with `error`. */
  deadLetter: (
    topic: string,
    partition: number,
    record: LoaderRecord,
    error: Error & { code: ErrorCode },
  ) => Promise<void>;
}>;

/** The message of `table` that the target refused with `error`. */
export type RefusedItem = Readonly<{
  table: TableId;
  keyColumns: readonly string[];
  item: Pending;
  error: Error & { code: ErrorCode };
}>;

const NOTHING: ApplyCounts = Object.freeze({ applied: 0, skipped: 0 });

/**
 * Settles a refused message once.
 *
 * @returns The counts of what was applied; a message settled before (by another loader, or
 *   before a replay) counts as skipped, like a replay.
 * @throws What the probe, the applies, the dead-letter sink or the settling lock throw besides
 *   a refusal.
 */
export async function settleRefused(
  context: SettleContext,
  refused: RefusedItem,
): Promise<ApplyCounts> {
  const { item } = refused;
  const counts = await settleOnce(context, item.topic, item.partition, item.record, async () => {
    const isolated = await isolate(context, refused);
    if (isolated !== undefined) return isolated;
    await context.deadLetter(item.topic, item.partition, item.record, refused.error);
    return NOTHING;
  });
  const { content } = item;
  const size = content.kind === 'copy' ? content.copy.chunk.row_count : content.events.length;
  return counts ?? { applied: 0, skipped: size };
}

/** Dead-letters a rejected message once. */
export async function settleRejected(context: SettleContext, rejected: Rejected): Promise<void> {
  const { topic, partition, record, error } = rejected;
  await settleOnce(context, topic, partition, record, async () => {
    await context.deadLetter(topic, partition, record, error);
    return NOTHING;
  });
}

/** `settle` through the applier's `settleRefused` (`undefined`: settled before), else as it is. */
async function settleOnce(
  context: SettleContext,
  topic: string,
  partition: number,
  record: LoaderRecord,
  settle: () => Promise<ApplyCounts>,
): Promise<ApplyCounts | undefined> {
  const { applier, consumerGroup } = context;
  const settleRefused = applier.settleRefused?.bind(applier);
  if (settleRefused === undefined) return settle();
  const message = { consumerGroup, topic, partition, offset: record.offset };
  // What `settle` throws was retried inside it already; only the lock and offset statements are
  // retried here (a retry after dead letters went out would send them again).
  let failed: unknown;
  const marked = (): Promise<ApplyCounts> =>
    settle().catch((error: unknown) => {
      failed = error;
      throw error;
    });
  return context.retry(
    () => settleRefused(message, marked),
    (error) => error !== failed,
  );
}

/**
 * The events (or copy rows) of a refused message applied but for the refused ones, which are
 * dead-lettered; `undefined` when they cannot be told apart (the caller dead-letters it whole).
 */
async function isolate(
  context: SettleContext,
  { table, keyColumns, item }: RefusedItem,
): Promise<ApplyCounts | undefined> {
  const { applier, consumerGroup } = context;
  const isolation: IsolationContext = {
    applier,
    retry: (fn) => context.retry(fn),
    deadLetter: (record, error) => context.deadLetter(item.topic, item.partition, record, error),
  };
  try {
    if (item.content.kind === 'copy') {
      const chunks = [item.content.copy];
      const batch = { consumerGroup, table, keyColumns, chunks };
      return await isolateRefusedCopyRows(isolation, batch, item);
    }
    const batch: ApplyBatch = { consumerGroup, table, keyColumns, events: item.content.events };
    return await isolatePoisonEvents(isolation, batch, item);
  } catch (error) {
    // The target refuses the events it accepted one by one when applied together: the message
    // goes to the dead letters whole (after those already sent).
    if (isPoisonError(error)) return undefined;
    throw error;
  }
}
