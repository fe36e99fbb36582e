/**
 * Binlog events in, stream steps out: one step per committed transaction (ARCHITECTURE §4), a
 * large transaction split into steps of at most `maxStepEvents` changes whose `resumeFrom` is
 * null except the last. Positions: every change carries the GTID set after its transaction, the
 * file, the transaction's end offset and its index in the transaction; a split step's changes
 * carry the transaction's start offset instead, because the end is not known before the commit
 * (still ordered: start < end). The resume point after a transaction is its end with index 0.
 *
 * Transaction boundaries: a GTID event (MySQL `gtid`/`anonymousgtid`, MariaDB `mariadbgtid`) or
 * a `BEGIN` query opens one; `xid`, `COMMIT`/`ROLLBACK`/`XA COMMIT` queries, `xaprepare`, or the
 * query of a group without BEGIN (DDL) close it. Transactions that change no selected table only
 * advance the resume point.
 *
 * DDL (a query of a group without BEGIN) is followed (`followDdl`): its schema changes become `s`
 * events of the transaction and the table's description changes for the rows after it; a table
 * the statement stops is forgotten, so its later rows are not decoded.
 *
 * Between transactions the resume point also follows the binlog into a new file (a rotation and
 * the file's header events), so an idle source's checkpoint never names a file that may be
 * purged and reaches the source's binlog end.
 *
 * After a reconnect the stream resumes at the last commit; if a split transaction was open, its
 * changes already handed out are recognised by the transaction's id and not handed out again.
 */
import {
  comparePositions,
  formatTableRef,
  type BinlogPosition,
  type ChangeEvent,
  type ChangeOperation,
  type ChangeRow,
  type SchemaChange,
  type TableId,
  type TablePlan,
} from '@database-replicator/core';
import {
  GtidSet,
  MariadbGtidPosition,
  type AnyBinlogEvent,
  type BinlogEventByName,
} from '@vlasky/zongji';
import { followDdl } from './binlog-ddl.js';
import { isNamedBinlogEvent } from './binlog-event.js';
import type { MysqlTimeType } from './config.js';
import type { DescribedMysqlTable } from './describe-tables.js';
import { keyOf } from './introspect.js';
import { encodeMysqlRow } from './mysql-wire-value.js';
import { binlogPosition } from './position.js';
import type { QueuedStep } from './step-queue.js';

/** What the builder needs to know about the source. */
export type BuilderContext = Readonly<{
  /** `source.name` of events. */
  sourceName: string;
  /**
   * The selected tables by `keyOf(id)`, as of the last transaction read: DDL updates it, and it
   * outlives builders (a reconnect resumes after the DDL it followed).
   */
  tables: Map<string, DescribedMysqlTable>;
  /** Target type of TIME columns (added columns are mapped like described ones). */
  timeType: MysqlTimeType;
  /** The plan of a table created while streaming; `undefined`: none is selected. */
  includeNewTable: ((id: TableId) => TablePlan | undefined) | undefined;
  /** Told about a created table of the selection that cannot be replicated. */
  onNewTableRefused: (id: TableId, error: unknown) => void;
  maxStepEvents: number;
  now: () => number;
}>;

/** A split transaction's changes already handed out, to skip when it is read again. */
export type PartialTransaction = Readonly<{ id: string; handedOut: number }>;

type Change = Readonly<{
  table: DescribedMysqlTable;
  op: ChangeOperation;
  before: ChangeRow | null;
  after: ChangeRow | null;
  tsMs: number;
  index: number;
  /** Set on `s` changes. */
  schemaChange?: SchemaChange;
}>;

type OpenTransaction = {
  readonly id: string;
  readonly gtidAfter: string;
  readonly startPos: number;
  /** Whether BEGIN was seen (or implied): only then can queries inside it not close it. */
  begun: boolean;
  changes: Change[];
  bytes: number;
  nextIndex: number;
  handedOut: number;
  readonly skipBelow: number;
};

const NO_STEPS: readonly QueuedStep[] = Object.freeze([]);

const CLOSING_QUERY = /^(?:COMMIT|ROLLBACK|XA\s+COMMIT|XA\s+ROLLBACK)\b/i;
const OPEN_QUERY = /^(?:BEGIN|START\s+TRANSACTION|XA\s+START)\b/i;

const is = isNamedBinlogEvent;

/** Events of a binlog file's header, outside any transaction. */
const FILE_HEADER_EVENTS: ReadonlySet<string> = new Set([
  'format',
  'previousgtids',
  'mariadbgtidlist',
  'binlogcheckpoint',
]);

export class BinlogTransactionBuilder {
  readonly #context: BuilderContext;
  #committed: BinlogPosition;
  #file: string;
  #open: OpenTransaction | undefined;
  #skip: PartialTransaction | undefined;
  readonly #wheres = new WeakMap<DescribedMysqlTable, string>();

  /** Starts at the resume point `from`; `skip` is the partial transaction of a reconnect. */
  constructor(context: BuilderContext, from: BinlogPosition, skip?: PartialTransaction) {
    this.#context = context;
    this.#committed = binlogPosition(from.gtidSet, from.file, from.pos);
    this.#file = from.file;
    this.#skip = skip;
  }

  /** The resume point after the last transaction closed. */
  get committed(): BinlogPosition {
    return this.#committed;
  }

  /** True inside a transaction. */
  get inTransaction(): boolean {
    return this.#open !== undefined;
  }

  /**
   * The open transaction's changes already handed out, if any (or the partial transaction this
   * builder was given and has not met yet, so a second reconnect still skips them).
   */
  partial(): PartialTransaction | undefined {
    const open = this.#open;
    if (open === undefined) return this.#skip;
    return open.handedOut === 0
      ? undefined
      : Object.freeze({ id: open.id, handedOut: open.handedOut });
  }

  /**
   * Feeds one event (in binlog order); `name` is its `getEventName()`, read once by the caller.
   *
   * @returns The steps it completes (none, one, or a split step).
   * @throws ReplicatorError when a row value cannot be encoded.
   */
  push(event: AnyBinlogEvent, name: string): readonly QueuedStep[] {
    if (is(event, name, 'tablemap')) return NO_STEPS;
    if (is(event, name, 'rotate')) {
      this.#file = event.binlogName;
      this.#passBetweenTransactions(event.position);
      return NO_STEPS;
    }
    if (FILE_HEADER_EVENTS.has(name)) {
      this.#passBetweenTransactions(event.nextPosition);
      return NO_STEPS;
    }
    if (is(event, name, 'writerows') || is(event, name, 'updaterows')) {
      return this.#rows(event, name);
    }
    if (is(event, name, 'deleterows')) return this.#rows(event, name);
    const start = this.#transactionStart(event, name);
    if (start !== undefined) {
      // A new group means the previous one ended, even if its commit marker was not seen (as
      // zongji assumes too): it ends where this event starts.
      const closed = this.#open === undefined ? [] : this.#commit(event.nextPosition - event.size);
      this.#begin(start.id, start.gtidAfter, event.nextPosition, start.begun);
      return closed;
    }
    if (is(event, name, 'xid') || is(event, name, 'xaprepare')) {
      return this.#commit(event.nextPosition);
    }
    if (is(event, name, 'query')) return this.#query(event);
    return NO_STEPS;
  }

  /** The transaction a GTID event opens: its id, the GTID set after it, whether BEGIN is implied. */
  #transactionStart(
    event: AnyBinlogEvent,
    name: string,
  ): Readonly<{ id: string; gtidAfter: string; begun: boolean }> | undefined {
    const set = this.#committed.gtidSet;
    if (is(event, name, 'gtid'))
      return { id: event.gtid, gtidAfter: mysqlAfter(set, event.gtid), begun: false };
    if (is(event, name, 'mariadbgtid')) {
      // A non-standalone MariaDB GTID event replaces the transaction's BEGIN.
      return { id: event.gtid, gtidAfter: mariadbAfter(set, event), begun: !event.standalone };
    }
    if (is(event, name, 'anonymousgtid')) {
      return { id: this.#anonymousId(event.nextPosition), gtidAfter: set, begun: false };
    }
    return undefined;
  }

  #query(event: BinlogEventByName<'query'>): readonly QueuedStep[] {
    const text = event.query.trim();
    const open = this.#open ?? this.#beginAnonymous(event.nextPosition, false);
    if (OPEN_QUERY.test(text)) {
      open.begun = true;
      return [];
    }
    // Inside BEGIN…COMMIT only a closing query ends the transaction (SAVEPOINT does not); a
    // query of a group without BEGIN is DDL, which is its own transaction.
    if (CLOSING_QUERY.test(text)) return this.#commit(event.nextPosition);
    if (open.begun) return [];
    this.#ddl(open, event);
    return this.#commit(event.nextPosition);
  }

  /** Follows a DDL statement: its schema changes join the transaction. */
  #ddl(open: OpenTransaction, event: BinlogEventByName<'query'>): void {
    for (const effect of followDdl(event.query, event.schema, this.#context)) {
      const { tables } = this.#context;
      const key = keyOf(effect.before.table.id);
      if (effect.after === null) tables.delete(key);
      else tables.set(key, effect.after);
      for (const schemaChange of effect.changes) {
        open.changes.push({
          table: effect.before,
          op: 's',
          before: null,
          after: null,
          tsMs: event.timestamp,
          index: open.nextIndex,
          schemaChange,
        });
        open.nextIndex += 1;
      }
    }
  }

  #rows(
    event: BinlogEventByName<'writerows' | 'updaterows' | 'deleterows'>,
    name: string,
  ): readonly QueuedStep[] {
    const mapped = event.tableMap[event.tableId];
    const described =
      mapped === undefined
        ? undefined
        : this.#context.tables.get(keyOf({ schema: mapped.parentSchema, table: mapped.tableName }));
    if (described === undefined) return NO_STEPS;
    const open = this.#open ?? this.#beginAnonymous(event.nextPosition, true);
    open.bytes += event.size;
    const steps: QueuedStep[] = [];
    for (const [op, before, after] of rowImages(event, name, described, this.#where(described))) {
      open.changes.push({
        table: described,
        op,
        before,
        after,
        tsMs: event.timestamp,
        index: open.nextIndex,
      });
      open.nextIndex += 1;
      // Split exactly at the bound, even inside one rows event (which holds many rows).
      if (open.changes.length >= this.#context.maxStepEvents) {
        const step = this.#step(
          open,
          binlogPosition(open.gtidAfter, this.#file, open.startPos),
          null,
        );
        open.handedOut = open.nextIndex;
        if (step !== undefined) steps.push(step);
      }
    }
    return steps;
  }

  /** A transaction without a GTID (GTIDs off, or rows seen before any group start). */
  #beginAnonymous(pos: number, begun: boolean): OpenTransaction {
    return this.#begin(this.#anonymousId(pos), this.#committed.gtidSet, pos, begun);
  }

  #begin(id: string, gtidAfter: string, startPos: number, begun: boolean): OpenTransaction {
    const skipBelow = this.#skip?.id === id ? this.#skip.handedOut : 0;
    this.#skip = undefined;
    this.#open = {
      id,
      gtidAfter,
      startPos,
      begun,
      changes: [],
      bytes: 0,
      nextIndex: 0,
      handedOut: skipBelow,
      skipBelow,
    };
    return this.#open;
  }

  /**
   * Moves the resume point to `pos` of the current file when no transaction is open or partly
   * handed out, and only forward: the fake rotation and header a connection starts with name the
   * resume point itself or a place before it.
   */
  #passBetweenTransactions(pos: number): void {
    if (this.#open !== undefined || this.#skip !== undefined) return;
    const passed = binlogPosition(this.#committed.gtidSet, this.#file, pos);
    if (comparePositions(passed, this.#committed) > 0) this.#committed = passed;
  }

  #commit(endPos: number): QueuedStep[] {
    const open = this.#open;
    this.#open = undefined;
    if (open === undefined) return [];
    this.#committed = binlogPosition(open.gtidAfter, this.#file, endPos);
    const step = this.#step(open, this.#committed, this.#committed);
    // A split transaction's last step carries its resume point even without changes.
    if (step === undefined && open.handedOut > 0) {
      return [
        {
          transaction: Object.freeze({ events: [], resumeFrom: this.#committed }),
          events: 0,
          bytes: 0,
        },
      ];
    }
    return step === undefined ? [] : [step];
  }

  /** The changes gathered so far as a step (those below `skipBelow` left out), then cleared. */
  #step(
    open: OpenTransaction,
    at: BinlogPosition,
    resumeFrom: BinlogPosition | null,
  ): QueuedStep | undefined {
    const changes =
      open.skipBelow === 0
        ? open.changes
        : open.changes.filter((change) => change.index >= open.skipBelow);
    const bytes = open.bytes;
    open.changes = [];
    open.bytes = 0;
    if (changes.length === 0) return undefined;
    const now = this.#context.now();
    // Literals, not `{ ...at, eventIndex }`: this runs for every row change, and copying an
    // object by spread then freezing the copy measured ~20 times slower (session 13).
    const events = changes.map((change) =>
      this.#event(
        change,
        {
          kind: 'mysql',
          gtidSet: at.gtidSet,
          file: at.file,
          pos: at.pos,
          eventIndex: change.index,
        },
        now,
      ),
    );
    return {
      transaction: Object.freeze({ events: Object.freeze(events), resumeFrom }),
      events: events.length,
      bytes,
    };
  }

  #event(change: Change, position: BinlogPosition, now: number): ChangeEvent {
    const { id } = change.table.table;
    return Object.freeze({
      before: change.before,
      after: change.after,
      op: change.op,
      ...(change.schemaChange === undefined ? {} : { schema_change: change.schemaChange }),
      ts_ms: now,
      source: Object.freeze({
        connector: 'mysql',
        name: this.#context.sourceName,
        db: id.schema,
        schema: null,
        table: id.table,
        snapshot: 'false',
        position: Object.freeze(position),
        ts_ms: change.tsMs,
      }),
    });
  }

  /** `db.table` of a described table, as value errors name it (made once per table). */
  #where(described: DescribedMysqlTable): string {
    let where = this.#wheres.get(described);
    if (where === undefined) {
      where = formatTableRef(described.table.id);
      this.#wheres.set(described, where);
    }
    return where;
  }

  /** Transactions without a GTID are known by where they start. */
  #anonymousId(pos: number): string {
    return `${this.#file}:${pos}`;
  }
}

type RowImage = readonly [op: ChangeOperation, before: ChangeRow | null, after: ChangeRow | null];

/** The encoded before/after images of a rows event's rows. */
function rowImages(
  event: BinlogEventByName<'writerows' | 'updaterows' | 'deleterows'>,
  name: string,
  described: DescribedMysqlTable,
  where: string,
): RowImage[] {
  const encode = (row: Readonly<Record<string, unknown>>): ChangeRow =>
    encodeMysqlRow(row, described.columns, where);
  if (is(event, name, 'updaterows')) {
    return event.rows.map((row) => ['u', encode(row.before), encode(row.after)]);
  }
  if (is(event, name, 'deleterows')) return event.rows.map((row) => ['d', encode(row), null]);
  return event.rows.map((row) => ['c', null, encode(row)]);
}

/** A MySQL GTID set with `gtid` added. */
function mysqlAfter(set: string, gtid: string): string {
  const parsed = GtidSet.parse(set);
  parsed.add(gtid);
  return parsed.toString();
}

/** A MariaDB GTID position with the event's transaction recorded as its domain's last. */
function mariadbAfter(set: string, event: BinlogEventByName<'mariadbgtid'>): string {
  const parsed = MariadbGtidPosition.parse(set);
  parsed.add({ domainId: event.domainId, serverId: event.serverId, seqNo: event.seqNo });
  return parsed.toString();
}
