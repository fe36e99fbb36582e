/**
 * The dataset in MariaDB (database `bench`): InnoDB tables with their keys, each filled by one
 * LOAD DATA LOCAL INFILE fed from the generator's TSV stream (mysql2's infileStreamFactory, no
 * temp file). The load is kept out of the binlog (sql_log_bin = 0): a source's history before the
 * benchmark is not the benchmark's business, and writing 1 GB of row events only costs time.
 */
import { Readable } from 'node:stream';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { quoteMysql, withMysql } from '../mysql-db.js';
import type { GeneratedDataset, NormalizedOrder } from './generated-dataset.js';
import { SQL_COLUMNS, sqlRows } from './sql-rows.js';
import { TABLES, type DatasetSpec, type TableName } from './spec.js';
import { mariadbBinary, tsvChunks } from './tsv.js';
import { canonicalJson, parseCents, parseTimestamp } from './values.js';

/** The MariaDB database the dataset lives in. */
export const MYSQL_BENCH_DATABASE = 'bench';

const CREATE_TABLES = [
  `CREATE TABLE customers (
     id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(64) NOT NULL, email VARCHAR(128) NOT NULL,
     country VARCHAR(2) NOT NULL, created_at DATETIME(6) NOT NULL) ENGINE=InnoDB`,
  `CREATE TABLE orders (
     id BIGINT NOT NULL PRIMARY KEY, customer_id BIGINT NOT NULL, quantity INT NOT NULL,
     status VARCHAR(16) NOT NULL, amount DECIMAL(12,2) NOT NULL, note TEXT NULL,
     created_at DATETIME(6) NOT NULL, attrs JSON NOT NULL) ENGINE=InnoDB`,
  `CREATE TABLE order_items (
     order_id BIGINT NOT NULL, line_no INT NOT NULL, sku VARCHAR(16) NOT NULL,
     quantity INT NOT NULL, unit_price DECIMAL(12,2) NOT NULL,
     PRIMARY KEY (order_id, line_no)) ENGINE=InnoDB`,
  `CREATE TABLE events (
     seq BIGINT NOT NULL PRIMARY KEY, order_id BIGINT NOT NULL, kind VARCHAR(16) NOT NULL, occurred_at DATETIME(6) NOT NULL,
     payload JSON NULL, KEY events_order_id_idx (order_id)) ENGINE=InnoDB`,
  `CREATE TABLE documents (
     id BIGINT NOT NULL PRIMARY KEY, title VARCHAR(128) NOT NULL, author VARCHAR(64) NOT NULL,
     version INT NOT NULL, lang VARCHAR(8) NOT NULL, page_count INT NOT NULL,
     checksum VARCHAR(64) NOT NULL, created_at DATETIME(6) NOT NULL,
     updated_at DATETIME(6) NOT NULL, body MEDIUMTEXT NOT NULL, content MEDIUMBLOB NOT NULL) ENGINE=InnoDB`,
];

/** LOAD DATA's column list: binary columns go through a variable and UNHEX. */
function loadColumns(table: TableName): { list: string; set: string } {
  const binary = table === 'documents' ? ['content'] : [];
  const list = SQL_COLUMNS[table]
    .map((c) => (binary.includes(c) ? `@${c}` : quoteMysql(c)))
    .join(', ');
  const set = binary.map((c) => `${quoteMysql(c)} = UNHEX(@${c})`).join(', ');
  return { list, set: set === '' ? '' : ` SET ${set}` };
}

function* asBuffers(chunks: Iterable<string>): Generator<Buffer> {
  for (const chunk of chunks) yield Buffer.from(chunk, 'utf8');
}

async function loadTable(
  connection: Connection,
  spec: DatasetSpec,
  table: TableName,
): Promise<void> {
  const { list, set } = loadColumns(table);
  await connection.query({
    // The file name is a label: infileStreamFactory supplies the bytes.
    sql: `LOAD DATA LOCAL INFILE '${table}.tsv' INTO TABLE ${quoteMysql(table)} CHARACTER SET utf8mb4 (${list})${set}`,
    // mysql2 copies the stream's chunks into packets: they must be Buffers, not strings.
    infileStreamFactory: () =>
      Readable.from(asBuffers(tsvChunks(sqlRows(spec, table), mariadbBinary))),
  });
}

async function countRows(connection: Connection): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const [rows] = await connection.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM ${quoteMysql(table)}`,
    );
    counts[table] = Number(rows[0]?.['n'] ?? -1);
  }
  return counts;
}

/** (Re)creates `bench` on MariaDB and fills it. */
export async function generateMysqlDataset(url: URL, spec: DatasetSpec): Promise<GeneratedDataset> {
  return withMysql(url, '', async (connection) => {
    await connection.query(
      'SET SESSION sql_log_bin = 0, unique_checks = 0, foreign_key_checks = 0',
    );
    await connection.query(`DROP DATABASE IF EXISTS ${quoteMysql(MYSQL_BENCH_DATABASE)}`);
    await connection.query(
      `CREATE DATABASE ${quoteMysql(MYSQL_BENCH_DATABASE)} CHARACTER SET utf8mb4`,
    );
    await connection.query(`USE ${quoteMysql(MYSQL_BENCH_DATABASE)}`);
    for (const ddl of CREATE_TABLES) await connection.query(ddl);
    for (const table of TABLES) await loadTable(connection, spec, table);
    // Fresh statistics, so information_schema's sizes describe the loaded tables.
    await connection.query(`ANALYZE TABLE ${TABLES.map(quoteMysql).join(', ')}`);
    const [size] = await connection.query<RowDataPacket[]>(
      `SELECT SUM(data_length + index_length) AS bytes FROM information_schema.tables WHERE table_schema = ?`,
      [MYSQL_BENCH_DATABASE],
    );
    const [version] = await connection.query<RowDataPacket[]>('SELECT VERSION() AS v');
    return {
      engine: `MariaDB ${String(version[0]?.['v'] ?? '?').split('-')[0] ?? '?'}`,
      location: `database ${MYSQL_BENCH_DATABASE}`,
      counts: await countRows(connection),
      sizeBytes: Number(size[0]?.['bytes'] ?? 0),
    };
  });
}

/** Drops `bench` on MariaDB. */
export async function dropMysqlDataset(url: URL): Promise<void> {
  await withMysql(url, '', async (connection) => {
    await connection.query(`DROP DATABASE IF EXISTS ${quoteMysql(MYSQL_BENCH_DATABASE)}`);
  });
}

/** Reads orders back for the sample check. */
export async function readMysqlOrders(
  url: URL,
  ids: readonly number[],
): Promise<NormalizedOrder[]> {
  return withMysql(url, MYSQL_BENCH_DATABASE, async (connection) => {
    const [rows] = await connection.query<RowDataPacket[]>(
      'SELECT id, customer_id, quantity, status, amount, note, created_at, attrs FROM orders WHERE id IN (?)',
      [ids],
    );
    return rows.map((r) => ({
      id: Number(r['id']),
      customerId: Number(r['customer_id']),
      quantity: Number(r['quantity']),
      status: String(r['status']),
      amountCents: parseCents(String(r['amount'])),
      note: r['note'] === null ? null : String(r['note']),
      createdAtUs: parseTimestamp(String(r['created_at'])),
      // MariaDB's JSON is LONGTEXT: text on the wire.
      attrs: canonicalJson(typeof r['attrs'] === 'string' ? JSON.parse(r['attrs']) : r['attrs']),
    }));
  });
}
