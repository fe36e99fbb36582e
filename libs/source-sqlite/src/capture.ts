/**
 * Change capture by a trigger changelog inside the source file: AFTER INSERT/UPDATE/DELETE
 * triggers on each captured table append one row per changed row to `_dr_changelog`, in the
 * writer's own transaction, so a change and its changelog row commit (or roll back) together.
 * Each trigger is one flat `INSERT … VALUES (NEW."a", NEW."b", …)` into untyped value columns
 * (changelog-schema.ts): no functions, no nesting, so any SQLite the application links (3.8 and
 * later) parses it, and the writer pays for one row insert, not for encoding.
 *
 * The changelog's `seq` is an `INTEGER PRIMARY KEY` without AUTOINCREMENT: AUTOINCREMENT would
 * create `sqlite_sequence`, which can never be dropped again, and removing capture must leave the
 * schema exactly as it was. Without it SQLite gives each row max(seq) + 1, so sequences are
 * gapless in commit order as long as the highest row is never deleted; pruning therefore always
 * keeps the newest row. An install writes a marker row whose seq is the install time in
 * microseconds, so sequences of a later install start above any earlier install's.
 */
import type Database from 'better-sqlite3';
import { quoteIdent } from '@database-replicator/core';
import { catalogRows, textField } from './catalog-rows.js';
import {
  changelogWidth,
  createChangelog,
  dropChangelog,
  recordLayout,
  valueColumn,
  widenChangelog,
} from './changelog-schema.js';
import { CHANGELOG_TABLE, TRIGGER_PREFIX } from './constants.js';
import type { SqliteColumn, SqliteTableInfo } from './introspect.js';

const CHANGELOG = quoteIdent(CHANGELOG_TABLE);

/** Unix epoch milliseconds inside a trigger; `julianday` works in every SQLite version. */
const NOW_MS = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";

/** What each trigger records: the OLD key (`k<i>`) and/or the NEW row (`c<i>`). */
type TriggerOp = Readonly<{ op: 'c' | 'u' | 'd'; event: string; oldKey: boolean; newRow: boolean }>;

const TRIGGER_OPS: readonly TriggerOp[] = [
  { op: 'c', event: 'INSERT', oldKey: false, newRow: true },
  { op: 'u', event: 'UPDATE', oldKey: true, newRow: true },
  { op: 'd', event: 'DELETE', oldKey: true, newRow: false },
];

/** What an install or removal changed. */
export type CaptureChange = Readonly<{ tables: number; triggers: number }>;

/** True if the changelog table exists. */
export function isCaptureInstalled(db: Database.Database): boolean {
  return (
    catalogRows(db, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name = ?", [
      CHANGELOG_TABLE,
    ]).length > 0
  );
}

/**
 * Creates the changelog (with its marker row) if missing and (re)creates the triggers of
 * `tables`, so they record the tables' current columns under a new layout. Run inside a write
 * transaction.
 *
 * @throws ReplicatorError `REPL_SQLITE_CHANGELOG_INVALID` for a changelog an older version wrote.
 */
export function installCaptureOn(
  db: Database.Database,
  tables: readonly SqliteTableInfo[],
  nowMs: number,
): CaptureChange {
  if (!isCaptureInstalled(db)) createChangelog(db, nowMs);
  changelogWidth(db);
  for (const table of tables) {
    widenChangelog(db, table);
    const layout = recordLayout(db, table);
    for (const trigger of TRIGGER_OPS) {
      const name = quoteIdent(triggerName(trigger.op, table.name));
      db.exec(`DROP TRIGGER IF EXISTS ${name}`);
      db.exec(triggerSql(name, trigger, table, layout));
    }
  }
  return Object.freeze({ tables: tables.length, triggers: tables.length * TRIGGER_OPS.length });
}

/** Drops every capture trigger and the changelog's tables. Run inside a write transaction. */
export function removeCaptureOn(db: Database.Database): CaptureChange {
  const triggers = catalogRows(
    db,
    "SELECT name, tbl_name FROM sqlite_schema WHERE type = 'trigger'",
  ).filter((row) => textField(row, 'name').startsWith(TRIGGER_PREFIX));
  for (const row of triggers) db.exec(`DROP TRIGGER ${quoteIdent(textField(row, 'name'))}`);
  dropChangelog(db);
  const tables = new Set(triggers.map((row) => textField(row, 'tbl_name')));
  return Object.freeze({ tables: tables.size, triggers: triggers.length });
}

/** The highest sequence in the changelog (the marker's at least). */
export function currentSequence(db: Database.Database): bigint {
  const value: unknown = db.prepare(`SELECT max(seq) FROM ${CHANGELOG}`).pluck().get();
  return typeof value === 'bigint' ? value : 0n;
}

/** The lowest sequence still in the changelog; `null` when it is empty. */
export function oldestSequence(db: Database.Database): bigint | null {
  const value: unknown = db.prepare(`SELECT min(seq) FROM ${CHANGELOG}`).pluck().get();
  return typeof value === 'bigint' ? value : null;
}

/**
 * Deletes changelog rows up to `sequence`, except the newest row, which keeps the sequence
 * growing (see the module comment). @returns Rows deleted.
 */
export function pruneChangelog(db: Database.Database, sequence: bigint): number {
  return db
    .prepare(
      `DELETE FROM ${CHANGELOG} WHERE seq <= ? AND seq < (SELECT max(seq) FROM ${CHANGELOG})`,
    )
    .run(sequence).changes;
}

/** `_dr_capture_<op>_<table>`. */
export function triggerName(op: string, table: string): string {
  return `${TRIGGER_PREFIX}${op}_${table}`;
}

function triggerSql(
  name: string,
  trigger: TriggerOp,
  table: SqliteTableInfo,
  layout: number,
): string {
  const targets = ['tbl', 'op', 'layout', 'at'];
  const values = [sqlString(table.name), `'${trigger.op}'`, String(layout), NOW_MS];
  if (trigger.oldKey) {
    table.keyColumns.forEach((key, i) => {
      targets.push(valueColumn('k', i));
      values.push(`OLD.${columnNamed(table, key).source}`);
    });
  }
  if (trigger.newRow) {
    table.columns.forEach((column, i) => {
      targets.push(valueColumn('c', i));
      values.push(`NEW.${column.source}`);
    });
  }
  return (
    `CREATE TRIGGER ${name} AFTER ${trigger.event} ON ${quoteIdent(table.name)} BEGIN ` +
    `INSERT INTO ${CHANGELOG} (${targets.join(', ')}) VALUES (${values.join(', ')}); END`
  );
}

function columnNamed(table: SqliteTableInfo, name: string): SqliteColumn {
  const column = table.columns.find((candidate) => candidate.name === name);
  if (column === undefined)
    throw new TypeError(`key column "${name}" of "${table.name}" is unknown`);
  return column;
}

/** An SQL string literal (a table name inside trigger SQL, which cannot take parameters). */
function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
