/**
 * Interrupting `init --via pipeline` in the middle of the snapshot of a 150,000-row table, on
 * each bus, once with SIGKILL (a crash) and once with SIGTERM (stop at a checkpoint, exit 130),
 * once the target holds some but not all rows. Running `init --via pipeline` again resumes after
 * the recorded progress (`_replicator.job_tables.rows_copied` and `snapshot_after_key`; the
 * resumed run's "table snapshot started" line and its report prove it did not start over) and
 * the target ends equal to the source, every key once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import pg from 'pg';
import { z } from 'zod';
import { describeWithServices } from '../../support/describe-with-services.js';
import type { ServiceName } from '../../support/service-env.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';
import {
  jobIdFromLog,
  logLines,
  startCli,
  startedJobIds,
  type CliChild,
  type CliOutcome,
} from './cli-child.js';
import {
  expectEveryKeyOnce,
  expectPartialProgress,
  waitForPartialCopy,
  type PauseSource,
} from './partial-copy.js';
import { deleteJobTopics, kafkaBusFlag } from './kafka-topics.js';
import { expectEqualTables } from './table-equality.js';

const ROWS = 150_000;

const Report = z.object({ extractor: z.object({ snapshotRows: z.number() }) });

type Bus = Readonly<{
  name: string;
  label: string;
  services: readonly ServiceName[];
  args: () => readonly string[];
  kafka: boolean;
}>;

const BUSES: readonly Bus[] = [
  { name: 'in-process bus', label: 'm', services: ['postgres'], args: () => [], kafka: false },
  {
    name: 'Kafka',
    label: 'k',
    services: ['postgres', 'kafka'],
    args: () => ['--bus', kafkaBusFlag()],
    kafka: true,
  },
];

const SIGNALS = ['SIGKILL', 'SIGTERM'] as const;

/** Holds an exclusive lock on the source table: each snapshot page is one statement, so reads wait. */
function lockSourceTable(sourceUrl: string): PauseSource {
  return async () => {
    const client = new pg.Client({ connectionString: sourceUrl });
    client.on('error', () => undefined);
    await client.connect();
    await client.query('BEGIN');
    await client.query('LOCK TABLE big IN ACCESS EXCLUSIVE MODE');
    return async () => {
      await client.query('ROLLBACK');
      await client.end();
    };
  };
}

async function targetRows(db: TestDatabases): Promise<number> {
  // The CLI creates the table when it registers the job; before that there is nothing to count.
  const exists = await db.target("SELECT to_regclass('public.big') IS NOT NULL AS e");
  if (exists.rows[0]?.e !== true) return 0;
  const { rows } = await db.target('SELECT count(*)::int AS n FROM big');
  return z.object({ n: z.number() }).parse(rows[0]).n;
}

function expectInterrupted(signal: (typeof SIGNALS)[number], outcome: CliOutcome): void {
  if (signal === 'SIGKILL') {
    expect(outcome.exitCode).toBeUndefined();
    return;
  }
  expect(outcome.exitCode, outcome.stderr.slice(-3000)).toBe(130);
  expect(outcome.stderr).toContain('SIGTERM: stopping at the next checkpoint');
  // Soft: the data checks that follow still run and report.
  expect
    .soft(outcome.stdout, 'an interrupted init must not claim the snapshot was applied')
    .not.toContain('Snapshot applied');
  expect.soft(outcome.stdout).toContain('Stopped at a checkpoint');
}

async function expectEqual(db: TestDatabases, context: string): Promise<void> {
  await expectEveryKeyOnce(db.targetUrl, 'public.big', ROWS, context);
  await expectEqualTables(
    db.sourceUrl,
    db.targetUrl,
    `target differs after the resumed init (${context})`,
  );
}

for (const bus of BUSES) {
  for (const signal of SIGNALS) {
    describeWithServices(
      bus.services,
      `init --via pipeline, ${signal} mid-snapshot (${bus.name})`,
      () => {
        let db: TestDatabases;
        const children: CliChild[] = [];

        beforeAll(async () => {
          db = await createTestDatabases(
            `dr_pcli_${signal === 'SIGKILL' ? 'kill' : 'term'}_${bus.label}`,
          );
          await db.source(`
          CREATE TABLE big (id bigint PRIMARY KEY, tenant integer NOT NULL, payload text, at timestamptz);
          INSERT INTO big SELECT g, g % 97, repeat(md5(g::text), 6), '2024-01-01'::timestamptz + g * interval '1 second'
            FROM generate_series(1, ${ROWS}) g;
          CREATE INDEX big_tenant ON big (tenant);
          ANALYZE big;`);
        });

        afterAll(async () => {
          for (const child of children) await child.stop();
          await db?.drop();
          if (bus.kafka) for (const id of startedJobIds(children)) await deleteJobTopics(id);
        });

        it('init again resumes after the recorded progress and ends equal, every key once', async () => {
          const first = startCli(['init', '--via', 'pipeline', ...bus.args()], db);
          children.push(first);
          const resume = await waitForPartialCopy(
            first,
            { url: db.targetUrl, tableSql: 'public.big', tableName: 'big' },
            // The first saved progress: on an in-process bus progress is saved once a second,
            // and by then the reader, pages ahead of it, may have read the whole table.
            1,
            lockSourceTable(db.sourceUrl),
          );
          first.signal(signal);
          // The stop request is in before the page waiting on the lock can be read.
          if (signal === 'SIGTERM') await first.waitFor(/SIGTERM: stopping/, 10_000);
          await resume();
          const interrupted = await first.exit(30_000);
          expectInterrupted(signal, interrupted);
          const jobId = jobIdFromLog(interrupted.stderr);

          const atStop = await targetRows(db);
          const recorded = await expectPartialProgress(
            db.targetUrl,
            jobId,
            { schema: 'public', table: 'big' },
            ROWS,
          );
          const context = `at the stop: rows_copied ${recorded.rows}, target rows ${atStop}`;

          const second = startCli(['init', '--via', 'pipeline', '--json', ...bus.args()], db);
          children.push(second);
          const outcome = await second.exit(60_000);
          expect(outcome.exitCode, outcome.stderr.slice(-3000)).toBe(0);
          expect(jobIdFromLog(outcome.stderr)).toBe(jobId);
          const started = logLines(outcome.stderr, 'table snapshot started');
          expect(started).toHaveLength(1);
          expect(started[0]).toMatchObject({ table: 'public.big', rows: recorded.rows });
          expect(started[0]?.['resumeAfter']).toEqual(recorded.after);
          const report = Report.parse(JSON.parse(outcome.stdout));
          expect(report.extractor.snapshotRows).toBe(ROWS - recorded.rows);
          await expectEqual(db, context);
        }, 90_000);
      },
    );
  }
}
