/**
 * A streamed batch goes out at most `streamFlushMs` after its first step, however many steps
 * follow: a source that yields a step more often than that (the SQLite changelog polls every
 * 200 ms, a busy binlog yields every transaction) must not hold its changes, and verify's
 * catch-up waiting on the checkpoint, until `maxStreamEvents` gathered.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  createLogger,
  type ChangeEvent,
  type ChangeRow,
  type SourcePosition,
} from '@database-replicator/core';
import {
  runExtractor,
  type ChangeSource,
  type ExtractorBus,
  type ExtractorCheckpoint,
  type ExtractorMessage,
  type JobStore,
  type SourceTable,
  type SourceTransaction,
} from '@database-replicator/pipeline';

const logger = createLogger({ level: 'silent' });
const TABLE: SourceTable = {
  id: { schema: 'public', table: 'items' },
  keyColumns: ['id'],
  columns: [{ name: 'id', type: 'integer', nullable: false }],
  indexes: [],
  estimatedRows: 0,
  schemaOnly: false,
};
const STEPS = 20;
const STEP_MS = 30;
const FLUSH_MS = 100;

function seq(n: number): SourcePosition {
  return { kind: 'sqlite', sequence: String(n) };
}

function insert(id: number): ChangeEvent {
  return {
    op: 'c',
    before: null,
    after: { id },
    ts_ms: id,
    source: {
      connector: 'sqlite',
      name: 'src',
      db: 'app',
      schema: 'public',
      table: 'items',
      snapshot: 'false',
      position: seq(id),
      ts_ms: id,
    },
  };
}

/** One insert every STEP_MS, each its own transaction step. */
class SteadySource implements ChangeSource {
  readonly connector = 'sqlite' as const;
  readonly name = 'src';
  readonly database = 'app';
  async describeTables(): Promise<readonly SourceTable[]> {
    return [TABLE];
  }
  async startPosition(): Promise<SourcePosition> {
    return seq(0);
  }
  async *readSnapshot(): AsyncIterable<readonly ChangeRow[]> {}
  async *streamChanges(): AsyncIterable<SourceTransaction> {
    for (let id = 1; id <= STEPS; id += 1) {
      await sleep(STEP_MS);
      yield { events: [insert(id)], resumeFrom: seq(id) };
    }
  }
  async acknowledge(): Promise<void> {}
  async close(): Promise<void> {}
}

describe('stream flushes', () => {
  it('send a batch at most streamFlushMs after its first step, while steps keep coming', async () => {
    const sends: number[] = [];
    const bus: ExtractorBus = {
      ensureTopics: async () => {},
      producer: async () => ({
        send: async (_topic: string, messages: readonly ExtractorMessage[]) => {
          sends.push(messages.length);
        },
        close: async () => {},
      }),
    };
    let checkpoint: ExtractorCheckpoint = { start: seq(0), stream: seq(0), snapshotDone: true };
    const store: JobStore = {
      registerTables: async () => {},
      loadCheckpoint: async () => checkpoint,
      saveCheckpoint: async (_job: string, _id: string, next: ExtractorCheckpoint) => {
        checkpoint = next;
      },
      claimSnapshotTable: async () => undefined,
      saveSnapshotProgress: async () => {},
      setTablePhase: async () => {},
      failedTables: async () => [],
      restartSnapshot: async () => {},
    };
    await runExtractor({
      source: new SteadySource(),
      bus,
      store,
      jobId: 'job',
      extractorId: 'x',
      topicPrefix: 'dr',
      partitions: 1,
      partitionForKey: () => 0,
      stream: true,
      streamFlushMs: FLUSH_MS,
      signal: new AbortController().signal,
      logger,
    });
    // 20 steps 30 ms apart are 600 ms of changes: several sends of a few steps each, not one
    // send of everything at the end (timers on a loaded machine only make batches smaller).
    expect(sends.reduce((sum, n) => sum + n, 0)).toBe(STEPS);
    expect(sends.length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...sends)).toBeLessThan(STEPS / 2);
    expect(checkpoint.stream).toEqual(seq(STEPS));
  });
});
