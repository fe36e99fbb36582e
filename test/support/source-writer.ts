/**
 * A writer for end-to-end replication tests: a loop on its own connection that keeps inserting,
 * updating and deleting rows across several tables while the code under test copies and
 * replicates the database. The tables cover what replication tends to get wrong: a composite
 * primary key, jsonb, bytea, numeric, NULLs next to empty strings, and a timestamp that updates
 * move into and out of a time window.
 *
 * `createWriterTables` creates and fills the tables; `startSourceWriter` starts the loop and
 * `stop()` ends it after the transaction in flight and reports what it did, including every
 * error (a test asserts there were none: a failing UPDATE on the source is a bug).
 */
import pg from 'pg';
import { seededRandom } from './seeded-random.js';

/** What the writer did. */
export interface WriterStats {
  transactions: number;
  inserts: number;
  updates: number;
  deletes: number;
  /** Messages of failed statements; the writer keeps going after one. */
  errors: string[];
}

export interface SourceWriter {
  /** Counts so far. */
  readonly stats: Readonly<WriterStats>;
  /** Stops after the current transaction and returns the final counts. */
  stop(): Promise<WriterStats>;
}

export interface WriterTableOptions {
  /** Rows in `items`, the big table. */
  mainRows: number;
  /** Rows in `order_lines` (composite key). Default 2000. */
  orderLines?: number;
  /** Rows in `events`, spread over the last 200 days. Default 2000. */
  events?: number;
  /** Bytes of filler text per `items` row, to make the dump take longer. Default 0. */
  padBytes?: number;
}

/** Creates and fills `items`, `order_lines` and `events` in the database `url` names. */
export async function createWriterTables(url: string, options: WriterTableOptions): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(`
      CREATE TABLE items (
        id bigint PRIMARY KEY, name text NOT NULL, qty integer, price numeric(14,4),
        attrs jsonb, blob bytea, note text, pad text, updated_at timestamptz NOT NULL DEFAULT now());
      CREATE TABLE order_lines (
        order_id bigint NOT NULL, line_no integer NOT NULL, sku text NOT NULL,
        amount numeric(12,2), meta jsonb, note text, PRIMARY KEY (order_id, line_no));
      CREATE TABLE events (
        id bigint PRIMARY KEY, happened_at timestamptz NOT NULL, kind text NOT NULL,
        payload bytea, note text);
      CREATE INDEX items_name ON items (name);`);
    await client.query(
      `INSERT INTO items (id, name, qty, price, attrs, blob, note, pad)
       SELECT g, 'item ' || g, g % 97, (g * 1.2345)::numeric(14,4),
              jsonb_build_object('g', g, 'tags', jsonb_build_array('a', g % 5), 'nested', jsonb_build_object('k', NULL)),
              CASE WHEN g % 7 = 0 THEN NULL ELSE decode(md5(g::text), 'hex') END,
              CASE g % 3 WHEN 0 THEN NULL WHEN 1 THEN '' ELSE 'note ' || g END,
              repeat('x', $2)
         FROM generate_series(1, $1::int) AS g`,
      [options.mainRows, options.padBytes ?? 0],
    );
    await client.query(
      `INSERT INTO order_lines (order_id, line_no, sku, amount, meta, note)
       SELECT 1 + g % 2000, g, 'sku-' || (g % 50), (g % 1000) / 7.0,
              CASE WHEN g % 4 = 0 THEN NULL ELSE jsonb_build_object('line', g) END,
              CASE WHEN g % 2 = 0 THEN '' ELSE NULL END
         FROM generate_series(1, $1::int) AS g`,
      [options.orderLines ?? 2000],
    );
    await client.query(
      `INSERT INTO events (id, happened_at, kind, payload, note)
       SELECT g, now() - (g % 200) * interval '1 day' - (g % 3600) * interval '1 second',
              'kind-' || (g % 4), CASE WHEN g % 5 = 0 THEN '\\x'::bytea ELSE int4send(g) END,
              CASE WHEN g % 3 = 0 THEN NULL ELSE '' END
         FROM generate_series(1, $1::int) AS g`,
      [options.events ?? 2000],
    );
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}

type Statement = { sql: string; params: unknown[]; kind: 'insert' | 'update' | 'delete' };

/** One random statement; ids above the initial ranges come from the writer's own counters. */
function nextStatement(
  random: () => number,
  counters: { item: number; line: number; event: number },
): Statement {
  const pick = (n: number) => 1 + Math.floor(random() * n);
  const roll = random();
  const table = random();
  if (table < 0.5) {
    if (roll < 0.4) {
      counters.item += 1;
      return {
        kind: 'insert',
        sql: `INSERT INTO items (id, name, qty, price, attrs, blob, note)
              VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        params: [
          counters.item,
          `new ${counters.item}`,
          pick(100),
          (random() * 1e6).toFixed(4),
          JSON.stringify({ w: counters.item, list: [1, 'two', null] }),
          random() < 0.3 ? null : Buffer.from([0, 1, 2, 255, pick(200)]),
          random() < 0.5 ? '' : null,
        ],
      };
    }
    if (roll < 0.85) {
      return {
        kind: 'update',
        sql: `UPDATE items SET qty = coalesce(qty, 0) + 1, price = $2, note = $3,
                     attrs = jsonb_set(coalesce(attrs, '{}'), '{u}', to_jsonb($4::int)),
                     blob = CASE WHEN blob IS NULL THEN '\\x00ff'::bytea ELSE NULL END,
                     updated_at = now()
               WHERE id = $1`,
        params: [
          pick(counters.item),
          (random() * 1000).toFixed(4),
          random() < 0.5 ? '' : null,
          pick(1000),
        ],
      };
    }
    return {
      kind: 'delete',
      sql: 'DELETE FROM items WHERE id = $1',
      params: [pick(counters.item)],
    };
  }
  if (table < 0.75) {
    if (roll < 0.4) {
      counters.line += 1;
      return {
        kind: 'insert',
        sql: 'INSERT INTO order_lines (order_id, line_no, sku, amount, meta, note) VALUES ($1, $2, $3, $4, $5, $6)',
        params: [
          pick(2000),
          counters.line,
          `sku-${pick(50)}`,
          (random() * 500).toFixed(2),
          random() < 0.5 ? null : JSON.stringify({ l: counters.line }),
          random() < 0.5 ? '' : null,
        ],
      };
    }
    if (roll < 0.8) {
      return {
        kind: 'update',
        sql: 'UPDATE order_lines SET amount = $3, note = $4 WHERE order_id = $1 AND line_no = $2',
        params: [
          pick(2000),
          pick(counters.line),
          (random() * 500).toFixed(2),
          random() < 0.5 ? '' : null,
        ],
      };
    }
    return {
      kind: 'delete',
      sql: 'DELETE FROM order_lines WHERE line_no = $1',
      params: [pick(counters.line)],
    };
  }
  if (roll < 0.35) {
    counters.event += 1;
    return {
      kind: 'insert',
      sql: `INSERT INTO events (id, happened_at, kind, payload, note)
            VALUES ($1, now() - $2 * interval '1 day', $3, $4, $5)`,
      params: [
        counters.event,
        pick(200) - 1,
        `kind-${pick(4)}`,
        Buffer.from([pick(255)]),
        random() < 0.5 ? '' : null,
      ],
    };
  }
  if (roll < 0.85) {
    // Moves rows into and out of a "last 90 days" window.
    return {
      kind: 'update',
      sql: `UPDATE events SET happened_at = now() - $2 * interval '1 day', note = $3 WHERE id = $1`,
      params: [pick(counters.event), random() < 0.5 ? 0 : 150, random() < 0.5 ? '' : null],
    };
  }
  return {
    kind: 'delete',
    sql: 'DELETE FROM events WHERE id = $1',
    params: [pick(counters.event)],
  };
}

export interface SourceWriterOptions {
  /** Highest ids created by createWriterTables (defaults match its defaults). */
  mainRows: number;
  orderLines?: number;
  events?: number;
  /** PRNG seed. Default 42. */
  seed?: number;
  /** Pause between transactions, ms. Default 5. */
  pauseMs?: number;
}

/** Starts the write loop on the database `url` names. */
export async function startSourceWriter(
  url: string,
  options: SourceWriterOptions,
): Promise<SourceWriter> {
  const client = new pg.Client({ connectionString: url, application_name: 'test-source-writer' });
  client.on('error', () => undefined);
  await client.connect();
  const stats: WriterStats = { transactions: 0, inserts: 0, updates: 0, deletes: 0, errors: [] };
  const random = seededRandom(options.seed ?? 42);
  const counters = {
    item: options.mainRows,
    line: options.orderLines ?? 2000,
    event: options.events ?? 2000,
  };
  let stopping = false;
  const loop = (async () => {
    while (!stopping) {
      const statements = Array.from({ length: 1 + Math.floor(random() * 4) }, () =>
        nextStatement(random, counters),
      );
      try {
        await client.query('BEGIN');
        for (const statement of statements) {
          await client.query(statement.sql, statement.params);
          stats[`${statement.kind}s`] += 1;
        }
        await client.query('COMMIT');
        stats.transactions += 1;
      } catch (error) {
        stats.errors.push(error instanceof Error ? error.message : String(error));
        await client.query('ROLLBACK').catch(() => undefined);
      }
      await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 5));
    }
  })();
  return {
    stats,
    stop: async () => {
      stopping = true;
      await loop;
      await client.end();
      return { ...stats, errors: [...stats.errors] };
    },
  };
}
