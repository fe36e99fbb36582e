/**
 * One binlog connection (zongji) from a resume point: MariaDB resumes from its GTID position
 * (the server finds the file), anything else from file and offset. It feeds every event to
 * `onEvent` in order and reports the first failure to `onError`, once.
 *
 * Two zongji details are handled here:
 * - zongji reads enum and set members by splitting the `COLUMN_TYPE` text at commas, which breaks
 *   members containing a comma or a quote. It prefers `ENUM_VALUES`/`SET_VALUES` on the column
 *   schema when present (that is how MySQL's binlog metadata supplies them), so on every table
 *   map the correctly parsed members are put there before the table's rows are decoded.
 * - zongji pauses the connection itself while it fetches a table's columns and resumes it after
 *   emitting the table map. This session pauses only from a row or commit event (never from a
 *   table map), and a paused connection delivers nothing, so the two pauses never overlap.
 *
 * States: starting → ready → stopped.
 */
import type { BinlogPosition, Logger } from '@database-replicator/core';
import ZongJi, {
  type AnyBinlogEvent,
  type BinlogEventByName,
  type ZongJiOptions,
} from '@vlasky/zongji';
import type { ConnectionOptions } from 'mysql2';
import { isNamedBinlogEvent } from './binlog-event.js';
import { STOP_TIMEOUT_MS } from './constants.js';

/** Options of {@link BinlogSession}. */
export type BinlogSessionOptions = Readonly<{
  connection: ConnectionOptions;
  serverId: number;
  from: BinlogPosition;
  /** Selected tables by database (`true`: every table), for zongji's filter. */
  includeSchema: Readonly<Record<string, readonly string[] | true>>;
  /** Enum and set members of a table's columns. */
  membersOf: (
    database: string,
    table: string,
  ) => ReadonlyMap<string, readonly string[]> | undefined;
  /**
   * The table's column names in table order as of the binlog position being read (DDL followed
   * so far), or `undefined`.
   */
  namesOf: (database: string, table: string) => readonly string[] | undefined;
  /** Each event with its `getEventName()`, read once. */
  onEvent: (event: AnyBinlogEvent, name: string) => void;
  onError: (error: unknown) => void;
  onReady: () => void;
  logger: Logger;
}>;

/** Queries of row transactions; any other query is DDL (or DCL). */
const TRANSACTION_QUERY =
  /^(?:BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE\s+SAVEPOINT|START\s+TRANSACTION|XA\s)/i;

/** Row events handled between two turns of the event loop for the rest of the process. */
const EVENTS_PER_TURN = 128;

const ROW_EVENTS: ReadonlySet<string> = new Set(['writerows', 'updaterows', 'deleterows']);

const EVENTS = [
  'rotate',
  'format',
  'previousgtids',
  'mariadbgtidlist',
  'binlogcheckpoint',
  'gtid',
  'anonymousgtid',
  'mariadbgtid',
  'query',
  'xid',
  'xaprepare',
  'tablemap',
  'writerows',
  'updaterows',
  'deleterows',
];

export class BinlogSession {
  readonly #options: BinlogSessionOptions;
  readonly #zongji: ZongJi;
  /**
   * zongji's cached column entries already given the stream's names and members. zongji keeps an
   * entry per table id until DDL makes this session drop them all, and a table map event arrives
   * before every rows event: fixing each entry once spares that work per row.
   */
  #fixed = new WeakSet<object>();
  #failed = false;
  #paused = false;
  /** Row events handled since the event loop last had a turn. */
  #sinceYield = 0;
  #yielding = false;

  constructor(options: BinlogSessionOptions) {
    this.#options = options;
    this.#zongji = new ZongJi({ ...options.connection });
    this.#zongji.on('error', (error) => this.#fail(error));
    this.#zongji.on('ready', () => options.onReady());
    this.#zongji.on('binlog', (event) => this.#handle(event));
  }

  /** Starts streaming from the resume point. */
  start(): void {
    const { from, serverId } = this.#options;
    // A MariaDB GTID position never contains ':'; a MySQL set always does.
    const byGtid = from.gtidSet !== '' && !from.gtidSet.includes(':');
    const start: ZongJiOptions = {
      serverId,
      includeEvents: EVENTS,
      includeSchema: Object.fromEntries(
        Object.entries(this.#options.includeSchema).map(([db, tables]) => [
          db,
          tables === true ? true : [...tables],
        ]),
      ),
      ...(byGtid ? { gtidSet: from.gtidSet } : { filename: from.file, position: from.pos }),
    };
    this.#options.logger.debug(
      { gtidSet: from.gtidSet, file: from.file, pos: from.pos, byGtid },
      'binlog connection starting',
    );
    this.#zongji.start(start);
  }

  /** Stops delivering events until {@link resume}. */
  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    // During a turn's yield the connection is paused already; the yield's end sees #paused.
    if (!this.#yielding) this.#zongji.connection?.pause();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (!this.#yielding) this.#zongji.connection?.resume();
  }

  /** Ends the connection; resolves once zongji stopped or after a timeout. Idempotent. */
  async stop(): Promise<void> {
    this.#failed = true;
    if (this.#zongji.stopped) return;
    const stopped = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, STOP_TIMEOUT_MS);
      this.#zongji.once('stopped', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.#zongji.stop();
    await stopped;
  }

  #handle(event: AnyBinlogEvent): void {
    if (this.#failed) return;
    try {
      const name = event.getEventName();
      if (isNamedBinlogEvent(event, name, 'tablemap')) {
        const entry = event.tableMap[event.tableId];
        if (entry !== undefined && !this.#fixed.has(entry)) {
          this.#fixNames(event);
          this.#fixMembers(event);
          this.#fixed.add(entry);
        }
      } else if (
        isNamedBinlogEvent(event, name, 'query') &&
        !TRANSACTION_QUERY.test(event.query.trim())
      ) {
        this.#forgetTableMaps();
      }
      this.#options.onEvent(event, name);
      if (ROW_EVENTS.has(name)) this.#countRowEvent();
    } catch (error) {
      this.#fail(error);
    }
  }

  /**
   * Gives the rest of the process a turn every {@link EVENTS_PER_TURN} row events. A backlog
   * keeps the binlog socket readable all the time, and libuv reads up to 32 chunks of it per
   * event-loop turn (thousands of events), so without this the loader's PostgreSQL round trips
   * waited behind the whole backlog (measured: no batch applied until the binlog was read to its
   * end). Paused from a row event only, never from a table map, so the pause never overlaps
   * zongji's own (a paused connection delivers nothing).
   */
  #countRowEvent(): void {
    this.#sinceYield += 1;
    if (this.#sinceYield < EVENTS_PER_TURN || this.#yielding || this.#paused) return;
    this.#sinceYield = 0;
    const connection = this.#zongji.connection;
    if (connection === null) return;
    this.#yielding = true;
    connection.pause();
    setImmediate(() => {
      this.#yielding = false;
      if (!this.#paused && !this.#failed) connection.resume();
    });
  }

  /**
   * Without binlog column metadata zongji reads column names from the catalog when it meets the
   * table map, which may already show a later RENAME: the names the stream followed are right
   * for this point of the binlog, by position (when every column is replicated, so positions
   * agree).
   */
  #fixNames(event: BinlogEventByName<'tablemap'>): void {
    const names = this.#options.namesOf(event.schemaName, event.tableName);
    const entry = event.tableMap[event.tableId];
    const columns = entry?.columns;
    if (names === undefined || entry === undefined || columns === undefined) return;
    if (names.length !== columns.length || names.length !== event.columnCount) return;
    names.forEach((name, index) => {
      const column = columns[index];
      const schema = entry.columnSchemas[index];
      if (column !== undefined) column.name = name;
      if (schema !== undefined) schema.COLUMN_NAME = name;
    });
  }

  #fixMembers(event: BinlogEventByName<'tablemap'>): void {
    const members = this.#options.membersOf(event.schemaName, event.tableName);
    const entry = event.tableMap[event.tableId];
    if (members === undefined || entry === undefined) return;
    for (const schema of entry.columnSchemas) {
      const list = members.get(schema.COLUMN_NAME);
      if (list === undefined) continue;
      if (/^enum\b/i.test(schema.COLUMN_TYPE)) schema.ENUM_VALUES = [...list];
      else if (/^set\b/i.test(schema.COLUMN_TYPE)) schema.SET_VALUES = [...list];
    }
  }

  /**
   * After DDL, zongji must read the columns again: it keeps a table map's columns while the
   * table id and column count stay the same, which a RENAME COLUMN keeps. Outside a transaction,
   * so no row event still needs a map.
   */
  #forgetTableMaps(): void {
    const maps: Record<number, unknown> = this.#zongji.tableMap;
    for (const id of Object.keys(maps)) Reflect.deleteProperty(maps, id);
    this.#fixed = new WeakSet();
  }

  #fail(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#options.onError(error);
  }
}
