/**
 * pgoutput messages → stream steps (`SourceTransaction`). Pure: no I/O, the clock is passed in.
 *
 * - A committed transaction becomes one step whose `resumeFrom` is its commit END LSN: restarting
 *   there, PostgreSQL skips every transaction whose commit record starts before it, i.e. this one
 *   and all earlier ones, and nothing later.
 * - A transaction with more than `maxStepEvents` changes is split into steps of at most that many
 *   events; all but the last have `resumeFrom: null` (only a whole transaction is checkpointed).
 * - Events carry `{ lsn: commit LSN, txIndex }`, the transaction's commit time and, for updates
 *   that left TOASTed columns unchanged, those columns in `unchanged_columns` (absent from
 *   `after`).
 * - Heartbeats: a keepalive outside a transaction, or a transaction without changes of selected
 *   tables, becomes an empty step resuming at its LSN, at most once per `heartbeatIntervalMs`, so
 *   an idle source's slot still advances.
 *
 * States: between transactions ⇄ in a transaction (BEGIN … COMMIT).
 */
import {
  formatTableRef,
  replicatorError,
  type ChangeEvent,
  type ChangeOperation,
  type PostgresPosition,
} from '@database-replicator/core';
import type { SourceTransaction } from '@database-replicator/pipeline';
import type { Pgoutput } from 'pg-logical-replication';
import { HEARTBEAT_INTERVAL_MS, MAX_STEP_EVENTS } from './constants.js';
import { encodeTuple, type WireColumn } from './pg-wire-value.js';
import { isAfter, postgresPosition } from './position.js';
import type { StreamItem } from './replication-channel.js';
import { wireTypeOf } from './type-map.js';

/** Options of {@link PgoutputTransactionAssembler}. */
export type TransactionAssemblerOptions = Readonly<{
  /** `source.name` of events. */
  sourceName: string;
  /** `source.db` of events. */
  database: string;
  /** The LSN the stream resumes from; heartbeats only move forward from it. */
  fromLsn: string;
  /** Events per step. Default 2000. */
  maxStepEvents?: number;
  /** Least time between heartbeats, in milliseconds. Default 1000. */
  heartbeatIntervalMs?: number;
}>;

type OpenTransaction = {
  readonly commitLsn: string;
  readonly commitMs: number;
  /** txIndex of the next event. */
  next: number;
  /** Events not yet handed out. */
  events: ChangeEvent[];
};

type Relation = Pgoutput.MessageRelation;

/** Turns pgoutput messages into stream steps; see the module comment. */
export class PgoutputTransactionAssembler {
  readonly #options: Required<TransactionAssemblerOptions>;
  readonly #columns = new WeakMap<Relation, readonly WireColumn[]>();
  /** `schema.table` of each relation, as value errors name it (made once: this runs per change). */
  readonly #names = new WeakMap<Relation, string>();
  #open: OpenTransaction | undefined;
  #lastResume: string;
  #lastResumeAtMs = Number.NEGATIVE_INFINITY;

  constructor(options: TransactionAssemblerOptions) {
    this.#options = {
      maxStepEvents: MAX_STEP_EVENTS,
      heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
      ...options,
    };
    this.#lastResume = options.fromLsn;
  }

  /**
   * Takes the next item of the stream.
   *
   * @param nowMs - The current time (Unix ms): the events' `ts_ms` and the heartbeat clock.
   * @returns The steps completed by `item`, in order (usually none or one).
   * @throws ReplicatorError `REPL_SOURCE_STREAM_FAILED` on messages out of protocol order,
   *   `REPL_VALUE_INVALID` / `REPL_VALUE_UNSUPPORTED` for a value that cannot be encoded.
   */
  push(item: StreamItem, nowMs: number): readonly SourceTransaction[] {
    if (item.kind === 'keepalive') {
      return this.#open === undefined ? this.#heartbeat(item.walEnd, nowMs) : [];
    }
    const message = item.message;
    switch (message.tag) {
      case 'begin':
        return this.#begin(message);
      case 'commit':
        return this.#commit(message, nowMs);
      case 'insert':
        return this.#add('c', message.relation, null, message.new, nowMs);
      case 'update':
        return this.#add('u', message.relation, message.old ?? message.key, message.new, nowMs);
      case 'delete':
        return this.#add('d', message.relation, message.old ?? message.key, null, nowMs);
      case 'truncate':
        return message.relations.flatMap((relation) => this.#add('t', relation, null, null, nowMs));
      default:
        // relation, type, origin, message: nothing to emit (relations are cached by the parser).
        return [];
    }
  }

  #begin(message: Pgoutput.MessageBegin): readonly SourceTransaction[] {
    if (this.#open !== undefined) throw protocolError('BEGIN inside a transaction');
    if (message.commitLsn === null) throw protocolError('BEGIN without a commit LSN');
    this.#open = {
      commitLsn: postgresPosition(message.commitLsn).lsn,
      commitMs: Number(message.commitTime.valueOf() / 1000n),
      next: 0,
      events: [],
    };
    return [];
  }

  #commit(message: Pgoutput.MessageCommit, nowMs: number): readonly SourceTransaction[] {
    const open = this.#open;
    if (open === undefined) throw protocolError('COMMIT outside a transaction');
    if (message.commitEndLsn === null) throw protocolError('COMMIT without an end LSN');
    this.#open = undefined;
    const end = postgresPosition(message.commitEndLsn);
    if (open.next === 0) return this.#heartbeat(end.lsn, nowMs);
    return [this.#step(open.events, end, nowMs)];
  }

  #add(
    op: ChangeOperation,
    relation: Relation | undefined,
    before: Readonly<Record<string, unknown>> | null,
    after: Readonly<Record<string, unknown>> | null,
    nowMs: number,
  ): readonly SourceTransaction[] {
    const open = this.#open;
    if (open === undefined) throw protocolError(`a change (${op}) outside a transaction`);
    if (relation === undefined) throw protocolError('a change of a relation never described');
    const columns = this.#wireColumns(relation);
    const where = this.#name(relation);
    const newTuple = after === null ? null : encodeTuple(after, columns, where);
    const unchanged = newTuple?.unchanged ?? [];
    const event: ChangeEvent = Object.freeze({
      before: before === null ? null : encodeTuple(before, columns, where).row,
      after: newTuple === null ? null : newTuple.row,
      source: Object.freeze({
        connector: 'postgresql',
        name: this.#options.sourceName,
        db: this.#options.database,
        schema: relation.schema,
        table: relation.name,
        snapshot: 'false',
        position: Object.freeze({ kind: 'postgres', lsn: open.commitLsn, txIndex: open.next }),
        ts_ms: open.commitMs,
      }),
      op,
      ts_ms: nowMs,
      ...(unchanged.length > 0 ? { unchanged_columns: unchanged } : {}),
    });
    open.next += 1;
    open.events.push(event);
    if (open.events.length < this.#options.maxStepEvents) return [];
    const events = open.events;
    open.events = [];
    return [Object.freeze({ events: Object.freeze(events), resumeFrom: null })];
  }

  #heartbeat(lsn: string, nowMs: number): readonly SourceTransaction[] {
    if (nowMs - this.#lastResumeAtMs < this.#options.heartbeatIntervalMs) return [];
    if (!isAfter(lsn, this.#lastResume)) return [];
    return [this.#step([], postgresPosition(lsn), nowMs)];
  }

  #step(events: ChangeEvent[], resumeFrom: PostgresPosition, nowMs: number): SourceTransaction {
    this.#lastResume = resumeFrom.lsn;
    this.#lastResumeAtMs = nowMs;
    return Object.freeze({ events: Object.freeze(events), resumeFrom });
  }

  #name(relation: Relation): string {
    let name = this.#names.get(relation);
    if (name === undefined) {
      name = formatTableRef({ schema: relation.schema, table: relation.name });
      this.#names.set(relation, name);
    }
    return name;
  }

  #wireColumns(relation: Relation): readonly WireColumn[] {
    let columns = this.#columns.get(relation);
    if (columns === undefined) {
      columns = relation.columns.map((column) => ({
        name: column.name,
        wire: wireTypeOf(column.typeOid),
      }));
      this.#columns.set(relation, columns);
    }
    return columns;
  }
}

function protocolError(what: string) {
  return replicatorError(
    'REPL_SOURCE_STREAM_FAILED',
    `The pgoutput stream sent ${what}, which the protocol does not allow`,
  );
}
