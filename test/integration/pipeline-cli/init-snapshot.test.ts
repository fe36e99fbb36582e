/**
 * `init --via pipeline` without `--enable-sync`: the CLI returns 0 once the snapshot is applied,
 * and at that moment (no waiting) the target equals the source, has the source's secondary
 * indexes, and the `--json` report counts every row once. The stream start (slot) stays for a
 * later `sync`.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { runCliProcess } from '../../support/cli.js';
import { describeWithServices } from '../../support/describe-with-services.js';
import {
  createTestDatabases,
  queryOnce,
  type TestDatabases,
} from '../../support/postgres-databases.js';
import { createWriterTables } from '../../support/source-writer.js';
import { createPipelineTables } from './pipeline-tables.js';
import { describeDifferences, tableDigests } from './table-equality.js';

const Report = z.object({
  jobId: z.string().regex(/^[0-9a-f]{12}$/),
  extractor: z.object({ snapshotRows: z.number(), streamEvents: z.number() }),
  loader: z.object({ applied: z.number(), skipped: z.number(), deadLettered: z.number() }),
});

const INDEXES = `SELECT schemaname || '.' || indexname || ': ' || indexdef AS line
                   FROM pg_indexes
                  WHERE schemaname NOT IN ('pg_catalog', 'information_schema', '_replicator')
                  ORDER BY 1`;

async function indexLines(url: string): Promise<string[]> {
  const { rows } = await queryOnce(url, INDEXES);
  return rows.map((row: { line: string }) => row.line);
}

describeWithServices(['postgres'], 'init --via pipeline (snapshot only)', () => {
  let db: TestDatabases;

  beforeAll(async () => {
    db = await createTestDatabases('dr_pcli_snap');
    await createWriterTables(db.sourceUrl, { mainRows: 30_000 });
    await createPipelineTables(db.sourceUrl, { docs: 200, orderItems: 3000 });
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('returns 0 with the target equal to the source, indexes built, and every row counted once', async () => {
    const started = Date.now();
    const result = await runCliProcess(['init', '--via', 'pipeline', '--json'], db);
    expect(result.exitCode, result.stderr.slice(-3000)).toBe(0);
    expect(Date.now() - started).toBeLessThan(60_000);

    const [source, target] = await Promise.all([
      tableDigests(db.sourceUrl),
      tableDigests(db.targetUrl),
    ]);
    if (JSON.stringify(source) !== JSON.stringify(target)) {
      throw new Error(
        `target differs right after init:\n${await describeDifferences(db.sourceUrl, db.targetUrl)}`,
      );
    }
    expect(Object.keys(source)).toEqual([
      'Sales.OrderItems',
      'public.Docs',
      'public.events',
      'public.items',
      'public.order_lines',
    ]);

    const { rows } = await db.source(
      `SELECT ((SELECT count(*) FROM items) + (SELECT count(*) FROM order_lines)
             + (SELECT count(*) FROM events) + (SELECT count(*) FROM "Docs")
             + (SELECT count(*) FROM "Sales"."OrderItems"))::int AS total`,
    );
    const total = z.object({ total: z.number() }).parse(rows[0]).total;
    expect(total).toBe(30_000 + 2000 + 2000 + 200 + 3000);
    const report = Report.parse(JSON.parse(result.stdout));
    expect(report.extractor).toMatchObject({ snapshotRows: total, streamEvents: 0 });
    expect(report.loader).toMatchObject({ applied: total, deadLettered: 0 });

    const sourceIndexes = await indexLines(db.sourceUrl);
    expect(sourceIndexes.filter((line) => !/_pkey: /.test(line))).toHaveLength(3);
    expect(await indexLines(db.targetUrl)).toEqual(sourceIndexes);

    const slot = await db.source('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [
      `dr_pipe_${report.jobId}`,
    ]);
    expect(slot.rowCount, 'the stream start is kept for sync').toBe(1);
  }, 90_000);
});
