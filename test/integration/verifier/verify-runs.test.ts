/**
 * Verify's sample values, masks and run history, PostgreSQL → PostgreSQL, against the real
 * clusters: the CLI's `verify` and services/verifier as child processes. Both sides get the same
 * rows; the target is then changed by hand in an unmasked and a masked column, a row deleted and
 * one inserted. The report must show the unmasked values and "[masked]" for the masked column
 * (never its value), and every run must leave a row in `_replicator.verify_runs` with its counts.
 */
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { runCliProcess } from '../../support/cli.js';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';

const VERIFIER = fileURLToPath(
  new URL('../../../services/verifier/bin/verifier.js', import.meta.url),
);

const DDL = 'CREATE TABLE people (id int PRIMARY KEY, name text, email text, age int);';
const ROWS = `INSERT INTO people
  SELECT g, 'n' || g, 'person' || g || '@secret.example', 20 + g % 50 FROM generate_series(1, 200) g;`;
const SECRET_EMAIL = 'person5@secret.example';

const sampleSchema = z.object({
  key: z.record(z.string(), z.string()),
  columns: z.array(z.object({ column: z.string(), source: z.unknown(), target: z.unknown() })),
});
const reportSchema = z.object({
  ok: z.boolean(),
  tables: z.array(
    z.object({
      table: z.string(),
      status: z.string(),
      missing: z.array(z.record(z.string(), z.string())),
      extra: z.array(z.record(z.string(), z.string())),
      different: z.array(z.record(z.string(), z.string())),
      samples: z.array(sampleSchema),
    }),
  ),
});

type RunRow = Readonly<{
  job: string;
  trigger: string;
  status: string;
  tables: number;
  tables_differing: number;
  rows_compared: string;
  missing: string;
  extra: string;
  different: string;
  repaired: boolean;
  differing_keys: unknown;
  finished_before_start: boolean;
}>;

describeWithServices(['postgres'], 'verify samples, masks and run history', () => {
  let db: TestDatabases;

  async function runs(): Promise<RunRow[]> {
    const result = await db.target(
      `SELECT job, trigger, status, tables, tables_differing, rows_compared::text, missing::text,
              extra::text, different::text, repaired, differing_keys,
              finished_at < started_at AS finished_before_start
         FROM _replicator.verify_runs ORDER BY id`,
    );
    return result.rows as RunRow[];
  }

  function runVerifier(args: readonly string[], env: Readonly<Record<string, string>> = {}) {
    return execa('node', [VERIFIER, ...args], {
      env: {
        ...process.env,
        DR_SOURCE_URL: db.sourceUrl,
        DR_TARGET_URL: db.targetUrl,
        DR_HTTP_PORT: '0',
        DR_JOB_ID: 'people_job',
        ...env,
      },
      reject: false,
      timeout: 60_000,
    });
  }

  beforeAll(async () => {
    db = await createTestDatabases('dr_verifier');
    await db.source(DDL + ROWS);
    await db.target(DDL + ROWS);
    await db.target(`
      UPDATE people SET name = 'changed', email = 'leaked@example.org' WHERE id = 5;
      UPDATE people SET email = 'other@example.org' WHERE id = 7;
      DELETE FROM people WHERE id = 9;
      INSERT INTO people VALUES (1000, 'extra', 'x@example.org', 1);`);
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('--json shows the unmasked sample values and [masked] for a masked column, and records the run', async () => {
    const result = await runCliProcess(['verify', '--json', '--mask-columns', 'people:email'], db);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stdout).not.toContain(SECRET_EMAIL);
    expect(result.stdout).not.toContain('leaked@example.org');
    const report = reportSchema.parse(JSON.parse(result.stdout));
    const people = report.tables.find((t) => t.table === 'public.people');
    expect(people).toMatchObject({
      status: 'different',
      missing: [{ id: '9' }],
      extra: [{ id: '1000' }],
      different: [{ id: '5' }, { id: '7' }],
    });
    expect(people?.samples).toEqual([
      {
        key: { id: '5' },
        columns: [
          { column: 'name', source: 'n5', target: 'changed' },
          { column: 'email', source: '[masked]', target: '[masked]' },
        ],
      },
      { key: { id: '7' }, columns: [{ column: 'email', source: '[masked]', target: '[masked]' }] },
    ]);

    const [run] = await runs();
    expect(run).toMatchObject({
      job: db.name,
      trigger: 'cli',
      status: 'different',
      tables: 1,
      tables_differing: 1,
      rows_compared: '200',
      missing: '1',
      extra: '1',
      different: '2',
      repaired: false,
      finished_before_start: false,
    });
    expect(run?.differing_keys).toEqual([
      { table: 'public.people', kind: 'missing', key: { id: '9' } },
      { table: 'public.people', kind: 'extra', key: { id: '1000' } },
      { table: 'public.people', kind: 'different', key: { id: '5' } },
      { table: 'public.people', kind: 'different', key: { id: '7' } },
    ]);
  });

  it('prints the samples compactly in the text report, masked columns without values', async () => {
    const result = await runCliProcess(['verify', '--mask-columns', 'public.people:email'], db);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/different +id=5 +name: "n5" → "changed", email: \[masked\]/);
    expect(result.stdout).toMatch(/different +id=7 +email: \[masked\]/);
    expect(result.stdout).not.toContain('@');
  });

  it('without a mask the samples carry both values', async () => {
    const result = await runCliProcess(['verify', '--json', '--tables', 'people'], db);
    const report = reportSchema.parse(JSON.parse(result.stdout));
    expect(report.tables[0]?.samples[1]).toEqual({
      key: { id: '7' },
      columns: [{ column: 'email', source: 'person7@secret.example', target: 'other@example.org' }],
    });
  });

  it('the service with --once records a run and exits 1 on a difference, 0 once clean', async () => {
    const before = (await runs()).length;
    const different = await runVerifier(['--once'], { DR_MASK_COLUMNS: 'people:email' });
    expect(different.exitCode, different.stderr).toBe(1);
    const afterDifferent = await runs();
    expect(afterDifferent).toHaveLength(before + 1);
    expect(afterDifferent.at(-1)).toMatchObject({
      job: 'people_job',
      trigger: 'service',
      status: 'different',
      missing: '1',
      extra: '1',
      different: '2',
    });

    const repair = await runCliProcess(['verify', '--repair'], db);
    expect(repair.exitCode, repair.stderr).toBe(0);
    expect((await runs()).at(-1)).toMatchObject({ status: 'ok', repaired: true, different: '0' });

    const clean = await runVerifier(['--once']);
    expect(clean.exitCode, clean.stderr).toBe(0);
    expect((await runs()).at(-1)).toMatchObject({
      job: 'people_job',
      trigger: 'service',
      status: 'ok',
      missing: '0',
      extra: '0',
      different: '0',
      rows_compared: '200',
    });
  });

  it('the scheduled service serves /readyz and /metrics after its first run and stops on SIGTERM', async () => {
    const child = runVerifier(['--interval', '1'], { DR_LOG_LEVEL: 'info' });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const port = await waitFor(() => /"port":(\d+)/.exec(stderr)?.[1]);
    const metrics = await waitFor(async () => {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      const text = await response.text();
      return /dr_verify_runs_total\{status="ok"\} [2-9]/.test(text) ? text : undefined;
    });
    expect(metrics).toMatch(/dr_verify_differing_keys\{kind="different"\} 0/);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode, stderr).toBe(0);
  });
});

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
