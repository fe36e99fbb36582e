/**
 * `verify --repair` PostgreSQL → PostgreSQL with the built CLI: after one cell is changed, one
 * row deleted and one row inserted directly on the target, verify names exactly those three keys
 * (exit 1); `--repair` re-copies them through the apply path (exit 0); a second verify is clean
 * and an independent dump of both databases is equal.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { runCliProcess } from '../../support/cli.js';
import { acceptanceSize } from '../../support/acceptance-size.js';
import { describeWithServices } from '../../support/describe-with-services.js';
import {
  createTestDatabases,
  dumpAllTables,
  type TestDatabases,
} from '../../support/postgres-databases.js';

// The acceptance's table has 1,000,000 rows: DR_ACCEPTANCE_ROWS=1000000 runs it at that size.
const SIZE = acceptanceSize(50_000);
const ROWS = SIZE.rows;

const reportSchema = z.object({
  ok: z.boolean(),
  tables: z.array(
    z.object({
      table: z.string(),
      status: z.string(),
      missing: z.array(z.record(z.string(), z.string())),
      extra: z.array(z.record(z.string(), z.string())),
      different: z.array(z.record(z.string(), z.string())),
    }),
  ),
});

const DDL = `CREATE TABLE items (id bigint PRIMARY KEY, name text, qty int, price numeric(12,2),
  at timestamptz, doc jsonb, raw bytea);`;
const FILL = `INSERT INTO items SELECT g, 'item ' || g, g % 13, round(g / 7.0, 2),
  timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second',
  jsonb_build_object('g', g, 'tags', jsonb_build_array('a', g % 3)),
  decode(lpad(to_hex(g), 8, '0'), 'hex') FROM generate_series(1, ${ROWS}) g;`;

async function verify(db: TestDatabases, repair = false) {
  const result = await runCliProcess(['verify', '--json', ...(repair ? ['--repair'] : [])], db);
  expect([0, 1], result.stderr.slice(-2000)).toContain(result.exitCode);
  return { exitCode: result.exitCode, report: reportSchema.parse(JSON.parse(result.stdout)) };
}

describeWithServices(['postgres'], 'verify --repair (PostgreSQL → PostgreSQL)', () => {
  let db: TestDatabases;

  beforeAll(async () => {
    db = await createTestDatabases('dr_verify_repair');
    await db.source(DDL + FILL);
    // The same rows on the target, written independently of the code under test.
    await db.target(DDL + FILL);
  }, SIZE.timeout(60_000));

  afterAll(async () => {
    await db?.drop();
  });

  it(
    'names the changed, deleted and inserted keys; --repair fixes them',
    async () => {
      const clean = await verify(db);
      expect(clean.exitCode).toBe(0);

      await db.target(`UPDATE items SET qty = qty + 1 WHERE id = 31337;
      DELETE FROM items WHERE id = 777;
      INSERT INTO items (id, name) VALUES (${ROWS + 1}, 'only on the target');`);
      const first = await verify(db);
      expect(first.exitCode).toBe(1);
      expect(first.report.tables).toEqual([
        {
          table: 'public.items',
          status: 'different',
          different: [{ id: '31337' }],
          missing: [{ id: '777' }],
          extra: [{ id: String(ROWS + 1) }],
        },
      ]);

      const repaired = await verify(db, true);
      expect(repaired.exitCode).toBe(0);
      expect(repaired.report.ok).toBe(true);

      const again = await verify(db);
      expect(again.exitCode).toBe(0);
      expect(again.report.tables.map((t) => t.status)).toEqual(['ok']);
      expect(await dumpAllTables(db.targetUrl)).toEqual(await dumpAllTables(db.sourceUrl));
    },
    SIZE.timeout(120_000),
  );
});
