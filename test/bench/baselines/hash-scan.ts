/**
 * Baseline `hash-scan-postgres`: what the cheapest whole-table comparison costs, the yardstick of
 * issue 7's "PostgreSQL → PostgreSQL verify ≤ 3× the time of `SELECT count(*),
 * sum(hashtext(t::text))` run on source and target". The query runs over every benchmark table,
 * one table after another on one connection per side, on the source (`bench`) and on the target
 * our `ours-init-postgres` filled (`bench_ours_postgres`, so it reads exactly the rows
 * `ours-verify-postgres` compares), with the server's default settings (parallel scans allowed).
 *
 * Both sides run at once: our verify reads both sides concurrently, so the baseline does too, and
 * it is the stricter choice (sequential sides would double the baseline). Only the queries are
 * timed, not connecting (nor the wait below). Counts must agree per table, or the two databases
 * are not comparable.
 *
 * It runs right after `ours-lag-postgres`, whose last changes may still be on their way to the
 * target (the lag probe waits only for the rows it samples): the scan starts once the row counts
 * of both sides agree, or after CATCH_UP_MS, when the scan reports the difference.
 */
import type { Client } from 'pg';
import { datasetOf, type BenchContext } from '../bench-context.js';
import { PG_BENCH_DATABASE } from '../dataset/postgres.js';
import { TABLES } from '../dataset/spec.js';
import { connectPg, countTables, findTableSchema, qualified } from '../pg-db.js';
import { NotAvailable, type Measurement } from '../result.js';
import { oursTargetDatabase } from '../target-databases.js';
import { pollUntil } from '../poll.js';
import { assertSameCounts, sumCounts, tablesDiffering } from './copy-check.js';

type SideScan = Readonly<{ counts: Record<string, number>; ms: number }>;

const CATCH_UP_MS = 60_000;
const CATCH_UP_POLL_MS = 200;

/** Resolves once every table has as many rows on the target as on the source, or at the deadline. */
async function waitForEqualCounts(source: Client, target: Client): Promise<void> {
  await pollUntil(
    async () => {
      const [onSource, onTarget] = await Promise.all([
        countTables(source, TABLES),
        countTables(target, TABLES),
      ]);
      return tablesDiffering(onSource, onTarget).length === 0;
    },
    CATCH_UP_MS,
    CATCH_UP_POLL_MS,
  );
}

/** Each benchmark table's quoted name on this side (tools choose the schema). */
async function tableNames(client: Client): Promise<string[]> {
  const names: string[] = [];
  for (const table of TABLES) {
    const schema = await findTableSchema(client, table);
    if (schema === undefined) throw new Error(`table ${table} is missing`);
    names.push(qualified(schema, table));
  }
  return names;
}

/** Runs the query over `names` in order on `client`. */
async function scanSide(client: Client, names: readonly string[]): Promise<SideScan> {
  const counts: Record<string, number> = {};
  const started = performance.now();
  for (const [index, name] of names.entries()) {
    const result = await client.query<{ n: string }>(
      `SELECT count(*) AS n, sum(hashtext(t::text)) AS h FROM ${name} t`,
    );
    counts[TABLES[index] ?? name] = Number(result.rows[0]?.n ?? -1);
  }
  return { counts, ms: performance.now() - started };
}

async function connectTarget(ctx: BenchContext, database: string): Promise<Client> {
  try {
    return await connectPg(ctx.endpoints.pgTarget, database, 'dr-bench-hash-scan');
  } catch (error) {
    throw new NotAvailable(`needs ours-init-postgres's target database ${database}`, {
      cause: error,
    });
  }
}

export async function runHashScan(ctx: BenchContext): Promise<Measurement> {
  const targetDb = oursTargetDatabase('postgres');
  const target = await connectTarget(ctx, targetDb);
  const opened: Client[] = [target];
  try {
    const source = await connectPg(ctx.endpoints.pgSource, PG_BENCH_DATABASE, 'dr-bench-hash-scan');
    opened.push(source);
    const sourceNames = await tableNames(source);
    const targetNames = await tableNames(target).catch((error: unknown) => {
      throw new NotAvailable(`needs the tables ours-init-postgres copies into ${targetDb}`, {
        cause: error,
      });
    });
    await waitForEqualCounts(source, target);
    const started = performance.now();
    const [onSource, onTarget] = await Promise.all([
      scanSide(source, sourceNames),
      scanSide(target, targetNames),
    ]);
    const wallMs = performance.now() - started;
    assertSameCounts('hash scan', onSource.counts, onTarget.counts);
    return {
      wallSeconds: wallMs / 1000,
      count: sumCounts(onSource.counts),
      unit: 'rows',
      bytes: datasetOf(ctx, 'postgres').sizeBytes,
      peakRssBytes: null,
      lag: null,
      notes: [
        `count(*), sum(hashtext(t::text)) per table, source and target at once: source ${(onSource.ms / 1000).toFixed(2)} s, target ${(onTarget.ms / 1000).toFixed(2)} s (target ${targetDb})`,
      ],
    };
  } finally {
    await Promise.all(opened.map((c) => c.end().catch(() => undefined))); // closing is best effort
  }
}
