/**
 * The extractor's ordering and checkpoint rules, against a scripted source, a recording bus and
 * an in-memory job store: P0 is recorded before any row is read, a page's progress is saved only
 * after its send resolved, a restart resumes after the last saved key and at the stream
 * checkpoint, and a key-changing update becomes a delete and an upsert.
 */
import { describe, expect, it } from 'vitest';
import {
  createLogger,
  deserializeChangeEvent,
  decodeEventMessage,
  tableKey,
  type ChangeKey,
  type ChangeRow,
  type SourcePosition,
  type TableId,
} from '@database-replicator/core';
import {
  runExtractor,
  type ChangeSource,
  type ExtractorBus,
  type ExtractorCheckpoint,
  type ExtractorMessage,
  type JobStore,
  type SnapshotClaim,
  type SnapshotProgress,
  type SourceTable,
  type SourceTransaction,
  type TablePhase,
  type CopySnapshotPage,
} from '@database-replicator/pipeline';
import { P0, TABLE, change, lsn } from './extractor-fixtures.js';

const logger = createLogger({ level: 'silent' });

class ScriptedSource implements ChangeSource {
  readonly connector = 'postgresql' as const;
  readonly name = 'src';
  readonly database = 'app';
  readonly log: string[] = [];
  readonly acknowledged: SourcePosition[] = [];
  constructor(
    readonly rows: ChangeRow[],
    readonly steps: SourceTransaction[],
  ) {}
  async describeTables(): Promise<readonly SourceTable[]> {
    return [TABLE];
  }
  async startPosition(): Promise<SourcePosition> {
    this.log.push('start');
    return P0;
  }
  async *readSnapshot(
    _table: SourceTable,
    after: ChangeKey | null,
    options: { pageRows: number },
  ): AsyncIterable<readonly ChangeRow[]> {
    const from = after === null ? 0 : this.rows.findIndex((row) => row.id === after.id) + 1;
    for (let i = from; i < this.rows.length; i += options.pageRows) {
      this.log.push(`page ${i}`);
      yield this.rows.slice(i, i + options.pageRows);
    }
  }
  async *streamChanges(from: SourcePosition): AsyncIterable<SourceTransaction> {
    this.log.push(`stream from ${from.kind === 'postgres' ? from.lsn : ''}`);
    yield* this.steps;
  }
  async acknowledge(position: SourcePosition): Promise<void> {
    this.acknowledged.push(position);
  }
  async close(): Promise<void> {}
}

/** A source that also offers COPY pages: `id` and `v` as COPY text. */
class CopySource extends ScriptedSource {
  async *readSnapshotCopy(
    table: SourceTable,
    after: ChangeKey | null,
    options: { pageRows: number },
  ): AsyncIterable<CopySnapshotPage> {
    for await (const page of this.readSnapshot(table, after, options)) {
      const copy = page.map((row) => `${String(row.id)}\t${String(row.v).replace('\t', '\\t')}\n`);
      yield { copy: copy.join(''), keys: page.map((row) => ({ id: row.id ?? null })) };
    }
  }
}

class RecordingBus implements ExtractorBus {
  readonly sent: { topic: string; message: ExtractorMessage }[] = [];
  failAfter = Number.POSITIVE_INFINITY;
  constructor(readonly log: string[]) {}
  async ensureTopics(): Promise<void> {}
  async producer() {
    return {
      send: async (topic: string, messages: readonly ExtractorMessage[]) => {
        if (this.sent.length + messages.length > this.failAfter) throw new Error('broker down');
        this.log.push(`send ${messages.length}`);
        for (const message of messages) this.sent.push({ topic, message });
      },
      close: async () => {},
    };
  }
}

class MemoryStore implements JobStore {
  readonly progress = new Map<string, SnapshotProgress>();
  checkpoint: ExtractorCheckpoint | undefined;
  constructor(readonly log: string[]) {}
  async registerTables(_job: string, tables: readonly SourceTable[]): Promise<void> {
    for (const table of tables) {
      const key = tableKey(table.id);
      if (!this.progress.has(key)) this.progress.set(key, { afterKey: null, rows: 0, done: false });
    }
  }
  async loadCheckpoint(): Promise<ExtractorCheckpoint | undefined> {
    return this.checkpoint;
  }
  async saveCheckpoint(
    _job: string,
    _extractor: string,
    checkpoint: ExtractorCheckpoint,
  ): Promise<void> {
    this.log.push(
      `checkpoint ${checkpoint.stream.kind === 'postgres' ? checkpoint.stream.lsn : ''}`,
    );
    this.checkpoint = checkpoint;
  }
  async claimSnapshotTable(): Promise<SnapshotClaim | undefined> {
    for (const [key, progress] of this.progress) {
      if (!progress.done)
        return { table: key === tableKey(TABLE.id) ? TABLE.id : TABLE.id, progress };
    }
    return undefined;
  }
  async saveSnapshotProgress(
    _job: string,
    _worker: string,
    table: TableId,
    progress: SnapshotProgress,
  ): Promise<void> {
    this.log.push(`progress ${progress.rows}${progress.done ? ' done' : ''}`);
    this.progress.set(tableKey(table), progress);
  }
  async setTablePhase(_job: string, _table: TableId, phase: TablePhase): Promise<void> {
    this.log.push(`phase ${phase}`);
  }
  async failedTables(): Promise<readonly TableId[]> {
    return [];
  }
  async restartSnapshot(_job: string, tables: readonly TableId[]): Promise<void> {
    for (const table of tables) {
      this.log.push(`restart ${table.table}`);
      this.progress.set(tableKey(table), { afterKey: null, rows: 0, done: false });
    }
  }
}

const ROWS = [1, 2, 3, 4, 5].map((id) => ({ id, v: `v${id}` }));

function setup(
  steps: SourceTransaction[] = [],
  checkpointIntervalMs = 0,
  extra: Partial<Parameters<typeof runExtractor>[0]> = {},
) {
  const log: string[] = [];
  const source = new ScriptedSource(ROWS, steps);
  source.log.push = (...items: string[]) => log.push(...items);
  const bus = new RecordingBus(log);
  const store = new MemoryStore(log);
  const controller = new AbortController();
  const run = (stream: boolean, mode: 'rows' | 'chunks' = 'rows') =>
    runExtractor({
      source,
      bus,
      store,
      jobId: 'job',
      extractorId: 'x',
      topicPrefix: 'dr',
      partitions: 3,
      partitionForKey: (key: string, partitions: number) => key.length % partitions,
      snapshotEvents: mode,
      stream,
      snapshotWorkers: 1,
      pageRows: 2,
      checkpointIntervalMs,
      streamFlushMs: 5,
      signal: controller.signal,
      logger,
      ...extra,
    });
  return { log, source, bus, store, run };
}

/** Copies the table of `source` alone (no stream) in pages of 10, as chunks (the default). */
async function snapshotChunks(
  source: ScriptedSource,
  extra: Partial<Parameters<typeof runExtractor>[0]> = {},
): Promise<RecordingBus> {
  const bus = new RecordingBus([]);
  await runExtractor({
    source,
    bus,
    store: new MemoryStore([]),
    jobId: 'job',
    extractorId: 'x',
    topicPrefix: 'dr',
    partitions: 3,
    partitionForKey: (key: string, partitions: number) => key.length % partitions,
    stream: false,
    pageRows: 10,
    snapshotWorkers: 1,
    signal: new AbortController().signal,
    logger,
    ...extra,
  });
  return bus;
}

describe('runExtractor', () => {
  it('records P0 before reading, saves each page only after its send, then streams', async () => {
    const { log, bus, store, source, run } = setup([
      { events: [change('c', null, { id: 6, v: 'v6' }, 0x200)], resumeFrom: lsn(0x210) },
      { events: [], resumeFrom: lsn(0x300) },
    ]);
    const result = await run(true);
    expect(log.slice(0, 4)).toEqual(['start', 'checkpoint 0/100', 'page 0', 'send 2']);
    // Saves overlap the next page's read, but each follows the send it covers, in order.
    const saves = log.filter((line) => line.startsWith('progress'));
    expect(saves).toEqual(['progress 2', 'progress 4', 'progress 5 done']);
    const sends = log.flatMap((line, index) => (line.startsWith('send') ? [index] : []));
    saves.forEach((line, n) => expect(log.indexOf(line)).toBeGreaterThan(sends[n] ?? Infinity));
    expect(log).toContain('progress 5 done');
    expect(log.indexOf('phase streaming')).toBeGreaterThan(log.indexOf('progress 5 done'));
    expect(bus.sent.map(({ message }) => message.key)).toEqual([
      '{"id":1}',
      '{"id":2}',
      '{"id":3}',
      '{"id":4}',
      '{"id":5}',
      '{"id":6}',
    ]);
    expect(new Set(bus.sent.map(({ topic }) => topic))).toEqual(new Set(['dr.src.public.items']));
    const first = deserializeChangeEvent(bus.sent[0]?.message.value ?? '');
    expect(first).toMatchObject({
      op: 'r',
      after: { id: 1, v: 'v1' },
      source: { snapshot: 'true', position: P0 },
    });
    // The stream's one change went to its key's partition (`{"id":6}`: 8 % 3).
    const sentUpTo = [{ topic: 'dr.src.public.items', partition: 2, position: lsn(0x200) }];
    expect(store.checkpoint).toEqual({
      start: P0,
      stream: lsn(0x300),
      snapshotDone: true,
      sentUpTo,
    });
    expect(source.acknowledged.at(-1)).toEqual(lsn(0x300));
    expect(result).toEqual({ snapshotRows: 5, streamEvents: 1, position: lsn(0x300) });
  });

  it('resumes the snapshot after the last saved key and the stream at its checkpoint', async () => {
    const { bus, store, log, run } = setup([]);
    store.checkpoint = { start: P0, stream: P0, snapshotDone: false };
    store.progress.set(tableKey(TABLE.id), { afterKey: { id: 3 }, rows: 3, done: false });
    await run(false);
    expect(log).not.toContain('start');
    expect(bus.sent.map(({ message }) => message.key)).toEqual(['{"id":4}', '{"id":5}']);
    expect(log).toContain('progress 5 done');

    const again = setup([{ events: [], resumeFrom: lsn(0x400) }]);
    again.store.checkpoint = { start: P0, stream: lsn(0x300), snapshotDone: true };
    await again.run(true);
    expect(again.log).toContain('stream from 0/300');
    expect(again.bus.sent).toEqual([]);
  });

  it('never saves progress for a page the bus did not accept', async () => {
    const { bus, store, run } = setup([]);
    bus.failAfter = 3;
    await expect(run(false)).rejects.toThrow('broker down');
    expect(store.progress.get(tableKey(TABLE.id))).toEqual({
      afterKey: { id: 2 },
      rows: 2,
      done: false,
    });
  });

  it('saves progress after the first page, then at most once an interval, and at the end', async () => {
    const { log, run } = setup([], 60_000);
    await run(false);
    expect(log.filter((line) => line.startsWith('progress'))).toEqual([
      'progress 2',
      'progress 5 done',
    ]);
  });

  it('sends snapshot chunks whose rows all map to the partition of the chunk key', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => ({ id: i * 7, v: `v${i}` }));
    const bus = await snapshotChunks(new ScriptedSource(rows, []));
    const chunks = bus.sent.map(({ message }) => ({
      key: message.key ?? '',
      value: JSON.parse(message.value ?? '{}') as { columns: string[]; rows: unknown[][] },
    }));
    expect(chunks.length).toBeGreaterThan(3);
    const seen: unknown[][] = [];
    for (const { key, value } of chunks) {
      expect(value.columns).toEqual(['id', 'v']);
      for (const row of value.rows) {
        expect(JSON.stringify({ id: row[0] }).length % 3).toBe(key.length % 3);
        seen.push(row);
      }
      const message = decodeEventMessage(JSON.stringify(value));
      expect(message.kind).toBe('events');
      expect(message.kind === 'events' ? message.events[0] : undefined).toMatchObject({
        op: 'r',
        source: { snapshot: 'true', position: P0 },
      });
    }
    expect(seen.map((row) => row[0]).sort((a, b) => Number(a) - Number(b))).toEqual(
      rows.map((row) => row.id),
    );
  });

  for (const routing of ['key', 'spread'] as const) {
    it(`sends COPY pages as copy chunks routed by ${routing}, every row once`, async () => {
      const rows = Array.from({ length: 25 }, (_, i) => ({ id: i * 7, v: `v\t${i}` }));
      const bus = await snapshotChunks(new CopySource(rows, []), { snapshotRouting: routing });
      const seen: string[] = [];
      for (const { message } of bus.sent) {
        const decoded = decodeEventMessage(message.value ?? '');
        if (decoded.kind !== 'copy') throw new Error('not a copy chunk');
        const { chunk } = decoded;
        expect(chunk.columns).toEqual(['id', 'v']);
        expect(chunk.source).toMatchObject({ snapshot: 'true', position: P0 });
        const lines = chunk.copy.split('\n').slice(0, -1);
        expect(lines).toHaveLength(chunk.row_count);
        const partition = (message.key ?? '').length % 3;
        const [first] = lines;
        for (const line of routing === 'key' ? lines : [first ?? '']) {
          expect(JSON.stringify({ id: Number(line.split('\t')[0]) }).length % 3).toBe(partition);
        }
        seen.push(...lines);
      }
      expect(seen).toEqual(rows.map((row) => `${row.id}\t${row.v.replace('\t', '\\t')}`));
    });
  }

  it('with spread snapshot chunks, streams only once the loader applied them, also on resume', async () => {
    // Logs "applied" into the run's own log (source, bus and store write there too).
    const appliedInto = (logs: { log?: string[] }) => async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      logs.log?.push('applied');
    };
    const steps = [
      { events: [change('c', null, { id: 6, v: 'v6' }, 0x200)], resumeFrom: lsn(0x210) },
    ];
    const firstLogs: { log?: string[] } = {};
    const first = setup(steps, 0, {
      snapshotRouting: 'spread',
      awaitApplied: appliedInto(firstLogs),
    });
    firstLogs.log = first.log;
    await first.run(true);
    const applied = first.log.indexOf('applied');
    expect(applied).toBeGreaterThan(first.log.indexOf('progress 5 done'));
    expect(first.log.indexOf('progress 5 done')).toBeGreaterThan(-1);
    expect(first.log.indexOf('stream from 0/100')).toBeGreaterThan(applied);

    const resumedLogs: { log?: string[] } = {};
    const resumed = setup([], 0, {
      snapshotRouting: 'spread',
      awaitApplied: appliedInto(resumedLogs),
    });
    resumedLogs.log = resumed.log;
    resumed.store.checkpoint = { start: P0, stream: lsn(0x300), snapshotDone: true };
    await resumed.run(true);
    expect(resumed.log.indexOf('applied')).toBeGreaterThan(-1);
    expect(resumed.log.indexOf('stream from 0/300')).toBeGreaterThan(
      resumed.log.indexOf('applied'),
    );
  });

  it('sends a key-changing update as a delete of the old key and an upsert of the new', async () => {
    const { bus, store, run } = setup([
      {
        events: [change('u', { id: 1, v: 'v1' }, { id: 10, v: 'v1' }, 0x200)],
        resumeFrom: lsn(0x210),
      },
    ]);
    store.checkpoint = { start: P0, stream: P0, snapshotDone: true };
    await run(true);
    const sent = bus.sent.map(({ message }) => ({
      key: message.key,
      op: deserializeChangeEvent(message.value ?? '').op,
    }));
    expect(sent).toEqual([
      { key: '{"id":1}', op: 'd' },
      { key: '{"id":10}', op: 'u' },
    ]);
  });
});

class HistoryLost extends Error {}

/** Its first stream fails with a lost history; its current start position is 0/500. */
class ForgetfulSource extends ScriptedSource {
  #streams = 0;
  override async startPosition(): Promise<SourcePosition> {
    this.log.push('start');
    return lsn(0x500);
  }
  override async *streamChanges(from: SourcePosition): AsyncIterable<SourceTransaction> {
    this.log.push(`stream from ${from.kind === 'postgres' ? from.lsn : ''}`);
    this.#streams += 1;
    if (this.#streams === 1) throw new HistoryLost('resume point gone');
    yield* this.steps;
  }
  isHistoryLost(error: unknown): boolean {
    return error instanceof HistoryLost;
  }
}

describe('runExtractor after the source lost its history', () => {
  function forgetful(awaitApplied: (() => Promise<void>) | undefined) {
    const log: string[] = [];
    const source = new ForgetfulSource(ROWS, [{ events: [], resumeFrom: lsn(0x600) }]);
    source.log.push = (...items: string[]) => log.push(...items);
    const store = new MemoryStore(log);
    // A job whose snapshot was done and whose stream checkpoint the source no longer has.
    store.checkpoint = { start: P0, stream: lsn(0x300), snapshotDone: true };
    store.progress.set(tableKey(TABLE.id), { afterKey: { id: 5 }, rows: 5, done: true });
    const bus = new RecordingBus(log);
    const run = () =>
      runExtractor({
        source,
        bus,
        store,
        jobId: 'job',
        extractorId: 'x',
        topicPrefix: 'dr',
        partitions: 1,
        partitionForKey: () => 0,
        snapshotEvents: 'rows',
        stream: true,
        snapshotWorkers: 1,
        pageRows: 5,
        streamFlushMs: 5,
        signal: new AbortController().signal,
        logger,
        ...(awaitApplied === undefined ? {} : { awaitApplied }),
      });
    return { log, store, bus, run };
  }

  it('waits for the loader, records a new start, empties the table, copies it again and streams from the new start', async () => {
    const { log, store, bus, run } = forgetful(async () => {
      log.push('applied');
    });
    const result = await run();
    expect(log.slice(0, 5)).toEqual([
      'stream from 0/300',
      'applied',
      'start',
      'restart items',
      'checkpoint 0/500',
    ]);
    expect(log.indexOf('progress 5 done')).toBeGreaterThan(log.indexOf('checkpoint 0/500'));
    expect(log.indexOf('stream from 0/500')).toBeGreaterThan(log.indexOf('phase streaming'));
    // Every row again, stamped with the new start so the loader orders them before its changes.
    const copied = bus.sent.map(({ message }) => deserializeChangeEvent(message.value ?? ''));
    expect(copied.map((event) => event.after?.['id'])).toEqual([1, 2, 3, 4, 5]);
    expect(copied.every((event) => event.op === 'r')).toBe(true);
    expect(copied[0]?.source.position).toEqual(lsn(0x500));
    expect(store.checkpoint).toEqual({
      start: lsn(0x500),
      stream: lsn(0x600),
      snapshotDone: true,
      // Nothing streamed since the new start: what was sent before it is applied.
      sentUpTo: [],
    });
    expect(result.snapshotRows).toBe(5);
  });

  it('ends with the source error when nothing can wait for the loader', async () => {
    const { log, store, run } = forgetful(undefined);
    await expect(run()).rejects.toThrow('resume point gone');
    expect(log).not.toContain('start');
    expect(store.checkpoint?.stream).toEqual(lsn(0x300));
  });
});
