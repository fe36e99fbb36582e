/**
 * What the extractor's unit suites share: the scripted source's one table (`public.items`, key
 * `id`), PostgreSQL positions by number and SQLite ones by sequence, streamed change events of
 * that table, a source that only streams, a bus that keeps nothing, a job store whose snapshot
 * is done, and the options every streaming run of those suites has in common.
 */
import {
  createLogger,
  type ChangeEvent,
  type ChangeRow,
  type ConnectorName,
  type SourcePosition,
} from '@database-replicator/core';
import type {
  ChangeSource,
  ExtractorBus,
  ExtractorCheckpoint,
  ExtractorMessage,
  ExtractorOptions,
  JobStore,
  SourceTable,
  SourceTransaction,
} from '@database-replicator/pipeline';

/** `public.items (id integer NOT NULL, v text)`, keyed by `id`. */
export const TABLE: SourceTable = {
  id: { schema: 'public', table: 'items' },
  keyColumns: ['id'],
  columns: [
    { name: 'id', type: 'integer', nullable: false },
    { name: 'v', type: 'text', nullable: true },
  ],
  indexes: [],
  estimatedRows: 5,
  schemaOnly: false,
};

/** The stream start the scripted sources report. */
export const P0: SourcePosition = { kind: 'postgres', lsn: '0/100', txIndex: 0 };

/** The PostgreSQL position at LSN `0/<n in hex>`. */
export function lsn(n: number, txIndex = 0): SourcePosition {
  return { kind: 'postgres', lsn: `0/${n.toString(16)}`, txIndex };
}

/** The SQLite position at changelog sequence `n`. */
export function seq(n: number): SourcePosition {
  return { kind: 'sqlite', sequence: String(n) };
}

/** A streamed change of `public.items` at position `lsn(at, txIndex)`. */
export function change(
  op: ChangeEvent['op'],
  before: ChangeRow | null,
  after: ChangeRow | null,
  at: number,
  txIndex = 0,
): ChangeEvent {
  return itemsChange('postgresql', lsn(at, txIndex), { op, before, after, at });
}

/** A streamed change of `public.items` from a SQLite source, at position `seq(at)`. */
export function sqliteChange(
  op: ChangeEvent['op'],
  before: ChangeRow | null,
  after: ChangeRow | null,
  at: number,
): ChangeEvent {
  return itemsChange('sqlite', seq(at), { op, before, after, at });
}

function itemsChange(
  connector: ConnectorName,
  position: SourcePosition,
  event: Readonly<{
    op: ChangeEvent['op'];
    before: ChangeRow | null;
    after: ChangeRow | null;
    at: number;
  }>,
): ChangeEvent {
  const { op, before, after, at } = event;
  return {
    op,
    before,
    after,
    ts_ms: at,
    source: {
      connector,
      name: 'src',
      db: 'app',
      schema: 'public',
      table: 'items',
      snapshot: 'false',
      position,
      ts_ms: at,
    },
  };
}

/** How a {@link StreamOnlySource} streams. */
export type StreamOnlySourceOptions = Readonly<{
  connector: ConnectorName;
  /** What `startPosition` reports. */
  start: SourcePosition;
  /** What `streamChanges` yields, whatever position it is asked for. */
  steps: AsyncIterable<SourceTransaction> | Iterable<SourceTransaction>;
  /** What `describeTables` reports; `[TABLE]` unless given. */
  tables?: readonly SourceTable[];
  /** Told of each acknowledged position, after it is kept in `acknowledged`. */
  onAcknowledge?: (position: SourcePosition) => void;
}>;

/** Source `src` of database `app` that streams scripted steps and has no snapshot rows. */
export class StreamOnlySource implements ChangeSource {
  readonly connector: ConnectorName;
  readonly name = 'src';
  readonly database = 'app';
  readonly acknowledged: SourcePosition[] = [];
  readonly #options: StreamOnlySourceOptions;

  constructor(options: StreamOnlySourceOptions) {
    this.connector = options.connector;
    this.#options = options;
  }

  async describeTables(): Promise<readonly SourceTable[]> {
    return this.#options.tables ?? [TABLE];
  }

  async startPosition(): Promise<SourcePosition> {
    return this.#options.start;
  }

  async *readSnapshot(): AsyncIterable<readonly ChangeRow[]> {}

  async *streamChanges(): AsyncIterable<SourceTransaction> {
    yield* this.#options.steps;
  }

  async acknowledge(position: SourcePosition): Promise<void> {
    this.acknowledged.push(position);
    this.#options.onAcknowledge?.(position);
  }

  async close(): Promise<void> {}
}

/** A bus whose producer keeps nothing: `onSend`, when given, is told of each send. */
export function sinkBus(
  onSend: (topic: string, messages: readonly ExtractorMessage[]) => void = () => undefined,
): ExtractorBus {
  return {
    ensureTopics: async () => {},
    producer: async () => ({
      send: async (topic: string, messages: readonly ExtractorMessage[]) => onSend(topic, messages),
      close: async () => {},
    }),
  };
}

/**
 * A job store whose snapshot is done, so that a run streams at once: it loads `checkpoint`
 * (`initial` until a save), keeps every checkpoint saved in `saved`, and tells `onSave` of each.
 */
export class StreamingJobStore implements JobStore {
  checkpoint: ExtractorCheckpoint;
  readonly saved: ExtractorCheckpoint[] = [];
  readonly #onSave: (checkpoint: ExtractorCheckpoint) => void;

  constructor(
    initial: ExtractorCheckpoint,
    onSave: (checkpoint: ExtractorCheckpoint) => void = () => undefined,
  ) {
    this.checkpoint = initial;
    this.#onSave = onSave;
  }

  async registerTables(): Promise<void> {}

  async loadCheckpoint(): Promise<ExtractorCheckpoint | undefined> {
    return this.checkpoint;
  }

  async saveCheckpoint(_job: string, _id: string, next: ExtractorCheckpoint): Promise<void> {
    this.#onSave(next);
    this.saved.push(next);
    this.checkpoint = next;
  }

  async claimSnapshotTable(): Promise<undefined> {
    return undefined;
  }

  async saveSnapshotProgress(): Promise<void> {}

  async setTablePhase(): Promise<void> {}

  async failedTables(): Promise<readonly never[]> {
    return [];
  }

  async restartSnapshot(): Promise<void> {}
}

/** Partitions of the suites' topics. */
export const PARTITIONS = 3;

/** The suites' key routing: `{"id":1}` → 2, `{"id":22}` → 0, `{"id":333}` → 1 of 3. */
export function partitionByKeyLength(key: string, partitions: number): number {
  return key.length % partitions;
}

/**
 * The options of a streaming run of `source` on `bus` and `store`, as the suites run it: job
 * `job`, extractor `x`, topic prefix `dr`, {@link PARTITIONS} partitions routed by
 * {@link partitionByKeyLength}, flushes after 5 ms, a signal never aborted, a silent logger.
 */
export function streamRunOptions(
  parts: Readonly<{ source: ChangeSource; bus: ExtractorBus; store: JobStore }>,
): ExtractorOptions {
  return {
    ...parts,
    jobId: 'job',
    extractorId: 'x',
    topicPrefix: 'dr',
    partitions: PARTITIONS,
    partitionForKey: partitionByKeyLength,
    stream: true,
    streamFlushMs: 5,
    signal: new AbortController().signal,
    logger: createLogger({ level: 'silent' }),
  };
}
