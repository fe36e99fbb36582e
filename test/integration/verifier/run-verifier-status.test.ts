/**
 * `database-replicator run verifier` and `status`'s last verify run, PostgreSQL → PostgreSQL
 * against the real clusters, the built CLI as a child process. Both sides get the same rows and
 * a native subscription (no initial copy) so `status` has a replication to show; the target is
 * then changed by hand. `run verifier --once` must exit 0 while the sides are equal and 1 once
 * they differ, recording each run, and `status` (text and --json) must show "never verified"
 * before the first run and the last run's time, status and counts after each.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { runCliProcess } from '../../support/cli.js';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';

const DDL = 'CREATE TABLE people (id int PRIMARY KEY, name text);';
const ROWS = "INSERT INTO people SELECT g, 'n' || g FROM generate_series(1, 150) g;";

const lastVerifySchema = z
  .object({
    job: z.string(),
    trigger: z.string(),
    startedAt: z.string(),
    finishedAt: z.string(),
    status: z.string(),
    tables: z.number(),
    tablesDiffering: z.number(),
    rowsCompared: z.number(),
    missing: z.number(),
    extra: z.number(),
    different: z.number(),
    repaired: z.boolean(),
    error: z.string().nullable(),
  })
  .nullable();
const statusSchema = z.object({
  subscriptions: z.array(z.object({ name: z.string() })),
  lastVerify: lastVerifySchema,
});

describeWithServices(['postgres'], 'run verifier and the last verify run in status', () => {
  let db: TestDatabases;

  /** `run verifier` with the pair's URLs; HTTP on a free port. */
  function runVerifier(args: readonly string[]) {
    return runCliProcess(['run', 'verifier', ...args], db, { DR_HTTP_PORT: '0' });
  }

  async function statusJson() {
    const result = await runCliProcess(['status', '--json'], db);
    expect(result.exitCode, result.stderr).toBe(0);
    return statusSchema.parse(JSON.parse(result.stdout));
  }

  async function recordedRuns() {
    const { rows } = await db.target(
      `SELECT job, trigger, status, different::int
         FROM _replicator.verify_runs ORDER BY id`,
    );
    return rows;
  }

  beforeAll(async () => {
    db = await createTestDatabases('dr_run_verifier');
    await db.source(`${DDL}${ROWS} CREATE PUBLICATION ${db.name}_pub FOR ALL TABLES`);
    await db.target(DDL + ROWS);
    const conninfo = db.sourceUrl.replaceAll("'", "''");
    await db.target(
      `CREATE SUBSCRIPTION ${db.name}_sub CONNECTION '${conninfo}'
         PUBLICATION ${db.name}_pub WITH (copy_data = false)`,
    );
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('status says "never verified" before any run, in text and --json', async () => {
    const document = await statusJson();
    expect(document.subscriptions.map((s) => s.name)).toEqual([`${db.name}_sub`]);
    expect(document.lastVerify).toBeNull();
    const text = await runCliProcess(['status'], db);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toContain('last verify: never verified');
  });

  it('run verifier --once exits 0 when source and target are equal and records the run', async () => {
    const result = await runVerifier(['--once']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain('verify run finished');
    expect(await recordedRuns()).toEqual([
      { job: db.name, trigger: 'service', status: 'ok', different: 0 },
    ]);

    const { lastVerify } = await statusJson();
    expect(lastVerify).toMatchObject({
      job: db.name,
      trigger: 'service',
      status: 'ok',
      tables: 1,
      tablesDiffering: 0,
      rowsCompared: 150,
      missing: 0,
      extra: 0,
      different: 0,
      repaired: false,
      error: null,
    });
    expect(Date.parse(lastVerify?.finishedAt ?? '')).toBeGreaterThan(Date.now() - 120_000);
    const text = await runCliProcess(['status'], db);
    expect(text.stdout).toContain(
      `last verify: ok at ${lastVerify?.finishedAt} (service): 1 table, 150 rows compared`,
    );
  });

  it('run verifier --once exits 1 on a difference; status shows the newest run and its counts', async () => {
    await db.target(
      "UPDATE people SET name = 'changed' WHERE id IN (3, 4); DELETE FROM people WHERE id = 9",
    );
    const result = await runVerifier(['--once', '--interval', '5']);
    expect(result.exitCode, result.stderr).toBe(1);
    expect((await recordedRuns()).map((r) => r['status'])).toEqual(['ok', 'different']);

    const { lastVerify } = await statusJson();
    expect(lastVerify).toMatchObject({
      status: 'different',
      tables: 1,
      tablesDiffering: 1,
      missing: 1,
      extra: 0,
      different: 2,
    });
    const text = await runCliProcess(['status'], db);
    expect(text.stdout).toContain(
      `last verify: different at ${lastVerify?.finishedAt} (service): 1 of 1 table differ (1 missing, 0 extra, 2 different keys), 150 rows compared`,
    );
  });
});
