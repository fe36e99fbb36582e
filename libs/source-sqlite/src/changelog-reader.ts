/**
 * Reads changelog rows in sequence order with their values by column name: each row's layout
 * (changelog-schema.ts) names the table columns its value positions hold. Values come back as
 * stored, read with `safeIntegers`, so they are exactly what the snapshot reads from the table.
 * A row of a layout this reader has not loaded (capture was installed again while it ran, maybe
 * widening the changelog) makes it reload the layouts and re-prepare its query once.
 */
import type Database from 'better-sqlite3';
import { quoteIdent, replicatorError } from '@database-replicator/core';
import {
  changelogWidth,
  readLayouts,
  valueColumn,
  type ChangelogLayout,
  type ChangelogWidth,
} from './changelog-schema.js';
import { CHANGELOG_TABLE, MARKER_OP } from './constants.js';
import { isSqliteValue, type SqliteValue } from './sqlite-wire-value.js';

/** A changelog row as read. */
export type ChangelogEntry = Readonly<{
  seq: bigint;
  tbl: string;
  op: string;
  /** The OLD key of an update or delete, by key column name; `null` for other ops. */
  key: ReadonlyMap<string, SqliteValue> | null;
  /** The NEW row of an insert or update, by column name; `null` for other ops. */
  row: ReadonlyMap<string, SqliteValue> | null;
  /** When the trigger ran, Unix epoch ms. */
  at: number;
}>;

/** `seq, tbl, op, layout, at`, then the value columns. */
const FIXED_COLUMNS = 5;

/** Reads the changelog of one connection. */
export class ChangelogReader {
  readonly #db: Database.Database;
  #width: ChangelogWidth = { keys: 0, columns: 0 };
  #layouts = new Map<number, ChangelogLayout>();
  #poll: Database.Statement | undefined;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  /**
   * At most `limit` rows after sequence `after`, in sequence order.
   *
   * @throws ReplicatorError `REPL_SQLITE_CHANGELOG_INVALID` for a changelog of an older format
   *   or a row whose layout is not recorded.
   */
  read(after: bigint, limit: number): ChangelogEntry[] {
    if (this.#poll === undefined) this.#reload();
    let rows = this.#rows(after, limit);
    if (rows.some((row) => this.#layoutOf(row) === undefined)) {
      this.#reload();
      rows = this.#rows(after, limit);
    }
    return rows.map((row) => this.#entryOf(row));
  }

  #reload(): void {
    this.#width = changelogWidth(this.#db);
    this.#layouts = readLayouts(this.#db);
    const values = [
      ...Array.from({ length: this.#width.keys }, (_, i) => valueColumn('k', i)),
      ...Array.from({ length: this.#width.columns }, (_, i) => valueColumn('c', i)),
    ];
    this.#poll = this.#db
      .prepare(
        `SELECT ${['seq', 'tbl', 'op', 'layout', 'at', ...values].join(', ')} FROM ${quoteIdent(CHANGELOG_TABLE)} WHERE seq > ? ORDER BY seq LIMIT ?`,
      )
      .raw(true);
  }

  #rows(after: bigint, limit: number): unknown[][] {
    return (this.#poll?.all(after, limit) ?? []).filter((row): row is unknown[] =>
      Array.isArray(row),
    );
  }

  /** The row's layout; `null` for the marker, which has none; `undefined` when not loaded. */
  #layoutOf(row: readonly unknown[]): ChangelogLayout | null | undefined {
    const layout = row[3];
    if (layout === null || row[2] === MARKER_OP) return null;
    return typeof layout === 'bigint' ? this.#layouts.get(Number(layout)) : undefined;
  }

  #entryOf(row: readonly unknown[]): ChangelogEntry {
    const [seq, tbl, op, , at] = row;
    if (typeof seq !== 'bigint') throw new TypeError('a changelog row has no integer seq');
    const where = `seq ${seq}`;
    const layout = this.#layoutOf(row);
    if (layout === undefined)
      throw invalid(where, `its column layout ${String(row[3])} is not recorded`);
    const text = (value: unknown): string => (typeof value === 'string' ? value : '');
    const kind = text(op);
    const values = (names: readonly string[], offset: number): Map<string, SqliteValue> =>
      new Map(names.map((name, i) => [name, storedValue(row[offset + i], where)]));
    const oldKey = kind === 'u' || kind === 'd';
    const newRow = kind === 'c' || kind === 'u';
    return {
      seq,
      tbl: text(tbl),
      op: kind,
      key: layout !== null && oldKey ? values(layout.keys, FIXED_COLUMNS) : null,
      row:
        layout !== null && newRow ? values(layout.columns, FIXED_COLUMNS + this.#width.keys) : null,
      at: typeof at === 'bigint' && at >= 0n ? Number(at) : 0,
    };
  }
}

function storedValue(value: unknown, where: string): SqliteValue {
  // A layout wider than the changelog leaves positions past its end `undefined`.
  if (isSqliteValue(value)) return value;
  throw invalid(where, 'it has fewer value columns than its layout names');
}

function invalid(where: string, reason: string): Error {
  return replicatorError(
    'REPL_SQLITE_CHANGELOG_INVALID',
    `Changelog row ${where} cannot be read: ${reason}`,
    { details: { changelogRow: where } },
  );
}
