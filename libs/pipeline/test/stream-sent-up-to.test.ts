/**
 * The stream checkpoint's `sentUpTo` (verify's exact catch-up): per partition that ever
 * received a change, the position of the last message sent there up to the checkpoint, in both
 * message modes, schema changes (every partition) included, split transactions included, and
 * carried over from the stored checkpoint of an earlier run.
 */
import { describe, expect, it } from 'vitest';
import {
  createLogger,
  type ChangeEvent,
  type ChangeRow,
  type SourcePosition,
} from '@database-replicator/core';
import {
  runExtractor,
  type ChangeEventMode,
  type ChangeSource,
  type ExtractorBus,
  type ExtractorCheckpoint,
  type JobStore,
  type SentPosition,
  type SourceTable,
  type SourceTransaction,
} from '@database-replicator/pipeline';

const logger = createLogger({ level: 'silent' });
const TABLE: SourceTable = {
  id: { schema: 'public', table: 'items' },
  keyColumns: ['id'],
  columns: [
    { name: 'id', type: 'integer', nullable: false },
    { name: 'v', type: 'text', nullable: true },
  ],
  indexes: [],
  estimatedRows: 0,
  schemaOnly: false,
};
const TOPIC = 'dr.src.public.items';
const PARTITIONS = 3;
// `{"id":1}` → 2, `{"id":22}` → 0, `{"id":333}` → 1.
const partitionForKey = (key: string, partitions: number): number => key.length % partitions;

function seq(n: number): SourcePosition {
  return { kind: 'sqlite', sequence: String(n) };
}

function change(op: ChangeEvent['op'], id: number, at: number): ChangeEvent {
  const row: ChangeRow = { id, v: `v${at}` };
  return {
    op,
    before: op === 'c' || op === 's' ? null : row,
    after: op === 'd' || op === 's' ? null : row,
    ts_ms: at,
    source: {
      connector: 'sqlite',
      name: 'src',
      db: 'app',
      schema: 'public',
      table: 'items',
      snapshot: 'false',
      position: seq(at),
      ts_ms: at,
    },
  };
}

function dropColumn(at: number): ChangeEvent {
  return {
    ...change('s', 0, at),
    schema_change: { kind: 'drop_column', column: 'v', statement: 'ALTER TABLE items DROP v' },
  };
}

class ScriptedSource implements ChangeSource {
  readonly connector = 'sqlite' as const;
  readonly name = 'src';
  readonly database = 'app';
  constructor(readonly steps: SourceTransaction[]) {}
  async describeTables(): Promise<readonly SourceTable[]> {
    return [TABLE];
  }
  async startPosition(): Promise<SourcePosition> {
    return seq(0);
  }
  async *readSnapshot(): AsyncIterable<readonly ChangeRow[]> {}
  async *streamChanges(): AsyncIterable<SourceTransaction> {
    yield* this.steps;
  }
  async acknowledge(): Promise<void> {}
  async close(): Promise<void> {}
}

class NullBus implements ExtractorBus {
  async ensureTopics(): Promise<void> {}
  async producer() {
    return {
      // What is sent does not matter here, only what the checkpoints record.
      send: async () => {},
      close: async () => {},
    };
  }
}

/** Runs the stream from `initial` and returns every checkpoint saved. */
async function checkpoints(
  steps: SourceTransaction[],
  mode: ChangeEventMode,
  initial: ExtractorCheckpoint = { start: seq(0), stream: seq(0), snapshotDone: true },
): Promise<ExtractorCheckpoint[]> {
  const saved: ExtractorCheckpoint[] = [];
  const store: JobStore = {
    registerTables: async () => {},
    loadCheckpoint: async () => initial,
    saveCheckpoint: async (_job: string, _id: string, next: ExtractorCheckpoint) => {
      saved.push(next);
    },
    claimSnapshotTable: async () => undefined,
    saveSnapshotProgress: async () => {},
    setTablePhase: async () => {},
    failedTables: async () => [],
    restartSnapshot: async () => {},
  };
  await runExtractor({
    source: new ScriptedSource(steps),
    bus: new NullBus(),
    store,
    jobId: 'job',
    extractorId: 'x',
    topicPrefix: 'dr',
    partitions: PARTITIONS,
    partitionForKey,
    stream: true,
    streamFlushMs: 5,
    // Every step is its own flush (and checkpoint, when it has a resume point).
    maxStreamEvents: 1,
    changeEvents: mode,
    signal: new AbortController().signal,
    logger,
  });
  return saved;
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
