/**
 * Fixtures of the MySQL source suites: a fresh MariaDB database per test file (utf8mb4, dropped
 * afterwards), a fresh PostgreSQL target database with the `_replicator` schema, target tables
 * created from `describeTables`, and helpers that apply snapshot pages and stream steps through
 * libs/postgres `applyChangeBatch`, as the loader would.
 */
import { randomBytes } from 'node:crypto';
import {
  createLogger,
  quoteIdent,
  quoteMysqlIdent,
  quoteTable,
  Secret,
  type ChangeEvent,
  type ChangeRow,
  type Logger,
  type SourcePosition,
} from '@database-replicator/core';
import type { SourceTable, SourceTransaction } from '@database-replicator/pipeline';
import { applyChangeBatch, migrateReplicatorSchema } from '@database-replicator/postgres';
import {
  createMysqlSource,
  type MysqlSource,
  type MysqlSourceOptions,
} from '@database-replicator/source-mysql';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { requiredEnv } from '../../support/describe-with-services.js';
import { queryOnce } from '../../support/postgres-databases.js';

export const quietLogger = createLogger({ level: 'silent' });

/** A logger whose JSON lines are kept, for assertions on what was logged. */
export function capturingLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const written: string[] = [];
  const logger = createLogger({
    level: 'warn',
    destination: { write: (line: string) => written.push(line) },
  });
  return { logger, lines: () => written.map((line): Record<string, unknown> => JSON.parse(line)) };
}

/** A fresh MariaDB database. */
export interface MysqlTestDatabase {
  readonly name: string;
  /** URL of the database (with the test password). */
  readonly url: Secret;
  /** Runs SQL in the database on a shared connection (multiple statements allowed). */
  query(sql: string, params?: unknown[]): Promise<unknown>;
  /** Rows of a SELECT. */
  rows(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** A new connection to the database; the caller ends it. */
  connect(): Promise<mysql.Connection>;
  /**
   * A user of its own (dropped with the database) with the privileges a source needs, and its
   * URL: its binlog connections can be told apart from other suites' in the process list.
   */
  createSourceUser(): Promise<Readonly<{ user: string; url: Secret }>>;
  drop(): Promise<void>;
}

function adminOptions(): mysql.ConnectionOptions {
  const url = new URL(requiredEnv('MYSQL_URL'));
  return {
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    charset: 'UTF8MB4_UNICODE_CI',
    multipleStatements: true,
  };
}

export async function createMysqlDatabase(prefix: string): Promise<MysqlTestDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = await mysql.createConnection(adminOptions());
  admin.on('error', () => undefined);
  await admin.query(
    `CREATE DATABASE ${quoteMysqlIdent(name)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
  );
  await admin.query(`USE ${quoteMysqlIdent(name)}`);
  const base = new URL(requiredEnv('MYSQL_URL'));
  base.pathname = `/${encodeURIComponent(name)}`;
  const users: string[] = [];
  return {
    name,
    url: new Secret(base.toString()),
    query: async (sql, params) => (await admin.query(sql, params))[0],
    rows: async (sql, params) => {
      const [rows] = await admin.query<mysql.RowDataPacket[]>(sql, params);
      return rows;
    },
    connect: async () => {
      const connection = await mysql.createConnection({ ...adminOptions(), database: name });
      connection.on('error', () => undefined);
      return connection;
    },
    createSourceUser: async () => {
      const user = `dr_${randomBytes(4).toString('hex')}`;
      const password = randomBytes(8).toString('hex');
      await admin.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [user, password]);
      await admin.query(`GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO ?@'%'`, [user]);
      await admin.query(`GRANT SELECT ON ${quoteMysqlIdent(name)}.* TO ?@'%'`, [user]);
      users.push(user);
      const url = new URL(base.toString());
      url.username = user;
      url.password = password;
      return { user, url: new Secret(url.toString()) };
    },
    drop: async () => {
      try {
        for (const user of users) await admin.query(`DROP USER IF EXISTS ?@'%'`, [user]);
        await admin.query(`DROP DATABASE IF EXISTS ${quoteMysqlIdent(name)}`);
      } finally {
        await admin.end();
      }
    },
  };
}

/** A fresh PostgreSQL target database with `_replicator` migrated. */
export interface TargetDatabase {
  readonly client: pg.Client;
  /** Creates the target table of `table` from its described columns. */
  createTable(table: SourceTable): Promise<void>;
  /** Applies events of one table as one batch, with bus offsets continuing per table. */
  apply(table: SourceTable, events: readonly ChangeEvent[]): Promise<void>;
  /** Every row of `table` as column → PostgreSQL text output, ordered by the key. */
  textRows(table: SourceTable): Promise<Record<string, string | null>[]>;
  drop(): Promise<void>;
}

export async function createTargetDatabase(prefix: string): Promise<TargetDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`.toLowerCase();
  const admin = requiredEnv('PG_TARGET_URL');
  await queryOnce(admin, `CREATE DATABASE ${quoteIdent(name)}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  client.on('error', () => undefined);
  await client.connect();
  await client.query("SET TimeZone = 'UTC'; SET extra_float_digits = 1; SET bytea_output = 'hex'");
  await migrateReplicatorSchema(client);
  const offsets = new Map<string, number>();
  return {
    client,
    createTable: async (table) => {
      const columns = table.columns.map(
        (column) =>
          `${quoteIdent(column.name)} ${column.type}${column.nullable ? '' : ' NOT NULL'}`,
      );
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(table.id.schema)}`);
      await client.query(
        `CREATE TABLE ${quoteTable(table.id)} (${columns.join(', ')}, PRIMARY KEY (${table.keyColumns.map(quoteIdent).join(', ')}))`,
      );
      for (const statement of table.indexes) await client.query(statement);
    },
    apply: async (table, events) => {
      if (events.length === 0) return;
      const topic = `test.${table.id.schema}.${table.id.table}`;
      const first = offsets.get(topic) ?? 0;
      offsets.set(topic, first + events.length);
      await applyChangeBatch(client, {
        consumerGroup: 'source-mysql-tests',
        table: table.id,
        keyColumns: table.keyColumns,
        events: events.map((event, index) => ({
          event,
          topic,
          partition: 0,
          offset: String(first + index),
        })),
      });
    },
    textRows: async (table) => {
      const list = table.columns.map(
        (column) => `t.${quoteIdent(column.name)}::text AS ${quoteIdent(column.name)}`,
      );
      // Qualified, so rows are ordered by the key's own type, not by its text output.
      const order = table.keyColumns.map((name) => `t.${quoteIdent(name)}`).join(', ');
      const { rows } = await client.query<Record<string, string | null>>(
        `SELECT ${list.join(', ')} FROM ${quoteTable(table.id)} AS t ORDER BY ${order}`,
      );
      return rows;
    },
    drop: async () => {
      await client.end();
      await queryOnce(admin, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    },
  };
}

/** A source on `database` with quiet logs. */
export function openSource(
  database: MysqlTestDatabase,
  options: Partial<MysqlSourceOptions> = {},
): MysqlSource {
  return createMysqlSource({
    url: database.url,
    name: 'mysql-test',
    logger: quietLogger,
    ...options,
  });
}

/** Every snapshot row of `table`, read in pages of `pageRows`. */
export async function readAll(
  source: MysqlSource,
  table: SourceTable,
  pageRows = 1000,
): Promise<ChangeRow[]> {
  const rows: ChangeRow[] = [];
  for await (const page of source.readSnapshot(table, null, { pageRows })) rows.push(...page);
  return rows;
}

/** The snapshot (`r`) event of a row, as the extractor builds it. */
export function snapshotEvent(
  table: SourceTable,
  row: ChangeRow,
  position: SourcePosition,
): ChangeEvent {
  const now = Date.now();
  return {
    before: null,
    after: row,
    op: 'r',
    ts_ms: now,
    source: {
      connector: 'mysql',
      name: 'mysql-test',
      db: table.id.schema,
      schema: null,
      table: table.id.table,
      snapshot: 'true',
      position,
      ts_ms: now,
    },
  };
}

/** A running stream whose steps are collected as they arrive. */
export interface CollectedStream {
  readonly steps: SourceTransaction[];
  /** Events of all steps so far, in order. */
  events(): ChangeEvent[];
  /** Waits until `done` holds for the steps so far. */
  until(
    what: string,
    done: (steps: readonly SourceTransaction[]) => boolean,
    timeoutMs?: number,
  ): Promise<void>;
  /** Aborts the stream and waits for it to end; rethrows a stream failure. */
  stop(): Promise<void>;
}

export function collectStream(source: MysqlSource, from: SourcePosition): CollectedStream {
  const controller = new AbortController();
  const steps: SourceTransaction[] = [];
  let failure: unknown;
  const running = (async () => {
    for await (const step of source.streamChanges(from, controller.signal)) steps.push(step);
  })().catch((error: unknown) => {
    failure = error;
  });
  return {
    steps,
    events: () => steps.flatMap((step) => step.events),
    until: async (what, done, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!done(steps)) {
        if (failure !== undefined) throw failure;
        if (Date.now() > deadline) {
          throw new Error(`timed out waiting for ${what}; got ${steps.length} steps`);
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    stop: async () => {
      controller.abort();
      await running;
      if (failure !== undefined) throw failure;
    },
  };
}
