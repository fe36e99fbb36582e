/**
 * The change stream of a MySQL/MariaDB source: binlog events through a bounded queue to the
 * consumer, one step per committed transaction, heartbeats when idle, and reconnects with capped,
 * jittered backoff when the binlog connection is lost.
 *
 * States: streaming (a session reads into the queue; paused while the queue is full) →
 * reconnecting (the session failed with a connection error: after a delay a new session resumes
 * at the last commit) → streaming; failed (any other error, or too many failed reconnects: the
 * queued steps are delivered, then the error); closed (aborted or `close()`).
 */
import {
  computeBackoffMs,
  formatTableRef,
  isReplicatorError,
  isTransientError,
  replicatorError,
  type BinlogPosition,
  type Logger,
  type TableId,
  type TablePlan,
} from '@database-replicator/core';
import type { SourceTransaction } from '@database-replicator/pipeline';
import type { AnyBinlogEvent } from '@vlasky/zongji';
import type { ConnectionOptions } from 'mysql2';
import { BinlogSession } from './binlog-session.js';
import { BinlogTransactionBuilder, type BuilderContext } from './binlog-transaction.js';
import {
  HEARTBEAT_INTERVAL_MS,
  MAX_STEP_EVENTS,
  QUEUE_MAX_BYTES,
  QUEUE_MAX_EVENTS,
  RECONNECT_ATTEMPTS,
  RECONNECT_BASE_DELAY_MS,
  RECONNECT_MAX_DELAY_MS,
  RECONNECT_MYSQL_CODES,
  RECONNECT_MYSQL_ERRNOS,
} from './constants.js';
import type { MysqlTimeType } from './config.js';
import type { DescribedMysqlTable } from './describe-tables.js';
import { keyOf } from './introspect.js';
import { ENDED, IDLE, StepQueue } from './step-queue.js';

/** What the stream reads and how. */
export type MysqlStreamContext = Readonly<{
  sourceName: string;
  connection: ConnectionOptions;
  serverId: number;
  tables: readonly DescribedMysqlTable[];
  /** Target type of TIME columns, for columns DDL adds. */
  timeType: MysqlTimeType;
  /**
   * The plan of a table created while streaming; `undefined`: none is selected. With it, every
   * table of the selected tables' databases passes zongji's filter.
   */
  includeNewTable: ((id: TableId) => TablePlan | undefined) | undefined;
  logger: Logger;
}>;

/** Reads the binlog from `from` until `signal` aborts or `reader.close()`. */
export async function* streamMysqlChanges(
  reader: MysqlBinlogReader,
  signal: AbortSignal,
): AsyncGenerator<SourceTransaction> {
  reader.open();
  try {
    for (;;) {
      const step = await reader.take(signal);
      if (step === ENDED) return;
      yield step;
    }
  } finally {
    await reader.close();
  }
}

/** One stream's sessions, queue and transaction builder. */
export class MysqlBinlogReader {
  readonly #context: MysqlStreamContext;
  readonly #builderContext: BuilderContext;
  readonly #queue = new StepQueue({ maxEvents: QUEUE_MAX_EVENTS, maxBytes: QUEUE_MAX_BYTES });
  readonly #logger: Logger;
  readonly #stopping = new Set<Promise<void>>();
  #builder: BinlogTransactionBuilder;
  #session: BinlogSession | undefined;
  #attempts = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(context: MysqlStreamContext, from: BinlogPosition) {
    this.#context = context;
    this.#logger = context.logger.child({ component: 'mysql-binlog' });
    this.#builderContext = Object.freeze({
      sourceName: context.sourceName,
      tables: new Map(context.tables.map((table) => [keyOf(table.table.id), table])),
      timeType: context.timeType,
      includeNewTable: context.includeNewTable,
      onNewTableRefused: (id: TableId, error: unknown) =>
        this.#logger.warn(
          { err: error, table: formatTableRef(id) },
          'a table created while streaming cannot be replicated; it is left out',
        ),
      maxStepEvents: MAX_STEP_EVENTS,
      now: Date.now,
    });
    this.#builder = new BinlogTransactionBuilder(this.#builderContext, from);
    this.#queue.onDrain(() => this.#session?.resume());
  }

  /** Opens the first binlog connection. */
  open(): void {
    if (this.#session === undefined && !this.#closed) this.#openSession();
  }

  /**
   * The next step: a transaction, or a heartbeat after a second without one (outside a split
   * transaction); {@link ENDED} once closed or aborted.
   *
   * @throws ReplicatorError `REPL_MYSQL_STREAM_FAILED` (or a value error) once the steps read
   *   before the failure were taken.
   */
  async take(signal: AbortSignal): Promise<SourceTransaction | typeof ENDED> {
    for (;;) {
      const item = await this.#queue.take(signal, HEARTBEAT_INTERVAL_MS);
      if (item === ENDED) return ENDED;
      if (item !== IDLE) return item.transaction;
      // Never inside a transaction, nor while one is partly handed out (before a reconnect
      // reads it again): a heartbeat's position must not split a transaction.
      if (
        !this.#builder.inTransaction &&
        this.#builder.partial() === undefined &&
        this.#queue.isEmpty()
      ) {
        return Object.freeze({ events: [], resumeFrom: this.#builder.committed });
      }
    }
  }

  /** Stops the connection and ends the stream. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#queue.close();
    const session = this.#session;
    this.#session = undefined;
    if (session !== undefined) this.#track(session.stop());
    await Promise.all([...this.#stopping]);
  }

  #openSession(): void {
    const tables = this.#context.tables;
    const includeSchema: Record<string, string[] | true> = {};
    const whole = this.#context.includeNewTable !== undefined;
    for (const { table } of tables) {
      const listed = includeSchema[table.id.schema] ?? [];
      includeSchema[table.id.schema] =
        whole || listed === true ? true : [...listed, table.id.table];
    }
    // The builder's tables follow DDL, so enum members are looked up there, not copied.
    const current = this.#builderContext.tables;
    const from = this.#builder.committed;
    const session: BinlogSession = new BinlogSession({
      connection: this.#context.connection,
      serverId: this.#context.serverId,
      from,
      includeSchema,
      membersOf: (schema, table) => current.get(keyOf({ schema, table }))?.members,
      namesOf: (schema, table) =>
        current.get(keyOf({ schema, table }))?.columns.map((column) => column.name),
      onEvent: (event, name) => this.#onEvent(session, event, name),
      onError: (error) => this.#onError(session, error),
      onReady: () =>
        this.#logger.info(
          { file: from.file, pos: from.pos, gtidSet: from.gtidSet },
          'binlog stream started',
        ),
      logger: this.#logger,
    });
    this.#session = session;
    session.start();
  }

  #onEvent(session: BinlogSession, event: AnyBinlogEvent, name: string): void {
    if (session !== this.#session) return;
    const before = this.#builder.committed;
    for (const step of this.#builder.push(event, name)) this.#queue.push(step);
    // A commit read since the last failure proves the connection works again.
    if (this.#builder.committed !== before) this.#attempts = 0;
    if (this.#queue.isFull()) session.pause();
  }

  #onError(session: BinlogSession, error: unknown): void {
    if (session !== this.#session || this.#closed) return;
    this.#session = undefined;
    this.#track(session.stop());
    if (isReplicatorError(error)) {
      this.#queue.fail(error);
      return;
    }
    if (!isReconnectable(error) || this.#attempts >= RECONNECT_ATTEMPTS) {
      this.#queue.fail(streamFailed(error, this.#builder.committed, this.#attempts));
      return;
    }
    this.#attempts += 1;
    const delayMs = computeBackoffMs(this.#attempts, {
      baseDelayMs: RECONNECT_BASE_DELAY_MS,
      maxDelayMs: RECONNECT_MAX_DELAY_MS,
    });
    const partial = this.#builder.partial();
    this.#logger.warn(
      { err: error, attempt: this.#attempts, delayMs, position: this.#builder.committed, partial },
      'binlog connection lost; reconnecting',
    );
    this.#builder = new BinlogTransactionBuilder(
      this.#builderContext,
      this.#builder.committed,
      partial,
    );
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#closed) this.#openSession();
    }, delayMs);
  }

  #track(stopping: Promise<void>): void {
    this.#stopping.add(stopping);
    void stopping.finally(() => this.#stopping.delete(stopping));
  }
}

function isReconnectable(error: unknown): boolean {
  if (isTransientError(error)) return true;
  if (typeof error !== 'object' || error === null) return false;
  const errno: unknown = Reflect.get(error, 'errno');
  const code: unknown = Reflect.get(error, 'code');
  return (
    (typeof errno === 'number' && RECONNECT_MYSQL_ERRNOS.has(errno)) ||
    (typeof code === 'string' && RECONNECT_MYSQL_CODES.has(code))
  );
}

function streamFailed(error: unknown, at: BinlogPosition, attempts: number): Error {
  const message = error instanceof Error ? error.message : String(error);
  const errno: unknown =
    typeof error === 'object' && error !== null ? Reflect.get(error, 'errno') : undefined;
  const where = `${at.file}:${at.pos}${at.gtidSet === '' ? '' : ` (GTID ${at.gtidSet})`}`;
  const retried = attempts > 0 ? ` after ${attempts} reconnects` : '';
  return replicatorError(
    'REPL_MYSQL_STREAM_FAILED',
    `The binlog stream failed at ${where}${retried}: ${message}`,
    {
      ...(errno === 1236
        ? {
            fix: 'The server no longer has the binlog the checkpoint needs (purged or expired): raise the binlog retention (binlog_expire_logs_seconds) and run the job again from a fresh snapshot.',
          }
        : {}),
      details: { file: at.file, pos: at.pos },
      cause: error,
    },
  );
}
