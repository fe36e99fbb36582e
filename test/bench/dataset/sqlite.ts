/**
 * The dataset in SQLite: a file under the work directory, filled with prepared INSERTs in
 * transactions of 50,000 rows, with journaling and syncing off while loading (a crash just means
 * generating again) and the file returned to rollback-journal mode at the end, so readers such as
 * pgloader see one self-contained file. Declared types follow PostgreSQL's names so type-mapping
 * tools see what a real application schema would declare.
 */
import { rmSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import Database from 'better-sqlite3';
import type { GeneratedDataset, NormalizedOrder } from './generated-dataset.js';
import { SQL_COLUMNS, sqlRows } from './sql-rows.js';
import { TABLES, type DatasetSpec } from './spec.js';
import { canonicalJson, parseCents, parseTimestamp } from './values.js';

const ROWS_PER_TRANSACTION = 50_000;

const CREATE_TABLES = [
  `CREATE TABLE customers (
     id INTEGER PRIMARY KEY, name VARCHAR(64) NOT NULL, email VARCHAR(128) NOT NULL,
     country VARCHAR(2) NOT NULL, created_at TIMESTAMP NOT NULL)`,
  `CREATE TABLE orders (
     id INTEGER PRIMARY KEY, customer_id BIGINT NOT NULL, quantity INTEGER NOT NULL,
     status VARCHAR(16) NOT NULL, amount NUMERIC(12,2) NOT NULL, note TEXT,
     created_at TIMESTAMP NOT NULL, attrs JSON NOT NULL)`,
  `CREATE TABLE order_items (
     order_id BIGINT NOT NULL, line_no INTEGER NOT NULL, sku VARCHAR(16) NOT NULL,
     quantity INTEGER NOT NULL, unit_price NUMERIC(12,2) NOT NULL,
     PRIMARY KEY (order_id, line_no))`,
  `CREATE TABLE events (
     seq INTEGER PRIMARY KEY, order_id BIGINT NOT NULL, kind VARCHAR(16) NOT NULL, occurred_at TIMESTAMP NOT NULL, payload JSON)`,
  'CREATE INDEX events_order_id_idx ON events (order_id)',
  `CREATE TABLE documents (
     id INTEGER PRIMARY KEY, title VARCHAR(128) NOT NULL, author VARCHAR(64) NOT NULL,
     version INTEGER NOT NULL, lang VARCHAR(8) NOT NULL, page_count INTEGER NOT NULL,
     checksum VARCHAR(64) NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL,
     body TEXT NOT NULL, content BLOB NOT NULL)`,
];

/** Opens the benchmark file; ids stay below 2^53, so plain numbers are exact. */
export function openSqlite(path: string, readonly = false): Database.Database {
  return new Database(path, { readonly, fileMustExist: readonly });
}

/** Removes the file and any journal left beside it. */
export function dropSqliteDataset(path: string): void {
  for (const suffix of ['', '-journal', '-wal', '-shm'])
    rmSync(`${path}${suffix}`, { force: true });
}

/** (Re)creates the SQLite file and fills it. */
export async function generateSqliteDataset(
  path: string,
  spec: DatasetSpec,
): Promise<GeneratedDataset> {
  dropSqliteDataset(path);
  const db = openSqlite(path);
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    for (const ddl of CREATE_TABLES) db.exec(ddl);
    const counts: Record<string, number> = {};
    for (const table of TABLES) {
      const columns = SQL_COLUMNS[table];
      const insert = db.prepare(
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      );
      let batch: unknown[][] = [];
      const flush = db.transaction((rows: unknown[][]) => {
        for (const row of rows) insert.run(row);
      });
      for (const row of sqlRows(spec, table)) {
        batch.push(row);
        if (batch.length >= ROWS_PER_TRANSACTION) {
          flush(batch);
          batch = [];
        }
      }
      flush(batch);
      counts[table] = Number(db.prepare(`SELECT count(*) AS n FROM ${table}`).pluck().get());
    }
    db.pragma('journal_mode = DELETE');
    db.exec('ANALYZE');
    return {
      engine: `SQLite ${String(db.prepare('SELECT sqlite_version()').pluck().get())}`,
      location: path,
      counts,
      sizeBytes: (await stat(path)).size,
    };
  } finally {
    db.close();
  }
}

/** Reads orders back for the sample check. */
export function readSqliteOrders(path: string, ids: readonly number[]): NormalizedOrder[] {
  const db = openSqlite(path, true);
  try {
    const select = db.prepare<[number], Record<string, string | number | null>>(
      'SELECT id, customer_id, quantity, status, amount, note, created_at, attrs FROM orders WHERE id = ?',
    );
    return ids.flatMap((id) => {
      const r = select.get(id);
      if (r === undefined) return [];
      return [
        {
          id: Number(r['id']),
          customerId: Number(r['customer_id']),
          quantity: Number(r['quantity']),
          status: String(r['status']),
          // NUMERIC affinity stored "123.45" as a REAL.
          amountCents: parseCents(r['amount'] ?? ''),
          note: r['note'] === null ? null : String(r['note']),
          createdAtUs: parseTimestamp(String(r['created_at'])),
          attrs: canonicalJson(JSON.parse(String(r['attrs']))),
        },
      ];
    });
  } finally {
    db.close();
  }
}
