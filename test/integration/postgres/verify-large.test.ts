/**
 * `verify` on a larger table (200,000 rows; DR_VERIFY_BENCH_ROWS=1000000 for the manual
 * measurement) where one cell differs: verify must name exactly that key. The log shows how
 * long verify took next to `SELECT count(*), sum(hashtext(t::text))` on both sides, the bound
 * the project aims for (verify ≤ 3× that); speed is not asserted, shared CI machines vary.
 */
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { describeWithServices } from '../../support/describe-with-services.js';
import {
  createTestDatabases,
  type TestDatabases,
  withClient,
} from '../../support/postgres-databases.js';

const CLI = fileURLToPath(
  new URL('../../../services/cli/bin/database-replicator.js', import.meta.url),
);

const ROWS = Number(process.env['DR_VERIFY_BENCH_ROWS'] ?? 200_000);
const CHANGED = Math.floor(ROWS * 0.61);

const reportSchema = z.object({
  ok: z.boolean(),
  tables: z.array(
    z.object({
      table: z.string(),
      status: z.string(),
      sourceRows: z.number().nullable(),
      targetRows: z.number().nullable(),
      missing: z.array(z.record(z.string(), z.string())),
      extra: z.array(z.record(z.string(), z.string())),
      different: z.array(z.record(z.string(), z.string())),
      ranges: z.number(),
      durationMs: z.number(),
    }),
  ),
});

/** Milliseconds the baseline aggregate takes on both sides at once. */
async function baselineMs(db: TestDatabases): Promise<number> {
  const sql = 'SELECT count(*), sum(hashtext(t::text)) FROM big t';
  const started = performance.now();
  await Promise.all([db.source(sql), db.target(sql)]);
  return performance.now() - started;
}

describeWithServices(['postgres'], `verify of a ${ROWS}-row table`, () => {
  let db: TestDatabases;

  beforeAll(async () => {
    db = await createTestDatabases('dr_verify_large');
    const ddl = `CREATE TABLE big (id bigint PRIMARY KEY, n int, label text, amount numeric(14,2),
                                   at timestamptz, doc jsonb)`;
    await db.source(ddl);
    await db.target(ddl);
    await db.source(
      `INSERT INTO big
       SELECT g, g % 1000, 'label ' || md5(g::text), g * 1.25,
              timestamptz '2024-01-01' + g * interval '1 second',
              jsonb_build_object('g', g, 'even', g % 2 = 0)
         FROM generate_series(1, ${ROWS}) g`,
    );
    await withClient(db.sourceUrl, (source) =>
      withClient(db.targetUrl, (target) =>
        pipeline(
          source.query(copyTo('COPY big TO STDOUT')),
          target.query(copyFrom('COPY big FROM STDIN')),
        ),
      ),
    );
    await db.source('VACUUM ANALYZE big');
    await db.target('VACUUM ANALYZE big');
    await db.target(`UPDATE big SET amount = amount + 0.01 WHERE id = ${CHANGED}`);
  }, 600_000);

  afterAll(async () => {
    await db?.drop();
  });

  it('names the one changed key, and logs its time against a full-table hash', async () => {
    await baselineMs(db); // warm both caches, as verify's reads would
    const baseline = await baselineMs(db);
    const started = performance.now();
    const result = await execa('node', [CLI, 'verify', '--json', '--tables', 'big'], {
      env: { ...process.env, DR_SOURCE_URL: db.sourceUrl, DR_TARGET_URL: db.targetUrl },
      reject: false,
    });
    const wallMs = performance.now() - started;
    const report = reportSchema.parse(JSON.parse(result.stdout));
    const table = report.tables[0];
    expect(result.exitCode, result.stderr).toBe(1);
    expect(table).toMatchObject({
      table: 'public.big',
      status: 'different',
      sourceRows: ROWS,
      targetRows: ROWS,
      different: [{ id: String(CHANGED) }],
      missing: [],
      extra: [],
    });
    const verifyMs = table?.durationMs ?? 0;
    console.log(
      `verify of ${ROWS} rows: ${verifyMs} ms in the verifier (${Math.round(wallMs)} ms with CLI start), ` +
        `${table?.ranges} ranges; count(*) + sum(hashtext(t::text)) on both sides: ` +
        `${Math.round(baseline)} ms; ratio ${(verifyMs / baseline).toFixed(2)}`,
    );
  }, 600_000);
});
