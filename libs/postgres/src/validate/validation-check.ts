/**
 * What `validate` reports: one row per prerequisite with a status, what was found, and how to
 * fix it. Check functions return a {@link CheckOutcome}; the evaluator adds the id and title.
 */
import { formatTableRef, type TableId } from '@database-replicator/core';

/**
 * Status of one check: `ok`; `warn` (allowed, but read the detail); `fail` (replication would
 * not work); `skipped` (not run because a server it needs could not be reached).
 */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skipped';

/** One row of the validation report. */
export type ValidationCheck = Readonly<{
  /** Stable kebab-case id, e.g. `wal-level`; scripts branch on this. */
  id: string;
  /** Short human title, e.g. `source wal_level`. */
  title: string;
  status: CheckStatus;
  /** What was found, naming hosts, tables and settings; never a password. */
  detail: string;
  /** How to fix it; null for `ok` and `skipped`. */
  fix: string | null;
}>;

/** The whole report; `ok` is false when any check failed (warnings and skips aside). */
export type ValidationReport = Readonly<{
  ok: boolean;
  checks: readonly ValidationCheck[];
}>;

/** What a check function decides; the evaluator adds id and title. */
export type CheckOutcome = Readonly<{ status: CheckStatus; detail: string; fix: string | null }>;

/** A passed check. */
export function passed(detail: string): CheckOutcome {
  return Object.freeze({ status: 'ok', detail, fix: null });
}

/** A check that passed with a caveat the user should act on or accept. */
export function warned(detail: string, fix: string): CheckOutcome {
  return Object.freeze({ status: 'warn', detail, fix });
}

/** A failed check. */
export function failed(detail: string, fix: string): CheckOutcome {
  return Object.freeze({ status: 'fail', detail, fix });
}

/** `schema.table` for messages (the database is implied by the connection). */
export function tableName(id: TableId): string {
  return formatTableRef({ schema: id.schema, table: id.table });
}

/** `a, b and c` — every name, because a fix the user cannot map to tables is no fix. */
export function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1] ?? ''}`;
}

/** `1 table` / `3 tables`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
