/**
 * Change capture by a trigger changelog inside the source file: AFTER INSERT/UPDATE/DELETE
 * triggers on each captured table append one row per changed row to `_dr_changelog`, in the
 * writer's own transaction, so a change and its changelog row commit (or roll back) together.
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
import { changelogObjectSql, sqlString, type ChangelogColumn } from './changelog-value.js';
import { CHANGELOG_TABLE, MARKER_OP, TRIGGER_PREFIX } from './constants.js';
import type { SqliteTableInfo } from './introspect.js';

const CHANGELOG = quoteIdent(CHANGELOG_TABLE);

/** Unix epoch milliseconds inside a trigger; `julianday` works in every SQLite version. */
const NOW_MS = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";

type TriggerOp = Readonly<{ op: 'c' | 'u' | 'd'; event: string; key: 'NEW' | 'OLD' }>;

const TRIGGER_OPS: readonly TriggerOp[] = [
  { op: 'c', event: 'INSERT', key: 'NEW' },
  { op: 'u', event: 'UPDATE', key: 'OLD' },
  { op: 'd', event: 'DELETE', key: 'OLD' },
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
 * `tables`, so they record the tables' current columns. Run inside a write transaction.
 */
export function installCaptureOn(
  db: Database.Database,
  tables: readonly SqliteTableInfo[],
  nowMs: number,
): CaptureChange {
  if (!isCaptureInstalled(db)) {
    db.exec(
      `CREATE TABLE ${CHANGELOG} (seq INTEGER PRIMARY KEY, tbl TEXT NOT NULL, op TEXT NOT NULL, key_json TEXT, row_json TEXT, at INTEGER NOT NULL)`,
    );
    db.prepare(
      `INSERT INTO ${CHANGELOG} (seq, tbl, op, key_json, row_json, at) VALUES (?, '', ?, NULL, NULL, ?)`,
    ).run(BigInt(nowMs) * 1000n, MARKER_OP, BigInt(nowMs));
  }
  for (const table of tables) {
    for (const trigger of TRIGGER_OPS) {
      const name = quoteIdent(triggerName(trigger.op, table.name));
      db.exec(`DROP TRIGGER IF EXISTS ${name}`);
      db.exec(triggerSql(name, trigger, table));
    }
  }
  return Object.freeze({ tables: tables.length, triggers: tables.length * TRIGGER_OPS.length });
}

/** Drops every capture trigger and the changelog. Run inside a write transaction. */
export function removeCaptureOn(db: Database.Database): CaptureChange {
  const triggers = catalogRows(
    db,
    "SELECT name, tbl_name FROM sqlite_schema WHERE type = 'trigger'",
  ).filter((row) => textField(row, 'name').startsWith(TRIGGER_PREFIX));
  for (const row of triggers) db.exec(`DROP TRIGGER ${quoteIdent(textField(row, 'name'))}`);
  db.exec(`DROP TABLE IF EXISTS ${CHANGELOG}`);
  const tables = new Set(triggers.map((row) => textField(row, 'tbl_name')));
  return Object.freeze({ tables: tables.size, triggers: triggers.length });
}

/** The highest sequence in the changelog (the marker's at least). */
export function currentSequence(db: Database.Database): bigint {
  const value: unknown = db.prepare(`SELECT max(seq) FROM ${CHANGELOG}`).pluck().get();
  return typeof value === 'bigint' ? value : 0n;
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

function triggerSql(name: string, trigger: TriggerOp, table: SqliteTableInfo): string {
  const refs = (row: 'NEW' | 'OLD'): ChangelogColumn[] =>
    table.columns.map((column) => ({ name: column.name, ref: `${row}.${column.source}` }));
  const keyRefs = refs(trigger.key).filter((column) => table.keyColumns.includes(column.name));
  const rowJson = trigger.op === 'd' ? 'NULL' : changelogObjectSql(refs('NEW'));
  return (
    `CREATE TRIGGER ${name} AFTER ${trigger.event} ON ${quoteIdent(table.name)} BEGIN ` +
    `INSERT INTO ${CHANGELOG} (tbl, op, key_json, row_json, at) VALUES (` +
    `${sqlString(table.name)}, '${trigger.op}', ${changelogObjectSql(keyRefs)}, ${rowJson}, ${NOW_MS}); END`
  );
}
