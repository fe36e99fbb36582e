/**
 * Baseline `pg-binary-copy`, the single-machine limit for PostgreSQL -> PostgreSQL: tables created
 * from `pg_dump --schema-only --section=pre-data`, each table streamed by
 * `COPY … TO STDOUT (FORMAT binary)` on the source into `COPY … FROM STDIN (FORMAT binary)` on the
 * target (N tables at a time, largest first, all reading one exported snapshot, as pg_dump -j
 * does), then keys and indexes from `--section=post-data`. Nothing is parsed or converted in
 * between, so no tool moving rows through a process can beat it on this machine. It runs inside
 * the harness, so there is no separate process to measure memory of.
 */
import { pipeline } from 'node:stream/promises';
import { escapeLiteral, type Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { datasetOf, type BenchContext } from '../bench-context.js';
import { PG_BENCH_DATABASE } from '../dataset/postgres.js';
import {
  connectPg,
  countTables,
  dropDatabase,
  qualified,
  recreateDatabase,
  withPg,
} from '../pg-db.js';
import { copySchema } from '../pg-tools.js';
import type { Measurement } from '../result.js';
import { TARGET_DATABASES } from '../target-databases.js';
import { assertSameCounts, sumCounts } from './copy-check.js';

const TARGET_DB = TARGET_DATABASES.binaryCopy;

/** Source tables, largest first, so the big one starts at once and small ones fill in. */
async function tablesBySize(client: Client): Promise<string[]> {
  const result = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY pg_total_relation_size(c.oid) DESC`,
  );
  return result.rows.map((r) => r.name);
}

async function copyTables(ctx: BenchContext, tables: string[]): Promise<void> {
  const { pgSource, pgTarget } = ctx.endpoints;
  const workers = Math.max(1, Math.min(ctx.options.jobs, tables.length));
  const opened: Client[] = [];
  try {
    const exporter = await connectPg(pgSource, PG_BENCH_DATABASE);
    opened.push(exporter);
    await exporter.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snapshot =
      (await exporter.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0]?.id ?? '';
    const queue = [...tables];
    const worker = async (): Promise<void> => {
      const source = await connectPg(pgSource, PG_BENCH_DATABASE);
      const target = await connectPg(pgTarget, TARGET_DB);
      opened.push(source, target);
      await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // SET TRANSACTION takes no parameters: the snapshot id goes in as a quoted literal.
      await source.query(`SET TRANSACTION SNAPSHOT ${escapeLiteral(snapshot)}`);
      for (let table = queue.shift(); table !== undefined; table = queue.shift()) {
        const name = qualified('public', table);
        await pipeline(
          source.query(copyTo(`COPY ${name} TO STDOUT (FORMAT binary)`)),
          target.query(copyFrom(`COPY ${name} FROM STDIN (FORMAT binary)`)),
        );
      }
      await source.query('COMMIT');
    };
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    await Promise.all(opened.map((c) => c.end().catch(() => undefined))); // closing is best effort
  }
}

export async function runBinaryCopy(ctx: BenchContext): Promise<Measurement> {
  const { pgSource, pgTarget } = ctx.endpoints;
  await recreateDatabase(pgTarget, TARGET_DB);
  try {
    const started = performance.now();
    await copySchema(ctx.pgPassFile, pgSource, PG_BENCH_DATABASE, pgTarget, TARGET_DB, 'pre-data');
    const tables = await withPg(pgSource, PG_BENCH_DATABASE, tablesBySize);
    const copyStarted = performance.now();
    await copyTables(ctx, tables);
    const copyMs = performance.now() - copyStarted;
    await copySchema(ctx.pgPassFile, pgSource, PG_BENCH_DATABASE, pgTarget, TARGET_DB, 'post-data');
    const wallMs = performance.now() - started;
    const source = await withPg(pgSource, PG_BENCH_DATABASE, (c) => countTables(c, tables));
    const target = await withPg(pgTarget, TARGET_DB, (c) => countTables(c, tables));
    assertSameCounts('binary COPY', source, target);
    return {
      wallSeconds: wallMs / 1000,
      count: sumCounts(source),
      unit: 'rows',
      bytes: datasetOf(ctx, 'postgres').sizeBytes,
      peakRssBytes: null,
      lag: null,
      notes: [
        `COPY ${(copyMs / 1000).toFixed(1)} s, keys and indexes ${((wallMs - copyMs) / 1000).toFixed(1)} s`,
      ],
    };
  } finally {
    await dropDatabase(pgTarget, TARGET_DB);
  }
}
