/**
 * A verification run over many tables: tables are verified up to `concurrency` at a time, and
 * every query of every table shares one limiter of `concurrency` range tasks (each task reads
 * both sides at once), so an engine needs at most `concurrency` connections per side for the
 * ranges plus one per table in flight for planning. The first failure stops the run.
 */
import { replicatorError, type Logger } from '@database-replicator/core';
import { createLimiter, joinAll } from './limiter.js';
import type { ReplicationProgress } from './table-checksummer.js';
import { isCleanStatus, type TableVerifyResult, type VerifyReport } from './verify-result.js';
import { verifyTable, type VerifyTableInput } from './verify-table.js';

/** Options of {@link verifyTables}. */
export type VerifyOptions = Readonly<{
  /** Rows per key range compared by count and hash. Default 50000. */
  chunkRows?: number;
  /** A mismatching range is bisected until it holds at most this many rows, then compared row by row. Default 1000. */
  leafRows?: number;
  /** Range tasks (and tables) in flight at once. Default 4. */
  concurrency?: number;
  /** Differing keys listed per table; more set `truncated`. Default 1000. */
  maxKeysPerTable?: number;
  /** A running change stream to wait for before re-checking mismatches. Default none. */
  progress?: ReplicationProgress | null;
  /** How long one wait for the change stream may take, in milliseconds. Default 60000. */
  catchUpTimeoutMs?: number;
  signal?: AbortSignal;
  logger?: Logger;
  /** Called as each table finishes, in completion order (for progress output). */
  onTable?: (result: TableVerifyResult) => void;
}>;

/** Defaults of {@link VerifyOptions}. */
export const VERIFY_DEFAULTS = Object.freeze({
  chunkRows: 50_000,
  leafRows: 1_000,
  concurrency: 4,
  maxKeysPerTable: 1_000,
  catchUpTimeoutMs: 60_000,
});

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isSafeInteger(result) || result < 1) {
    throw replicatorError(
      'REPL_CONFIG_INVALID',
      `verify option ${name} is ${result}; expected a whole number of at least 1`,
      {
        details: { configKey: name },
      },
    );
  }
  return result;
}

/**
 * Verifies `tables`, returning one result per table in input order.
 *
 * @throws ReplicatorError `REPL_CONFIG_INVALID` for a non-positive or fractional option;
 *   otherwise whatever a checksummer or `progress` throws, after every started query settled;
 *   the signal's reason when `signal` aborts.
 */
export async function verifyTables(
  tables: readonly VerifyTableInput[],
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const concurrency = positiveInt('concurrency', options.concurrency, VERIFY_DEFAULTS.concurrency);
  const context = {
    limiter: createLimiter(concurrency, options.signal),
    concurrency,
    chunkRows: positiveInt('chunkRows', options.chunkRows, VERIFY_DEFAULTS.chunkRows),
    leafRows: positiveInt('leafRows', options.leafRows, VERIFY_DEFAULTS.leafRows),
    maxKeysPerTable: positiveInt(
      'maxKeysPerTable',
      options.maxKeysPerTable,
      VERIFY_DEFAULTS.maxKeysPerTable,
    ),
    catchUpTimeoutMs: positiveInt(
      'catchUpTimeoutMs',
      options.catchUpTimeoutMs,
      VERIFY_DEFAULTS.catchUpTimeoutMs,
    ),
    progress: options.progress ?? null,
    logger: options.logger?.child({ component: 'verify' }),
  };
  const results: TableVerifyResult[] = new Array<TableVerifyResult>(tables.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tables.length) {
      context.limiter.signal.throwIfAborted();
      const index = next;
      next += 1;
      const input = tables[index];
      if (input === undefined) continue;
      try {
        const result = await verifyTable(input, context);
        results[index] = result;
        options.onTable?.(result);
      } catch (error) {
        context.limiter.abort(error);
        throw error;
      }
    }
  };
  await joinAll(Array.from({ length: Math.min(concurrency, tables.length) }, worker));
  return Object.freeze({
    ok: results.every((r) => isCleanStatus(r.status)),
    tables: Object.freeze(results),
  });
}
