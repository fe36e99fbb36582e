/**
 * A SQLite file as a pipeline source (`ChangeSource`). States: created → described (tables read,
 * connections opened lazily) → capturing (startPosition installed the changelog and triggers,
 * or, in refresh mode, emptied the refresh state) → closed. Reads use a read-only connection;
 * only startPosition and acknowledge of the trigger mode open the file for writing. The capture
 * mode of a restarted job is the one it started with: triggers when the changelog exists.
 */
import type Database from 'better-sqlite3';
import {
  isReplicatorError,
  planTables,
  replicatorError,
  tableKey,
  type ChangeKey,
  type ChangeRow,
  type ReplicatorConfig,
  type SourcePosition,
  type TableId,
} from '@database-replicator/core';
import type {
  ChangeSource,
  CopySnapshotPage,
  RefreshStateStore,
  SnapshotReadOptions,
  SourceTable,
  SourceTransaction,
} from '@database-replicator/pipeline';
import {
  currentSequence,
  installCaptureOn,
  isCaptureInstalled,
  pruneChangelog,
} from './capture.js';
import {
  resolveSqliteSourceConfig,
  type SqliteSourceConfig,
  type SqliteSourceOptions,
} from './config.js';
import {
  indexStatements,
  introspectSqliteTable,
  listSqliteTables,
  type SqliteTableInfo,
} from './introspect.js';
import { readSqliteCopySnapshot } from './copy-snapshot.js';
import { openSqlite, sqliteCall, type SqliteAccess } from './open-sqlite.js';
import { sequenceOf, sqlitePosition } from './position.js';
import { refreshEntries, refreshSqliteChanges, sqliteRefreshStateStore } from './refresh.js';
import { readSqliteSnapshot, type PageRecorder } from './snapshot.js';
import { streamSqliteChanges } from './stream.js';

const NO_FILTERS: ReplicatorConfig['filters'] = Object.freeze({
  schemaOnlyTables: [],
  tableFilters: [],
  timeFilters: [],
});

/** A SQLite source; create it with {@link createSqliteSource}. */
export class SqliteChangeSource implements ChangeSource {
  readonly connector = 'sqlite';
  readonly name: string;
  readonly database: string;
  readonly #config: SqliteSourceConfig;
  readonly #connections = new Map<SqliteAccess, Database.Database>();
  #tables: ReadonlyMap<string, SqliteTableInfo> | undefined;
  #described: readonly SourceTable[] | undefined;
  #mode: 'triggers' | 'refresh' | undefined;
  readonly #store: RefreshStateStore;
  #closed = false;

  constructor(config: SqliteSourceConfig) {
    this.#config = config;
    this.#store = sqliteRefreshStateStore(config.refreshStateDir);
    this.name = config.name;
    this.database = config.database;
  }

  async describeTables(): Promise<readonly SourceTable[]> {
    const { path: file, schema, logger } = this.#config;
    const db = this.#connection('read');
    const described = sqliteCall(file, 'reading the schema', () =>
      db.transaction(() => {
        const ids: TableId[] = listSqliteTables(db).map((table) => ({ schema, table }));
        return planTables(ids, this.#config.filters ?? NO_FILTERS, { schema }).map((plan) => {
          if (plan.rowFilters.length > 0 || plan.timeFilters.length > 0) {
            throw replicatorError(
              'REPL_SQLITE_FILTER_UNSUPPORTED',
              `Row and time filters are not supported for SQLite sources yet (table "${plan.id.table}")`,
              { details: { table: plan.id.table } },
            );
          }
          return { plan, info: introspectSqliteTable(db, plan.id.table, logger) };
        });
      })(),
    );
    this.#tables = new Map(described.map(({ info }) => [info.name, info]));
    this.#described = Object.freeze(
      described.map(({ plan, info }) => sourceTable(plan.id, info, plan.schemaOnly)),
    );
    logger.info({ file, tables: described.length }, 'sqlite tables described');
    return this.#described;
  }

  /**
   * Installs capture for the described tables and returns the newest changelog sequence (P0); in
   * refresh mode (chosen, or `auto` on a file that cannot be written) empties the refresh state
   * and returns cycle 0.
   */
  async startPosition(): Promise<SourcePosition> {
    const { capture, logger, path: file, refreshIntervalMs } = this.#config;
    if (capture !== 'refresh') {
      try {
        return await this.#installCapture();
      } catch (error) {
        const readOnly =
          isReplicatorError(error, 'REPL_SQLITE_READ_ONLY') ||
          isReplicatorError(error, 'REPL_SQLITE_OPEN_FAILED');
        if (capture === 'triggers' || !readOnly) throw error;
        logger.warn(
          { file, refreshIntervalMs },
          'sqlite source is read-only: refresh mode, comparing every table with the target every refreshIntervalMs; deletes are found only at refresh time',
        );
      }
    }
    await this.#store.reset();
    this.#mode = 'refresh';
    return sqlitePosition(0n);
  }

  async #installCapture(): Promise<SourcePosition> {
    const tables = await this.#tableInfos();
    const db = this.#connection('write');
    const { path: file, logger } = this.#config;
    const position = sqliteCall(file, 'installing change capture', () =>
      db
        .transaction(() => {
          installCaptureOn(db, [...tables.values()], Date.now());
          return sqlitePosition(currentSequence(db));
        })
        .immediate(),
    );
    this.#mode = 'triggers';
    logger.info({ file, tables: tables.size, position }, 'sqlite change capture installed');
    return position;
  }

  async *readSnapshot(
    table: SourceTable,
    after: ChangeKey | null,
    options: SnapshotReadOptions,
  ): AsyncGenerator<readonly ChangeRow[]> {
    if (table.schemaOnly) return;
    const info = await this.#tableInfo(table);
    const db = this.#connection('read');
    const record = await this.#recorder(table, info);
    yield* readSqliteSnapshot(db, this.#config.path, info, after, options, record);
  }

  async *readSnapshotCopy(
    table: SourceTable,
    after: ChangeKey | null,
    options: SnapshotReadOptions,
  ): AsyncGenerator<CopySnapshotPage> {
    if (table.schemaOnly) return;
    const info = await this.#tableInfo(table);
    const db = this.#connection('read');
    const record = await this.#recorder(table, info);
    yield* readSqliteCopySnapshot(db, this.#config.path, info, after, options, record);
  }

  async *streamChanges(
    from: SourcePosition,
    signal: AbortSignal,
  ): AsyncGenerator<SourceTransaction> {
    const tables = await this.#tableInfos();
    const { path: file, name, database, schema } = this.#config;
    if ((await this.#captureMode()) === 'refresh') {
      const context = {
        db: this.#connection('read'),
        file,
        origin: { name, database, schema },
        tables,
        store: this.#store,
        intervalMs: this.#config.refreshIntervalMs,
        pageRows: this.#config.maxBatchRows,
      };
      yield* refreshSqliteChanges(context, sequenceOf(from), signal);
      return;
    }
    yield* streamSqliteChanges(
      {
        db: this.#connection('read'),
        file,
        tables,
        origin: { name, database, schema },
        pollIntervalMs: this.#config.pollIntervalMs,
        maxBatchRows: this.#config.maxBatchRows,
        heartbeatIntervalMs: this.#config.heartbeatIntervalMs,
      },
      sequenceOf(from),
      signal,
    );
  }

  /**
   * The changes since the checkpoint are gone for good: changelog rows after it were deleted
   * (`REPL_SQLITE_CHANGELOG_GAP`), capture was removed (`REPL_SQLITE_CAPTURE_MISSING`), or refresh
   * mode lost its state files (`REPL_SQLITE_REFRESH_STATE_MISSING`). The extractor then copies
   * the tables again from a new start, which installs capture again.
   */
  isHistoryLost(error: unknown): boolean {
    return (
      isReplicatorError(error, 'REPL_SQLITE_CHANGELOG_GAP') ||
      isReplicatorError(error, 'REPL_SQLITE_CAPTURE_MISSING') ||
      isReplicatorError(error, 'REPL_SQLITE_REFRESH_STATE_MISSING')
    );
  }

  /** Prunes the changelog up to `position` (keeping its newest row), or the refresh state files. */
  async acknowledge(position: SourcePosition): Promise<void> {
    const sequence = sequenceOf(position);
    if ((await this.#captureMode()) === 'refresh') {
      await this.#store.prune(sequence);
      return;
    }
    const db = this.#connection('write');
    const pruned = sqliteCall(this.#config.path, 'pruning the changelog', () =>
      pruneChangelog(db, sequence),
    );
    this.#config.logger.debug({ sequence: position, pruned }, 'sqlite changelog pruned');
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const db of [...this.#connections.values()].reverse()) db.close();
    this.#connections.clear();
  }

  /** The mode the job started with: set by startPosition, or read from the file on a restart. */
  async #captureMode(): Promise<'triggers' | 'refresh'> {
    if (this.#mode === undefined) {
      const { capture, path: file } = this.#config;
      const db = this.#connection('read');
      const installed = sqliteCall(file, 'looking for the changelog', () => isCaptureInstalled(db));
      this.#mode =
        capture === 'refresh' || (capture === 'auto' && !installed) ? 'refresh' : 'triggers';
    }
    return this.#mode;
  }

  /** Refresh mode records every snapshot page's keys and hashes before it is handed out. */
  async #recorder(table: SourceTable, info: SqliteTableInfo): Promise<PageRecorder | undefined> {
    if ((await this.#captureMode()) !== 'refresh') return undefined;
    const key = tableKey(table.id);
    return (rows) => this.#store.appendSnapshot(key, refreshEntries(rows, info));
  }

  async #tableInfo(table: SourceTable): Promise<SqliteTableInfo> {
    const info = (await this.#tableInfos()).get(table.id.table);
    if (info === undefined) {
      throw replicatorError(
        'REPL_SQLITE_TABLE_UNSUPPORTED',
        `SQLite table "${table.id.table}" is not among the source's described tables`,
        { details: { table: table.id.table } },
      );
    }
    return info;
  }

  async #tableInfos(): Promise<ReadonlyMap<string, SqliteTableInfo>> {
    if (this.#tables === undefined) await this.describeTables();
    return this.#tables ?? new Map();
  }

  #connection(access: SqliteAccess): Database.Database {
    if (this.#closed) {
      throw replicatorError(
        'REPL_SQLITE_OPEN_FAILED',
        `SQLite source ${this.#config.path} was closed`,
        { details: { file: this.#config.path } },
      );
    }
    let db = this.#connections.get(access);
    if (db === undefined) {
      db = openSqlite(this.#config.path, access, this.#config.busyTimeoutMs);
      this.#connections.set(access, db);
    }
    return db;
  }
}

/**
 * Creates a SQLite source. Nothing is opened until the first call.
 *
 * @throws ReplicatorError `REPL_CONFIG_INVALID` or `REPL_CONFIG_SOURCE_SCHEME` for bad options.
 */
export function createSqliteSource(options: SqliteSourceOptions): SqliteChangeSource {
  return new SqliteChangeSource(resolveSqliteSourceConfig(options));
}

function sourceTable(id: TableId, info: SqliteTableInfo, schemaOnly: boolean): SourceTable {
  return Object.freeze({
    id: Object.freeze({ schema: id.schema, table: id.table }),
    keyColumns: info.keyColumns,
    columns: Object.freeze(
      info.columns.map((column) =>
        Object.freeze({ name: column.name, type: column.type, nullable: column.nullable }),
      ),
    ),
    indexes: Object.freeze(indexStatements(info.indexes, id)),
    estimatedRows: info.estimatedRows,
    schemaOnly,
  });
}
