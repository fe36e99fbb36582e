/**
 * A MySQL/MariaDB server as a pipeline source (`ChangeSource` of libs/pipeline): tables described
 * for the target, P0 from the binlog, keyset snapshot pages (rows or COPY text), the binlog
 * stream. One mysql2 pool serves the catalog and the snapshot; each stream opens its own binlog
 * connection.
 */
import {
  isReplicatorError,
  replicatorError,
  type BinlogPosition,
  type ChangeKey,
  type ChangeRow,
  type SourcePosition,
  type TableId,
} from '@database-replicator/core';
import type {
  ChangeSource,
  CopySnapshotPage,
  SnapshotReadOptions,
  SourceTable,
  SourceTransaction,
} from '@database-replicator/pipeline';
import type { RowDataPacket } from 'mysql2';
import { createPool, type Pool, type PoolConnection } from 'mysql2/promise';
import {
  mysqlConnectionConfig,
  resolveMysqlOptions,
  type MysqlSourceOptions,
  type ResolvedMysqlOptions,
} from './config.js';
import { checkBinlogRetained, purgedBinlogError } from './binlog-purged.js';
import { readMysqlCopySnapshot } from './copy-snapshot.js';
import { describeMysqlTables, planAll, type DescribedMysqlTable } from './describe-tables.js';
import { introspectMysql, keyOf } from './introspect.js';
import { mysqlQuery } from './mysql-query.js';
import { readStartPosition, requireBinlogPosition } from './position.js';
import { readOptionalText, readText, type CatalogRow } from './row-reader.js';
import { readMysqlSnapshot } from './snapshot.js';
import { MysqlBinlogReader, streamMysqlChanges } from './stream.js';

/**
 * Creates a MySQL/MariaDB source. Nothing connects until a method is called.
 *
 * @throws ReplicatorError `REPL_CONFIG_INVALID` for invalid options (see `resolveMysqlOptions`).
 */
export function createMysqlSource(options: MysqlSourceOptions): MysqlSource {
  return new MysqlSource(resolveMysqlOptions(options));
}

/** A MySQL/MariaDB source; `close()` it when done. */
export class MysqlSource implements ChangeSource {
  readonly connector = 'mysql' as const;
  readonly name: string;
  readonly database: string;
  readonly #options: ResolvedMysqlOptions;
  readonly #pool: Pool;
  readonly #readers = new Set<MysqlBinlogReader>();
  #described: Promise<readonly DescribedMysqlTable[]> | undefined;
  #closed = false;

  constructor(options: ResolvedMysqlOptions) {
    this.#options = options;
    this.name = options.name;
    this.database = options.database ?? '';
    this.#pool = createPool({
      ...mysqlConnectionConfig(options.url),
      connectionLimit: options.connections,
      maxIdle: options.connections,
    });
    const logger = options.logger.child({ component: 'mysql-source' });
    this.#pool.on('connection', (connection) => {
      connection.on('error', (error) =>
        logger.warn({ err: error }, 'idle MySQL connection failed'),
      );
    });
  }

  describeTables(): Promise<readonly SourceTable[]> {
    return this.#describe().then((tables) => tables.map((described) => described.table));
  }

  /** The described tables with their wire columns (cached after the first call). */
  #describe(): Promise<readonly DescribedMysqlTable[]> {
    this.#described ??= this.#withConnection('describing tables', async (c) => {
      const infos = await introspectMysql(c, this.#scope());
      return describeMysqlTables(
        infos,
        this.#options.tables ?? planAll(infos),
        this.#options.timeType,
      );
    });
    // A failed description is not cached: the next call reads the catalog again.
    this.#described.catch(() => (this.#described = undefined));
    return this.#described;
  }

  /**
   * The auto_increment column of each selected table that has one, with the counter's next value
   * as of the description, so the target's sequence can be set past the copied rows.
   */
  async autoIncrements(): Promise<
    readonly Readonly<{ table: TableId; column: string; next: number }>[]
  > {
    return (await this.#describe()).flatMap(({ table, autoIncrement }) =>
      autoIncrement === null ? [] : [Object.freeze({ table: table.id, ...autoIncrement })],
    );
  }

  async startPosition(): Promise<SourcePosition> {
    return this.#withConnection('reading the binlog position', async (c) =>
      readStartPosition(c, await isMariadb(c)),
    );
  }

  async *readSnapshot(
    table: SourceTable,
    after: ChangeKey | null,
    options: SnapshotReadOptions,
  ): AsyncIterable<readonly ChangeRow[]> {
    yield* readMysqlSnapshot(this.#pool, await this.#find(table), after, options);
  }

  async *readSnapshotCopy(
    table: SourceTable,
    after: ChangeKey | null,
    options: SnapshotReadOptions,
  ): AsyncIterable<CopySnapshotPage> {
    yield* readMysqlCopySnapshot(this.#pool, await this.#find(table), after, options);
  }

  async #find(table: SourceTable): Promise<DescribedMysqlTable> {
    const described = (await this.#describe()).find(
      (candidate) => keyOf(candidate.table.id) === keyOf(table.id),
    );
    if (described === undefined) {
      throw replicatorError(
        'REPL_CONFIG_TABLE_NOT_FOUND',
        `${table.id.schema}.${table.id.table} is not a selected table of MySQL source ${this.name}`,
      );
    }
    return described;
  }

  async *streamChanges(
    from: SourcePosition,
    signal: AbortSignal,
  ): AsyncIterable<SourceTransaction> {
    const start: BinlogPosition = requireBinlogPosition(from, 'streamChanges');
    const tables = await this.#describe();
    await this.#withConnection('checking the binlog settings', async (c) => {
      await checkRowBinlog(c);
      await checkBinlogRetained(c, start, this.name);
    });
    const reader = new MysqlBinlogReader(
      {
        sourceName: this.name,
        connection: mysqlConnectionConfig(this.#options.url),
        serverId: this.#options.serverId,
        tables,
        timeType: this.#options.timeType,
        includeNewTable: this.#options.includeNewTable,
        logger: this.#options.logger,
      },
      start,
    );
    this.#readers.add(reader);
    try {
      if (!this.#closed) yield* streamMysqlChanges(reader, signal);
    } catch (error) {
      throw purgedBinlogError(error, start, this.name) ?? error;
    } finally {
      this.#readers.delete(reader);
      await reader.close();
    }
  }

  /**
   * The binlog the stream resumes from was purged (`REPL_MYSQL_BINLOG_PURGED`): the extractor
   * copies the tables again from a new start.
   */
  isHistoryLost(error: unknown): boolean {
    return isReplicatorError(error, 'REPL_MYSQL_BINLOG_PURGED');
  }

  /** The binlog keeps nothing for a reader: nothing to release. */
  async acknowledge(position: SourcePosition): Promise<void> {
    requireBinlogPosition(position, 'acknowledge');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#readers].map((reader) => reader.close()));
    await this.#pool.end();
  }

  #scope(): readonly string[] | 'all' {
    return this.#options.database === undefined ? 'all' : [this.#options.database];
  }

  async #withConnection<T>(doing: string, run: (c: PoolConnection) => Promise<T>): Promise<T> {
    const connection = await mysqlQuery(this.#pool, doing, (p) => p.getConnection());
    try {
      return await run(connection);
    } finally {
      connection.release();
    }
  }
}

async function isMariadb(connection: PoolConnection): Promise<boolean> {
  const [rows] = await mysqlQuery(connection, 'reading the server version', (c) =>
    c.query<RowDataPacket[]>('SELECT VERSION() AS v'),
  );
  return rows[0] !== undefined && /mariadb/i.test(readText(rows[0], 'v', 'version'));
}

/**
 * The stream decodes full row images only: a statement- or mixed-format binlog has no rows to
 * read, and a minimal image would read absent columns as NULL.
 */
async function checkRowBinlog(connection: PoolConnection): Promise<void> {
  const [rows] = await mysqlQuery(connection, 'reading the binlog settings', (c) =>
    c.query<RowDataPacket[]>(
      'SELECT @@GLOBAL.log_bin AS log_bin, @@GLOBAL.binlog_format AS format, @@GLOBAL.binlog_row_image AS image',
    ),
  );
  const row: CatalogRow = rows[0] ?? {};
  const settings = {
    logBin: readOptionalText(row, 'log_bin', 'binlog settings') ?? '0',
    format: readText(row, 'format', 'binlog settings'),
    image: readText(row, 'image', 'binlog settings'),
  };
  if (settings.logBin !== '1' || settings.format !== 'ROW' || settings.image !== 'FULL') {
    throw replicatorError(
      'REPL_MYSQL_BINLOG_UNAVAILABLE',
      `The MySQL source's binlog cannot be streamed: log_bin=${settings.logBin === '1' ? 'ON' : 'OFF'}, binlog_format=${settings.format}, binlog_row_image=${settings.image}; the stream needs log_bin ON, ROW and FULL`,
      { details: settings },
    );
  }
}
