/**
 * A streamed batch goes out at most `streamFlushMs` after its first step, however many steps
 * follow: a source that yields a step more often than that (the SQLite changelog polls every
 * 200 ms, a busy binlog yields every transaction) must not hold its changes, and verify's
 * catch-up waiting on the checkpoint, until `maxStreamEvents` gathered.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runExtractor, type SourceTransaction } from '@database-replicator/pipeline';
import {
  StreamOnlySource,
  StreamingJobStore,
  TABLE,
  seq,
  sinkBus,
  sqliteChange,
  streamRunOptions,
} from './extractor-fixtures.js';

const STEPS = 20;
const STEP_MS = 30;
const FLUSH_MS = 100;

/** One insert of `{ id }` every STEP_MS, each its own transaction step. */
async function* steadySteps(): AsyncIterable<SourceTransaction> {
  for (let id = 1; id <= STEPS; id += 1) {
    await sleep(STEP_MS);
    yield { events: [sqliteChange('c', null, { id }, id)], resumeFrom: seq(id) };
  }
}

describe('stream flushes', () => {
  it('send a batch at most streamFlushMs after its first step, while steps keep coming', async () => {
    const sends: number[] = [];
    const store = new StreamingJobStore({ start: seq(0), stream: seq(0), snapshotDone: true });
    const source = new StreamOnlySource({
      connector: 'sqlite',
      start: seq(0),
      steps: steadySteps(),
      tables: [{ ...TABLE, columns: TABLE.columns.slice(0, 1), estimatedRows: 0 }],
    });
    const bus = sinkBus((_topic, messages) => void sends.push(messages.length));
    await runExtractor({
      ...streamRunOptions({ source, bus, store }),
      partitions: 1,
      partitionForKey: () => 0,
      streamFlushMs: FLUSH_MS,
    });
    // 20 steps 30 ms apart are 600 ms of changes: several sends of a few steps each, not one
    // send of everything at the end (timers on a loaded machine only make batches smaller).
    expect(sends.reduce((sum, n) => sum + n, 0)).toBe(STEPS);
    expect(sends.length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...sends)).toBeLessThan(STEPS / 2);
    expect(store.checkpoint.stream).toEqual(seq(STEPS));
  });
});
