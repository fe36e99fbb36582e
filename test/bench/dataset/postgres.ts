/**
 * The dataset in PostgreSQL (source cluster, database `bench`): tables created bare, filled by
 * COPY (text format) streamed from the generator, then keys and indexes built, and
 * VACUUM ANALYZE so every tool reads settled pages (hint bits set, statistics current).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import {
  countTables,
  databaseSize,
  dropSlotsOf,
  qualified,
  recreateDatabase,
  serverVersion,
  withPg,
} from '../pg-db.js';
import type { GeneratedDataset, NormalizedOrder } from './generated-dataset.js';
import { SQL_COLUMNS, sqlRows } from './sql-rows.js';
import { TABLES, type DatasetSpec } from './spec.js';
import { postgresBinary, tsvChunks } from './tsv.js';
import { canonicalJson, parseCents, parseTimestamp } from './values.js';

/** The source database the dataset lives in. */
export const PG_BENCH_DATABASE = 'bench';

const CREATE_TABLES = [
  `CREATE TABLE customers (
     id bigint NOT NULL, name varchar(64) NOT NULL, email varchar(128) NOT NULL,
     country varchar(2) NOT NULL, created_at timestamp(6) NOT NULL)`,
  `CREATE TABLE orders (
     id bigint NOT NULL, customer_id bigint NOT NULL, quantity integer NOT NULL,
     status varchar(16) NOT NULL, amount numeric(12,2) NOT NULL, note text,
     created_at timestamp(6) NOT NULL, attrs jsonb NOT NULL)`,
  `CREATE TABLE order_items (
     order_id bigint NOT NULL, line_no integer NOT NULL, sku varchar(16) NOT NULL,
     quantity integer NOT NULL, unit_price numeric(12,2) NOT NULL)`,
  `CREATE TABLE events (
     seq bigint NOT NULL, order_id bigint NOT NULL, kind varchar(16) NOT NULL, occurred_at timestamp(6) NOT NULL,
     payload jsonb)`,
  `CREATE TABLE documents (
     id bigint NOT NULL, title varchar(128) NOT NULL, author varchar(64) NOT NULL,
     version integer NOT NULL, lang varchar(8) NOT NULL, page_count integer NOT NULL,
     checksum varchar(64) NOT NULL, created_at timestamp(6) NOT NULL,
     updated_at timestamp(6) NOT NULL, body text NOT NULL, content bytea NOT NULL)`,
];

const AFTER_LOAD = [
  'ALTER TABLE customers ADD PRIMARY KEY (id)',
  'ALTER TABLE orders ADD PRIMARY KEY (id)',
  'ALTER TABLE order_items ADD PRIMARY KEY (order_id, line_no)',
  'ALTER TABLE documents ADD PRIMARY KEY (id)',
  'ALTER TABLE events ADD PRIMARY KEY (seq)',
  'CREATE INDEX events_order_id_idx ON events (order_id)',
];

/** (Re)creates `bench` on the source and fills it. */
export async function generatePostgresDataset(
  sourceUrl: URL,
  spec: DatasetSpec,
): Promise<GeneratedDataset> {
  await dropSlotsOf(sourceUrl, PG_BENCH_DATABASE);
  await recreateDatabase(sourceUrl, PG_BENCH_DATABASE);
  return withPg(sourceUrl, PG_BENCH_DATABASE, async (client) => {
    for (const ddl of CREATE_TABLES) await client.query(ddl);
    for (const table of TABLES) {
      const columns = SQL_COLUMNS[table].join(', ');
      const copy = client.query(
        copyFrom(`COPY ${qualified('public', table)} (${columns}) FROM STDIN`),
      );
      await pipeline(Readable.from(tsvChunks(sqlRows(spec, table), postgresBinary)), copy);
    }
    for (const ddl of AFTER_LOAD) await client.query(ddl);
    await client.query('VACUUM ANALYZE');
    return {
      engine: `PostgreSQL ${await serverVersion(client)}`,
      location: `database ${PG_BENCH_DATABASE}`,
      counts: await countTables(client, TABLES),
      sizeBytes: await databaseSize(client, PG_BENCH_DATABASE),
    };
  });
}

/** Reads orders back for the sample check. */
export async function readPostgresOrders(
  client: Client,
  ids: readonly number[],
): Promise<NormalizedOrder[]> {
  const result = await client.query<{
    id: string;
    customer_id: string;
    quantity: number;
    status: string;
    amount: string;
    note: string | null;
    created_at: string;
    attrs: unknown;
  }>(
    `SELECT id, customer_id, quantity, status, amount::text AS amount, note,
            created_at::text AS created_at, attrs
       FROM orders WHERE id = ANY($1::bigint[])`,
    [ids],
  );
  return result.rows.map((r) => ({
    id: Number(r.id),
    customerId: Number(r.customer_id),
    quantity: r.quantity,
    status: r.status,
    amountCents: parseCents(r.amount),
    note: r.note,
    createdAtUs: parseTimestamp(r.created_at),
    attrs: canonicalJson(r.attrs),
  }));
}
