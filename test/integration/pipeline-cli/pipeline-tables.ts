/**
 * Tables and a writer for the pipeline's end-to-end tests, beside test/support/source-writer.ts
 * (whose `items`, `order_lines` and `events` cover composite keys, jsonb, bytea and numeric):
 * - `"Docs"`: a mixed-case name and columns, a `body` of 10 kB of incompressible text stored
 *   out of line (STORAGE EXTERNAL, so always TOASTed), arrays, a timestamp without time zone,
 *   double precision and numeric. Most of the writer's updates leave `body` alone, so pgoutput
 *   sends it as "unchanged TOAST" and the loader must keep the stored value.
 * - `"Sales"."OrderItems"`: a mixed-case schema, a composite key of int and smallint, a
 *   boolean array, and updates that change the key.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { seededRandom } from '../../support/seeded-random.js';

/** Initial sizes; the writer's new keys start above them. */
export type PipelineTableSizes = Readonly<{ docs: number; orderItems: number }>;

/** Creates and fills `"Docs"` and `"Sales"."OrderItems"` in the database `url` names. */
export async function createPipelineTables(url: string, sizes: PipelineTableSizes): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(`
      CREATE TABLE "Docs" (
        "DocId" bigint PRIMARY KEY, "Title" text NOT NULL, body text NOT NULL, tags text[],
        scores integer[], "EditedAt" timestamp(3) without time zone, ratio double precision,
        amount numeric(20,6), meta jsonb, version integer NOT NULL DEFAULT 1);
      ALTER TABLE "Docs" ALTER COLUMN body SET STORAGE EXTERNAL;
      CREATE INDEX "Docs_Title_idx" ON "Docs" ("Title");
      CREATE SCHEMA "Sales";
      CREATE TABLE "Sales"."OrderItems" (
        "OrderNo" integer NOT NULL, "LineNo" smallint NOT NULL, "Sku" varchar(40) NOT NULL,
        qty integer, "UnitPrice" numeric(12,2), "ShippedAt" timestamptz, "Flags" boolean[],
        PRIMARY KEY ("OrderNo", "LineNo"));
      CREATE INDEX "OrderItems_ShippedAt_idx" ON "Sales"."OrderItems" ("ShippedAt");`);
    await client.query(
      `INSERT INTO "Docs" ("DocId", "Title", body, tags, scores, "EditedAt", ratio, amount, meta)
       SELECT g, 'Doc ' || g,
              (SELECT string_agg(md5(g::text || '/' || i), '') FROM generate_series(1, 320) i),
              CASE WHEN g % 5 = 0 THEN NULL ELSE ARRAY['t' || g % 3, 'quote"d', 'comma,x'] END,
              ARRAY[g, NULL, -g], '2024-02-29 12:34:56.789'::timestamp + g * interval '1 minute',
              g / 7.0::float8, g * 1.000001, jsonb_build_object('g', g, 'deep', jsonb_build_array(g, NULL))
         FROM generate_series(1, $1::int) g`,
      [sizes.docs],
    );
    await client.query(
      `INSERT INTO "Sales"."OrderItems" ("OrderNo", "LineNo", "Sku", qty, "UnitPrice", "ShippedAt", "Flags")
       SELECT 1 + g % 200, g, 'SKU-' || g % 37, g % 11, (g % 997) / 3.0,
              CASE WHEN g % 4 = 0 THEN NULL ELSE '2023-01-01 00:00:00+00'::timestamptz + g * interval '1 hour' END,
              ARRAY[g % 2 = 0, NULL]
         FROM generate_series(1, $1::int) g`,
      [sizes.orderItems],
    );
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}

/** What the writer did. */
export interface PipelineWriterStats {
  transactions: number;
  inserts: number;
  /** Updates of `"Docs"` that leave the TOASTed `body` alone. */
  toastUntouchedUpdates: number;
  bodyUpdates: number;
  /** Other updates of `"Sales"."OrderItems"`. */
  updates: number;
  keyChanges: number;
  deletes: number;
  errors: string[];
}

type StatementKind = Exclude<keyof PipelineWriterStats, 'transactions' | 'errors'>;

export interface PipelineWriter {
  stop(): Promise<PipelineWriterStats>;
}

type Counters = { doc: number; line: number };
type Statement = Readonly<{ sql: string; params: unknown[]; kind: StatementKind }>;

function body(): string {
  return randomBytes(5000).toString('hex');
}

function docStatement(roll: number, pick: (n: number) => number, counters: Counters): Statement {
  if (roll < 0.15) {
    counters.doc += 1;
    return {
      kind: 'inserts',
      sql: `INSERT INTO "Docs" ("DocId", "Title", body, tags, scores, "EditedAt", ratio, amount, meta)
            VALUES ($1, $2, $3, $4, $5, now(), $6, $7, $8)`,
      params: [
        counters.doc,
        `New ${counters.doc}`,
        body(),
        ['n', null],
        [pick(9)],
        1 / 3,
        '0.5',
        '{"n":1}',
      ],
    };
  }
  if (roll < 0.75) {
    return {
      kind: 'toastUntouchedUpdates',
      sql: `UPDATE "Docs" SET "Title" = $2, tags = array_append(coalesce(tags, '{}'), $3),
                   scores = ARRAY[$4::int, NULL], "EditedAt" = now(), ratio = $4::float8 / 3,
                   amount = amount + 0.000001, meta = jsonb_set(coalesce(meta, '{}'), '{n}', to_jsonb($4::int)),
                   version = version + 1
             WHERE "DocId" = $1`,
      params: [pick(counters.doc), `Edited ${pick(1000)}`, `tag${pick(9)}`, pick(1000)],
    };
  }
  if (roll < 0.87) {
    return {
      kind: 'bodyUpdates',
      sql: 'UPDATE "Docs" SET body = $2, version = version + 1 WHERE "DocId" = $1',
      params: [pick(counters.doc), body()],
    };
  }
  return {
    kind: 'deletes',
    sql: 'DELETE FROM "Docs" WHERE "DocId" = $1',
    params: [pick(counters.doc)],
  };
}

function lineStatement(roll: number, pick: (n: number) => number, counters: Counters): Statement {
  if (roll < 0.35) {
    counters.line += 1;
    return {
      kind: 'inserts',
      sql: `INSERT INTO "Sales"."OrderItems" ("OrderNo", "LineNo", "Sku", qty, "UnitPrice", "ShippedAt", "Flags")
            VALUES ($1, $2, $3, $4, $5, now(), $6)`,
      params: [
        pick(200),
        counters.line,
        `SKU-${pick(37)}`,
        pick(50),
        (pick(99999) / 100).toFixed(2),
        [true, false],
      ],
    };
  }
  if (roll < 0.75) {
    return {
      kind: 'updates',
      sql: `UPDATE "Sales"."OrderItems" SET qty = coalesce(qty, 0) + 1, "ShippedAt" = now(),
                   "Flags" = array_append(coalesce("Flags", '{}'), $2) WHERE "LineNo" = $1`,
      params: [pick(counters.line), pick(2) === 1],
    };
  }
  if (roll < 0.85) {
    counters.line += 1;
    return {
      kind: 'keyChanges',
      sql: 'UPDATE "Sales"."OrderItems" SET "LineNo" = $2, "OrderNo" = $3 WHERE "LineNo" = $1',
      params: [pick(counters.line - 1), counters.line, pick(200)],
    };
  }
  return {
    kind: 'deletes',
    sql: 'DELETE FROM "Sales"."OrderItems" WHERE "LineNo" = $1',
    params: [pick(counters.line)],
  };
}

/**
 * Starts the write loop: transactions of 1–3 statements on both tables. New keys start above
 * `from` (pass the current maxima when starting a second writer on the same database).
 */
export async function startPipelineWriter(
  url: string,
  from: PipelineTableSizes,
  seed = 7,
): Promise<PipelineWriter> {
  const client = new pg.Client({ connectionString: url, application_name: 'test-pipeline-writer' });
  client.on('error', () => undefined);
  await client.connect();
  const stats: PipelineWriterStats = {
    transactions: 0,
    inserts: 0,
    toastUntouchedUpdates: 0,
    bodyUpdates: 0,
    updates: 0,
    keyChanges: 0,
    deletes: 0,
    errors: [],
  };
  const random = seededRandom(seed);
  const pick = (n: number): number => 1 + Math.floor(random() * n);
  const counters: Counters = { doc: from.docs, line: from.orderItems };
  let stopping = false;
  const loop = (async () => {
    while (!stopping) {
      const statements = Array.from({ length: pick(3) }, () =>
        random() < 0.6
          ? docStatement(random(), pick, counters)
          : lineStatement(random(), pick, counters),
      );
      try {
        await client.query('BEGIN');
        for (const statement of statements) {
          await client.query(statement.sql, statement.params);
          stats[statement.kind] += 1;
        }
        await client.query('COMMIT');
        stats.transactions += 1;
      } catch (error) {
        stats.errors.push(error instanceof Error ? error.message : String(error));
        await client.query('ROLLBACK').catch(() => undefined);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    stop: async () => {
      stopping = true;
      await loop;
      await client.end();
      return { ...stats, errors: [...stats.errors] };
    },
  };
}
