/**
 * The SQLite source of a cross-engine verify run: the selected tables described as the
 * replication describes them (same columns, same key, rowid for tables without a declared key,
 * same encoder), each with its source checksummer and the column renderings the PostgreSQL side
 * needs, plus what `verify --repair` reads: rows by key and the changelog position. One
 * read-only connection; the caller closes the session.
 */
import path from 'node:path';
import {
  formatTableRef,
  planTables,
  type Logger,
  type ReplicatorConfig,
  type Secret,
  type SqliteChangelogPosition,
  type TableSelector,
} from '@database-replicator/core';
import {
  selectVerifyPlans,
  verifyBlockOf,
  type SourceVerifySession,
  type SourceVerifyTable,
} from '@database-replicator/pipeline';
import { currentSequence, isCaptureInstalled } from '../capture.js';
import { DEFAULT_TARGET_SCHEMA } from '../constants.js';
import { introspectSqliteTable, listSqliteTables } from '../introspect.js';
import { openSqlite, sqliteCall } from '../open-sqlite.js';
import { sqlitePosition } from '../position.js';
import { sqlitePathOf } from '../sqlite-path.js';
import { SQLITE_SOURCE_DEFAULTS } from '../config.js';
import { readSqliteRows } from './read-sqlite-rows.js';
import { canonicalKindOf, type SqliteCanonicalKind } from './sqlite-canonical-text.js';
import { createSqliteChecksummer, type SqliteChecksummer } from './sqlite-checksummer.js';
import { sqliteVerifyKey } from './sqlite-verify-key.js';

/** Options of {@link openSqliteVerify}. */
export type SqliteVerifyOptions = Readonly<{
  url: Secret;
  filters: ReplicatorConfig['filters'];
  /** Verify only these (`--tables`); each must be among the selected tables. */
  tables?: readonly TableSelector[];
  /** The target schema the tables were replicated into. Default `public`, as the source's. */
  schema?: string;
  logger?: Logger;
}>;

/** One table of the run. */
export type SqliteVerifyTable = SourceVerifyTable<SqliteCanonicalKind, SqliteChecksummer>;

/**
 * An open SQLite verify source; see {@link openSqliteVerify}. Its name is `sqlite` (as the CLI
 * names it), its database the file name; its position, carried by repair events, the newest
 * changelog sequence (0 without change capture).
 */
export type SqliteVerifySession = SourceVerifySession<
  SqliteVerifyTable,
  'sqlite',
  SqliteChangelogPosition
> &
  Readonly<{
    /**
     * Whether the file has this lib's changelog (change capture) as verify opened it: `sync`
     * then streams it; without it `sync` runs in refresh mode, whose positions count refresh
     * cycles, not changes.
     */
    changelog: boolean;
  }>;

const FILTERED_NOTE =
  'table_filters / time_filters are not supported for SQLite sources: rows not compared';

/**
 * Opens the file read-only and describes every table to verify.
 *
 * @throws ReplicatorError `REPL_CONFIG_SOURCE_SCHEME` (not a SQLite URL), `REPL_SQLITE_OPEN_FAILED`,
 *   `REPL_SQLITE_QUERY_FAILED`, `REPL_CONFIG_TABLE_NOT_FOUND`, `REPL_SQLITE_TABLE_UNSUPPORTED`
 *   (as replication refuses the same tables).
 */
export async function openSqliteVerify(options: SqliteVerifyOptions): Promise<SqliteVerifySession> {
  const file = sqlitePathOf(options.url.reveal());
  const schema = options.schema ?? DEFAULT_TARGET_SCHEMA;
  const db = openSqlite(file, 'read', SQLITE_SOURCE_DEFAULTS.busyTimeoutMs);
  try {
    const described = sqliteCall(file, 'describing tables for verify', () =>
      db.transaction(() => {
        const ids = listSqliteTables(db).map((table) => ({ schema, table }));
        const plans = selectVerifyPlans(
          planTables(ids, options.filters, { schema }),
          options.tables,
          {
            defaultSchema: schema,
            noun: 'table',
            source: 'the SQLite source',
            form: `[${schema}.]table`,
          },
        );
        return plans.map((plan) => {
          const info = introspectSqliteTable(db, plan.id.table, options.logger);
          return { plan, info, key: sqliteVerifyKey(db, info) };
        });
      })(),
    );
    const infos = new Map(described.map((d) => [d.info.name, d]));
    const changelog = sqliteCall(file, 'looking for the changelog', () => isCaptureInstalled(db));
    const tables = described.map(({ plan, info, key }): SqliteVerifyTable => {
      const ranged = key.kind === 'ranges' ? key.columns : [];
      const blocked = verifyBlockOf(plan, FILTERED_NOTE);
      return Object.freeze({
        id: plan.id,
        table: formatTableRef(plan.id),
        keyColumns: ranged.map((k) => k.column.name),
        columns: info.columns.map((c) => ({ name: c.name, kind: canonicalKindOf(c.kind) })),
        key: ranged.map((k) => ({ name: k.column.name, text: k.text })),
        source: createSqliteChecksummer({ db, file, table: info, key: ranged }),
        ...(blocked === undefined ? {} : { blocked }),
        notes: key.kind === 'whole' ? [key.reason] : [],
      });
    });
    const session: SqliteVerifySession = {
      tables,
      connector: 'sqlite',
      name: 'sqlite',
      database: path.basename(file),
      changelog,
      position: async () =>
        sqlitePosition(
          sqliteCall(file, 'reading the changelog position', () =>
            isCaptureInstalled(db) ? currentSequence(db) : 0n,
          ),
        ),
      readRows: async (table, _keyColumns, keys) => {
        const found = infos.get(table.table);
        if (found === undefined || found.key.kind !== 'ranges') return [];
        return readSqliteRows(db, file, found.info, found.key.columns, keys);
      },
      close: async () => {
        db.close();
      },
    };
    return Object.freeze(session);
  } catch (error) {
    db.close();
    throw error;
  }
}
