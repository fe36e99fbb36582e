/**
 * The operator surface of a running pipeline, through the CLI as a user runs it:
 * `init --via pipeline --enable-sync --metrics-port 0` serves `/healthz`, `/readyz` and a
 * Prometheus `/metrics` whose counters move between two scrapes (rows applied, batches, the
 * batch-apply histogram, snapshot progress), and `status --json`, polled from another process
 * meanwhile, shows every table advance through its phases to `streaming`, with rows of the
 * estimate and the source slot's lag.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { runCliProcess } from '../../support/cli.js';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';
import { createWriterTables, startSourceWriter } from '../../support/source-writer.js';
import { startCli, type CliChild } from '../pipeline-cli/cli-child.js';

// Large enough that status polls (one CLI process each) see the copy under way.
const MAIN_ROWS = 400_000;
const PHASES = ['pending', 'snapshot', 'snapshot_done', 'streaming', 'failed'] as const;

const StatusDocument = z.object({
  jobs: z.array(
    z.object({
      jobId: z.string(),
      lag: z.object({ bytes: z.number().nullable(), events: z.number().nullable() }),
      deadLetters: z.number().nullable(),
      tables: z.array(
        z.object({
          schema: z.string(),
          table: z.string(),
          phase: z.enum(PHASES),
          rowsCopied: z.number(),
          estimatedRows: z.number(),
          ratePerSecond: z.number().nullable(),
          etaSeconds: z.number().nullable(),
        }),
      ),
    }),
  ),
});
type StatusDocument = z.infer<typeof StatusDocument>;

/** The sum of every series of `name` (a counter or gauge) in exposition text; 0 if absent. */
function metricSum(text: string, name: string, labelFilter = ''): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => line.includes(labelFilter))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

async function scrape(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return response.text();
}

/** Polls `status --json` until every table streams; returns the documents read. */
async function pollStatus(db: TestDatabases, timeoutMs: number): Promise<StatusDocument[]> {
  const seen: StatusDocument[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const result = await runCliProcess(['status', '--json'], db);
    if (result.exitCode === 0) {
      const document = StatusDocument.parse(JSON.parse(result.stdout));
      seen.push(document);
      const tables = document.jobs.flatMap((job) => job.tables);
      if (tables.length === 3 && tables.every((t) => t.phase === 'streaming')) return seen;
    } else {
      // Before the job is registered status has nothing to show (exit 1); anything else is a bug.
      expect(result.exitCode, result.stderr.slice(-2000)).toBe(1);
    }
  }
  throw new Error(`tables did not all reach streaming: ${JSON.stringify(seen.at(-1))}`);
}

describeWithServices(['postgres'], 'operator surface of a pipeline run', () => {
  let db: TestDatabases;
  const children: CliChild[] = [];

  beforeAll(async () => {
    db = await createTestDatabases('dr_op_pipeline');
    await createWriterTables(db.sourceUrl, { mainRows: MAIN_ROWS, padBytes: 100 });
  });

  afterAll(async () => {
    for (const child of children) await child.stop();
    await db?.drop();
  });

  it('serves health and moving metrics, and status --json shows the phases advancing', async () => {
    try {
      await scenario();
    } catch (error) {
      const tail = children.map((c) => c.stderr().slice(-4000)).join('\n---\n');
      throw new Error(`${String(error)}\n--- CLI stderr\n${tail}`, { cause: error });
    }
  }, 180_000);

  async function scenario(): Promise<void> {
    const polling = pollStatus(db, 90_000);
    const cli = startCli(
      ['init', '--via', 'pipeline', '--enable-sync', '--jobs', '1', '--metrics-port', '0'],
      db,
    );
    children.push(cli);
    await cli.waitFor(/"msg":"http server listening"/, 20_000);
    const port = Number(/"port":(\d+)[^\n]*"msg":"http server listening"/.exec(cli.stderr())?.[1]);
    expect(port).toBeGreaterThan(0);

    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });

    await cli.waitFor(/"msg":"loader started"/, 30_000);
    const first = await scrape(port);
    const documents = await polling;

    // Changes while streaming move the counters further.
    const writer = await startSourceWriter(db.sourceUrl, { mainRows: MAIN_ROWS, pauseMs: 20 });
    let second = '';
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      second = await scrape(port);
      const streamed = metricSum(second, 'dr_extractor_stream_events_total');
      if (streamed > 0 && metricSum(second, 'dr_lag_events') === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const stats = await writer.stop();
    expect(stats.errors).toEqual([]);

    const applied = (text: string) => metricSum(text, 'dr_loader_rows_applied_total');
    expect(applied(second)).toBeGreaterThan(applied(first));
    expect(applied(second)).toBeGreaterThanOrEqual(MAIN_ROWS + 4000);
    expect(metricSum(second, 'dr_loader_batches_total')).toBeGreaterThan(
      metricSum(first, 'dr_loader_batches_total'),
    );
    expect(metricSum(second, 'dr_loader_batch_apply_seconds_count')).toBeGreaterThan(0);
    expect(metricSum(second, 'dr_loader_batch_apply_seconds_bucket', 'le="+Inf"')).toBe(
      metricSum(second, 'dr_loader_batch_apply_seconds_count'),
    );
    expect(metricSum(second, 'dr_extractor_stream_events_total')).toBeGreaterThan(0);
    expect(metricSum(second, 'dr_snapshot_rows', 'table="public.items"')).toBe(MAIN_ROWS);
    expect(metricSum(second, 'dr_dead_letters_total')).toBe(0);
    expect(second).toMatch(/^# TYPE dr_loader_batch_apply_seconds histogram$/m);
    expect(second).toMatch(/^dr_lag_seconds \S+$/m);

    // Each table went forward through the phases and ended streaming, fully copied; the large
    // one was seen before streaming too (small ones may copy between two polls).
    const byTable = new Map<string, string[]>();
    for (const document of documents) {
      for (const t of document.jobs.flatMap((job) => job.tables)) {
        const phases = byTable.get(`${t.schema}.${t.table}`) ?? [];
        if (phases.at(-1) !== t.phase) phases.push(t.phase);
        byTable.set(`${t.schema}.${t.table}`, phases);
      }
    }
    expect([...byTable.keys()].sort()).toEqual([
      'public.events',
      'public.items',
      'public.order_lines',
    ]);
    for (const [table, phases] of byTable) {
      const order = phases.map((phase) => PHASES.indexOf(phase as (typeof PHASES)[number]));
      expect(order, `${table}: ${phases.join(' → ')}`).toEqual([...order].sort((a, b) => a - b));
      expect(phases.at(-1), table).toBe('streaming');
    }
    const itemPhases = byTable.get('public.items') ?? [];
    expect(itemPhases.length, `public.items: ${itemPhases.join(' → ')}`).toBeGreaterThan(1);
    const last = documents.at(-1)?.jobs[0];
    const items = last?.tables.find((t) => t.table === 'items');
    expect(items).toMatchObject({ rowsCopied: MAIN_ROWS, etaSeconds: null });
    expect(last?.lag.bytes).toEqual(expect.any(Number));
    expect(
      documents.some((d) => d.jobs.some((j) => j.tables.some((t) => t.ratePerSecond !== null))),
    ).toBe(true);

    cli.signal('SIGTERM');
    expect((await cli.exit(30_000)).exitCode).toBe(130);
  }
});
