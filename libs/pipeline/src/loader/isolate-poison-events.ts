/**
 * A message of many events (a change chunk) that the target refused as a whole: rather than
 * dead-letter every event with it, the target is asked which events it refuses
 * (`ChangeApplier.findPoison`, a rolled-back probe), those are dead-lettered one by one (each as
 * a single-event message value under its own row's key, at the chunk's offset), and the others are applied
 * with the message's offset in a normal apply. The dead letters go out before that apply: a crash
 * in between only sends them again.
 */
import { serializeChangeEvent, type ErrorCode } from '@database-replicator/core';
import { messageKey } from '../extractor/event-builder.js';
import type { ApplyBatch, ApplyCounts, ChangeApplier, LoaderRecord } from './loader-ports.js';
import type { Pending } from './loader-message.js';

/** What the isolation needs from the loader run. */
export type IsolationContext = Readonly<{
  applier: ChangeApplier;
  /** Retries transient failures as the loader does. */
  retry: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Dead-letters `record` (of the message's topic and partition) with `error`. */
  deadLetter: (record: LoaderRecord, error: Error & { code: ErrorCode }) => Promise<void>;
}>;

/**
 * Applies the events of `item` the target accepts and dead-letters the others.
 *
 * @returns The counts of the apply, or `undefined` when the events cannot be told apart (one
 *   event, no probe, or the probe refuses none): then the caller dead-letters the message whole.
 * @throws What the probe or the apply throw besides a refusal.
 */
export async function isolatePoisonEvents(
  context: IsolationContext,
  batch: ApplyBatch,
  item: Pending,
): Promise<ApplyCounts | undefined> {
  const { applier } = context;
  const findPoison = applier.findPoison?.bind(applier);
  if (findPoison === undefined || batch.events.length < 2) return undefined;
  const poison = await context.retry(() => findPoison(batch));
  if (poison.length === 0) return undefined;
  const refused = new Set<number>();
  for (const { index, error } of poison) {
    const event = batch.events[index];
    if (event === undefined) continue;
    refused.add(index);
    const row = event.event.op === 'd' ? event.event.before : event.event.after;
    const key = messageKey(batch.keyColumns, row) ?? item.record.key;
    const letter = { key, value: serializeChangeEvent(event.event), offset: event.offset };
    await context.deadLetter(letter, error);
  }
  const rest = batch.events.filter((_, index) => !refused.has(index));
  if (rest.length === 0) return { applied: 0, skipped: 0 };
  return context.retry(() => applier.apply({ ...batch, events: rest }));
}
