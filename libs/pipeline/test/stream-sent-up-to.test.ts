/**
 * The stream checkpoint's `sentUpTo` (verify's exact catch-up): per partition that ever
 * received a change, the position of the last message sent there up to the checkpoint, in both
 * message modes, schema changes (every partition) included, split transactions included, and
 * carried over from the stored checkpoint of an earlier run.
 */
import { describe, expect, it } from 'vitest';
import type { ChangeEvent, ChangeRow } from '@database-replicator/core';
import {
  runExtractor,
  type ChangeEventMode,
  type ExtractorCheckpoint,
  type SentPosition,
  type SourceTransaction,
} from '@database-replicator/pipeline';
import {
  StreamOnlySource,
  StreamingJobStore,
  TABLE,
  seq,
  sinkBus,
  sqliteChange,
  streamRunOptions,
} from './extractor-fixtures.js';

const TOPIC = 'dr.src.public.items';

/** `op` of the row `{ id, v: 'v<at>' }` at `seq(at)`; a schema change (`s`) has no row. */
function change(op: ChangeEvent['op'], id: number, at: number): ChangeEvent {
  const row: ChangeRow = { id, v: `v${at}` };
  const before = op === 'c' || op === 's' ? null : row;
  return sqliteChange(op, before, op === 'd' || op === 's' ? null : row, at);
}

function dropColumn(at: number): ChangeEvent {
  return {
    ...change('s', 0, at),
    schema_change: { kind: 'drop_column', column: 'v', statement: 'ALTER TABLE items DROP v' },
  };
}

/** Runs the stream from `initial` and returns every checkpoint saved. */
async function checkpoints(
  steps: SourceTransaction[],
  mode: ChangeEventMode,
  initial: ExtractorCheckpoint = { start: seq(0), stream: seq(0), snapshotDone: true },
): Promise<ExtractorCheckpoint[]> {
  const store = new StreamingJobStore(initial);
  const tables = [{ ...TABLE, estimatedRows: 0 }];
  const source = new StreamOnlySource({ connector: 'sqlite', start: seq(0), steps, tables });
  await runExtractor({
    // What is sent does not matter here, only what the checkpoints record.
    ...streamRunOptions({ source, bus: sinkBus(), store }),
    // Every step is its own flush (and checkpoint, when it has a resume point).
    maxStreamEvents: 1,
    changeEvents: mode,
  });
  return store.saved;
}

/** `sentUpTo` as partition → sequence, for comparisons. */
function byPartition(sent: readonly SentPosition[] | undefined): Record<number, string> {
  expect(sent, 'sentUpTo is stored').toBeDefined();
  const entries = (sent ?? []).map((entry): [number, string] => {
    expect(entry.topic).toBe(TOPIC);
    return [entry.partition, entry.position.kind === 'sqlite' ? entry.position.sequence : ''];
  });
  return Object.fromEntries(entries);
}

const MODES: readonly ChangeEventMode[] = ['rows', 'chunks'];

describe('stream checkpoints record the last position sent per partition', () => {
  it.each(MODES)('%s: per partition, cumulative over checkpoints', async (mode) => {
    const saved = await checkpoints(
      [
        { events: [change('c', 1, 1), change('c', 22, 2), change('u', 1, 3)], resumeFrom: seq(3) },
        // A heartbeat: nothing new sent, the partitions stay as they were.
        { events: [], resumeFrom: seq(5) },
        { events: [change('d', 333, 6)], resumeFrom: seq(7) },
      ],
      mode,
    );
    expect(saved.map((c) => c.stream)).toEqual([seq(3), seq(5), seq(7)]);
    expect(saved.map((c) => byPartition(c.sentUpTo))).toEqual([
      { 2: '3', 0: '2' },
      { 2: '3', 0: '2' },
      { 2: '3', 0: '2', 1: '6' },
    ]);
  });

  it.each(MODES)('%s: a schema change counts for every partition', async (mode) => {
    const saved = await checkpoints(
      [
        { events: [change('c', 1, 1)], resumeFrom: seq(1) },
        { events: [dropColumn(2), change('c', 22, 3)], resumeFrom: seq(3) },
      ],
      mode,
    );
    expect(byPartition(saved.at(-1)?.sentUpTo)).toEqual({ 0: '3', 1: '2', 2: '2' });
  });

  it('a split transaction’s parts count in the checkpoint after them', async () => {
    const saved = await checkpoints(
      [
        { events: [change('c', 333, 10)], resumeFrom: null },
        { events: [change('c', 1, 10)], resumeFrom: seq(10) },
      ],
      'chunks',
      { start: seq(0), stream: seq(0), snapshotDone: true },
    );
    expect(saved.map((c) => byPartition(c.sentUpTo))).toEqual([{ 1: '10', 2: '10' }]);
  });

  it('carries over what an earlier run sent', async () => {
    const initial: ExtractorCheckpoint = {
      start: seq(0),
      stream: seq(8),
      snapshotDone: true,
      sentUpTo: [
        { topic: TOPIC, partition: 0, position: seq(4) },
        { topic: TOPIC, partition: 1, position: seq(8) },
      ],
    };
    const saved = await checkpoints(
      [{ events: [change('u', 22, 9)], resumeFrom: seq(9) }],
      'rows',
      initial,
    );
    expect(byPartition(saved.at(-1)?.sentUpTo)).toEqual({ 0: '9', 1: '8' });
  });
});
