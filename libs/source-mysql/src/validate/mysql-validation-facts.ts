/**
 * What `validate` reads from a MySQL/MariaDB source, and the report it makes of it. The report
 * rows have the shape of libs/postgres's `ValidationCheck`, so the CLI prints both alike.
 */
import type { TableId } from '@database-replicator/core';

/** `ok`; `warn` (allowed, read the detail); `fail` (replication would not work); `skipped`. */
export type MysqlCheckStatus = 'ok' | 'warn' | 'fail' | 'skipped';

/** One row of the report. */
export type MysqlValidationCheck = Readonly<{
  /** Stable kebab-case id, e.g. `binlog-format`; scripts branch on this. */
  id: string;
  title: string;
  status: MysqlCheckStatus;
  /** What was found; never a password. */
  detail: string;
  /** How to fix it; null for `ok` and `skipped`. */
  fix: string | null;
}>;

/** The whole report; `ok` is false when any check failed. */
export type MysqlValidationReport = Readonly<{
  ok: boolean;
  checks: readonly MysqlValidationCheck[];
}>;

/** Privileges of the connecting user, as `information_schema` lists them. */
export type MysqlPrivileges = Readonly<{
  /** Global privileges (`*.*`), upper case: `SELECT`, `REPLICATION SLAVE`, `BINLOG MONITOR`. */
  global: readonly string[];
  /** Database-level privileges by database. */
  databases: Readonly<Record<string, readonly string[]>>;
  /** Table-level privileges by `db.table`. */
  tables: Readonly<Record<string, readonly string[]>>;
}>;

/** Facts of a reached server. */
export type MysqlServerFacts = Readonly<{
  /** `host:port`. */
  where: string;
  /** `user@host` as the server sees it (CURRENT_USER()). */
  user: string;
  version: string;
  mariadb: boolean;
  logBin: boolean;
  /** `ROW`, `MIXED`, `STATEMENT`. */
  binlogFormat: string;
  /** `FULL`, `MINIMAL`, `NOBLOB`. */
  binlogRowImage: string;
  /** MySQL `@@gtid_mode` (`ON`, `OFF`, …); `null` on MariaDB, whose GTIDs are always on. */
  gtidMode: string | null;
  serverId: number;
  /** How long binlogs are kept, seconds; `null` when they never expire. */
  binlogRetentionSeconds: number | null;
  privileges: MysqlPrivileges;
  /** The selected tables with their sizes. */
  tables: readonly Readonly<{ id: TableId; rows: number; bytes: number }>[];
}>;

/** What `evaluateMysqlValidation` judges: the facts, or why the server was not reached. */
export type MysqlValidationFacts = Readonly<{
  server: MysqlServerFacts | Readonly<{ unreachable: string; fix: string }>;
  /** How long the snapshot is expected to take, seconds (for the retention check). */
  estimatedSnapshotSeconds: number;
}>;
