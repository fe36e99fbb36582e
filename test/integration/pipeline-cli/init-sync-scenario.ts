/**
 * The end-to-end acceptance scenario of the pipeline through the CLI, run once per bus:
 * `init --via pipeline --enable-sync` as a child process while two writers insert, update
 * (mostly without touching the TOASTed column) and delete the whole time; once the target equals
 * the source (independent comparison, table-equality.ts) SIGTERM stops it at a checkpoint with
 * exit 130; then `sync --via pipeline` picks up the changes made meanwhile and during its run.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { INCARNATION_HEADER } from '@database-replicator/pipeline';
import { describeWithServices } from '../../support/describe-with-services.js';
import type { ServiceName } from '../../support/service-env.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';
import {
  createWriterTables,
  startSourceWriter,
  type WriterStats,
} from '../../support/source-writer.js';
import { jobIdFromLog, logLines, startCli, startedJobIds, type CliChild } from './cli-child.js';
import { deleteJobTopics, headerValues } from './kafka-topics.js';
import {
  createPipelineTables,
  startPipelineWriter,
  type PipelineTableSizes,
  type PipelineWriterStats,
} from './pipeline-tables.js';
import { waitForEqualTables } from './table-equality.js';

const MAIN_ROWS = 20_000;
const INITIAL = {
  mainRows: MAIN_ROWS,
  orderLines: 2000,
  events: 2000,
  docs: 300,
  orderItems: 1500,
};
const STOPPED_LINE = 'Stopped at a checkpoint; `database-replicator sync --via pipeline` resumes.';

type Sizes = typeof INITIAL;
type RunCounts = Readonly<{
  snapshotRows: number;
  streamed: number;
  applied: number;
  skipped: number;
  deadLetters: number;
}>;
type Writers = { stop: () => Promise<{ base: WriterStats; pipeline: PipelineWriterStats }> };

/** Options of {@link describeInitSyncScenario}. */
export type InitSyncScenario = Readonly<{
  name: string;
  services: readonly ServiceName[];
  databasePrefix: string;
  /** `--bus …` flags, empty for the default in-process bus. */
  busArgs: () => readonly string[];
  /** Whether the job's Kafka topics must be dropped afterwards. */
  kafka: boolean;
}>;

async function startWriters(url: string, from: Sizes, seed: number): Promise<Writers> {
  const base = await startSourceWriter(url, { ...from, seed });
  const pipelineSizes: PipelineTableSizes = { docs: from.docs, orderItems: from.orderItems };
  const pipeline = await startPipelineWriter(url, pipelineSizes, seed);
  return {
    stop: async () => ({ base: await base.stop(), pipeline: await pipeline.stop() }),
  };
}

/** Highest keys now, so a second writer's inserts do not collide with the first one's. */
async function currentMaxima(db: TestDatabases): Promise<Sizes> {
  const { rows } = await db.source(
    `SELECT (SELECT max(id) FROM items)::int AS "mainRows",
            (SELECT max(line_no) FROM order_lines)::int AS "orderLines",
            (SELECT max(id) FROM events)::int AS events,
            (SELECT max("DocId") FROM "Docs")::int AS docs,
            (SELECT max("LineNo") FROM "Sales"."OrderItems")::int AS "orderItems"`,
  );
  const row: Partial<Record<keyof Sizes, number>> = rows[0] ?? {};
  return {
    mainRows: row.mainRows ?? MAIN_ROWS,
    orderLines: row.orderLines ?? INITIAL.orderLines,
    events: row.events ?? INITIAL.events,
    docs: row.docs ?? INITIAL.docs,
    orderItems: row.orderItems ?? INITIAL.orderItems,
  };
}

/** Waits for equality; a failure also shows the CLI's last progress line and its dead letters. */
async function expectCaughtUp(db: TestDatabases, cli: CliChild): Promise<void> {
  try {
    await waitForEqualTables(db.sourceUrl, db.targetUrl, 35_000);
  } catch (error) {
    const progress = JSON.stringify(logLines(cli.stderr(), 'progress').at(-1));
    const letters = JSON.stringify(logLines(cli.stderr(), 'message dead-lettered'));
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\nlast CLI progress: ${progress}\ndead letters: ${letters}`, {
      cause: error,
    });
  }
}

/** SIGTERM; @returns the final report's counts from the text table. */
async function stopAtCheckpoint(cli: CliChild, jobId: string): Promise<RunCounts> {
  cli.signal('SIGTERM');
  const outcome = await cli.exit(25_000);
  expect(outcome.exitCode, outcome.stderr.slice(-3000)).toBe(130);
  expect(outcome.stderr).toContain('SIGTERM: stopping at the next checkpoint');
  expect(outcome.stdout).toContain(STOPPED_LINE);
  expect(outcome.stderr).not.toMatch(/"level":50/);
  const row = new RegExp(`^${jobId}((?:\\s+\\d+){5})\\s*$`, 'm').exec(outcome.stdout);
  const [snapshotRows = -1, streamed = -1, applied = -1, skipped = -1, deadLetters = -1] = (
    row?.[1] ?? ''
  )
    .trim()
    .split(/\s+/)
    .map(Number);
  expect(row, outcome.stdout).not.toBeNull();
  return { snapshotRows, streamed, applied, skipped, deadLetters };
}

function expectWritesHappened(stats: { base: WriterStats; pipeline: PipelineWriterStats }): void {
  expect(stats.base.errors).toEqual([]);
  expect(stats.pipeline.errors).toEqual([]);
  expect(stats.base.updates).toBeGreaterThan(20);
  expect(stats.base.deletes).toBeGreaterThan(5);
  expect(stats.pipeline.toastUntouchedUpdates).toBeGreaterThan(20);
  expect(stats.pipeline.keyChanges).toBeGreaterThan(2);
}

/** Registers the scenario's suite. */
export function describeInitSyncScenario(scenario: InitSyncScenario): void {
  describeWithServices(scenario.services, scenario.name, () => {
    let db: TestDatabases;
    let jobId: string | undefined;
    const children: CliChild[] = [];

    beforeAll(async () => {
      db = await createTestDatabases(scenario.databasePrefix);
      await createWriterTables(db.sourceUrl, INITIAL);
      await createPipelineTables(db.sourceUrl, INITIAL);
      // STORAGE EXTERNAL and 10 kB per body: every body lives in the TOAST table.
      const { rows } = await db.source(
        `SELECT pg_relation_size(reltoastrelid)::bigint AS bytes FROM pg_class WHERE oid = '"Docs"'::regclass`,
      );
      expect(Number(rows[0]?.bytes)).toBeGreaterThan(INITIAL.docs * 10_000 * 0.9);
    });

    afterAll(async () => {
      for (const child of children) await child.stop();
      await db?.drop();
      if (scenario.kafka) for (const id of startedJobIds(children)) await deleteJobTopics(id);
    });

    it('init --enable-sync copies and streams under writes until target = source; SIGTERM stops at a checkpoint (130)', async () => {
      const writers = await startWriters(db.sourceUrl, INITIAL, 42);
      const cli = startCli(
        ['init', '--via', 'pipeline', '--enable-sync', ...scenario.busArgs()],
        db,
      );
      children.push(cli);
      await cli.waitFor(/"msg":"snapshot done"/, 40_000);
      jobId = jobIdFromLog(cli.stderr());
      // From here on the writes travel through the stream.
      await sleep(3000);
      expectWritesHappened(await writers.stop());
      await expectCaughtUp(db, cli);
      const counts = await stopAtCheckpoint(cli, jobId);
      expect(counts.snapshotRows).toBeGreaterThanOrEqual(MAIN_ROWS);
      expect(counts.streamed).toBeGreaterThan(0);
      expect(counts.deadLetters).toBe(0);
      const slot = await db.source('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [
        `dr_pipe_${jobId}`,
      ]);
      expect(slot.rowCount, 'the slot outlives the run, for sync').toBe(1);
    }, 90_000);

    it('sync --via pipeline resumes from the checkpoint: changes made while stopped and during the run arrive', async () => {
      expect(jobId, 'the init test ran').toBeDefined();
      // Changes while nothing runs wait in the slot.
      await db.source(
        `UPDATE "Docs" SET "Title" = 'while stopped', version = version + 1 WHERE "DocId" <= 50`,
      );
      await db.source('DELETE FROM items WHERE id BETWEEN 100 AND 199');
      const writers = await startWriters(db.sourceUrl, await currentMaxima(db), 4242);
      const cli = startCli(['sync', '--via', 'pipeline', ...scenario.busArgs()], db);
      children.push(cli);
      await cli.waitFor(/"msg":"loader started"/, 30_000);
      await sleep(4000);
      expectWritesHappened(await writers.stop());
      await expectCaughtUp(db, cli);
      expect(jobIdFromLog(cli.stderr())).toBe(jobId);
      const counts = await stopAtCheckpoint(cli, jobId ?? '');
      expect(counts).toMatchObject({ snapshotRows: 0, deadLetters: 0 });
      expect(counts.applied).toBeGreaterThan(0);
    }, 90_000);

    if (scenario.kafka) {
      // A job's topics outlive its target: the loader tells runs apart by this stamp.
      it("stamps every message on Kafka with the job's incarnation on the target", async () => {
        expect(jobId, 'the init test ran').toBeDefined();
        const { rows } = await db.target(
          'SELECT incarnation FROM _replicator.jobs WHERE job_id = $1',
          [jobId],
        );
        const incarnation = String(rows[0]?.incarnation);
        const values = await headerValues(jobId ?? '', INCARNATION_HEADER);
        expect([...values.keys()]).toEqual([incarnation]);
        expect(values.get(incarnation)).toBeGreaterThan(0);
      }, 60_000);
    }
  });
}
