/**
 * Sample values for a verify report: the first keys of each table's `different` list read again
 * from both sides (the source through the run's repair reader, the target through libs/postgres's
 * row reader; both return wire-encoded rows) and reduced to the columns whose values differ, with
 * masked columns hidden. Rows changed in between show what they hold now; a key gone from either
 * side by then has no sample.
 */
import type { ChangeRow, Secret } from '@database-replicator/core';
import {
  maskSample,
  maskedColumnsOf,
  sampleRow,
  type KeyObject,
  type MaskColumns,
  type RepairSource,
  type RowSample,
  type TableVerifyResult,
  type VerifyReport,
} from '@database-replicator/pipeline';
import { openPostgresRepairSource } from '@database-replicator/postgres';
import type { VerifyRun } from './open-verify-run.js';

/** A table's result with sample values of its first differing keys. */
export type SampledTableResult = TableVerifyResult & Readonly<{ samples: readonly RowSample[] }>;

/** A verify report whose tables carry samples. */
export type SampledVerifyReport = Readonly<{
  ok: boolean;
  tables: readonly SampledTableResult[];
}>;

/** Options of {@link readVerifySamples}. */
export type VerifySampleOptions = Readonly<{
  /** Differing keys sampled per table. */
  perTable: number;
  mask: MaskColumns;
}>;

type RowReader = Pick<RepairSource, 'readRows'>;

function rowText(keyColumns: readonly string[], row: ChangeRow): string {
  return JSON.stringify(keyColumns.map((column) => String(row[column] ?? '')));
}

async function samplesOf(
  run: VerifyRun,
  result: TableVerifyResult,
  source: RowReader,
  target: RowReader,
  options: VerifySampleOptions,
): Promise<readonly RowSample[]> {
  const id = run.ids.get(result.table);
  const keys = result.different.slice(0, options.perTable);
  if (id === undefined || keys.length === 0 || result.keyColumns.length === 0) return [];
  const { keyColumns } = result;
  const wanted = keys.map((key) => keyColumns.map((column) => key[column] ?? ''));
  const byKey = (rows: readonly ChangeRow[]) =>
    new Map(rows.map((row) => [rowText(keyColumns, row), row]));
  const sourceRows = byKey(await source.readRows(id, keyColumns, wanted));
  const targetRows = byKey(await target.readRows(id, keyColumns, wanted));
  const masked = maskedColumnsOf(options.mask, result.table);
  return keys.flatMap((key: KeyObject) => {
    const text = JSON.stringify(keyColumns.map((column) => key[column] ?? ''));
    const before = sourceRows.get(text);
    const after = targetRows.get(text);
    if (before === undefined || after === undefined) return [];
    return [maskSample(sampleRow(key, before, after), masked)];
  });
}

/**
 * `report` with samples added to every table with differing keys; tables without any get an
 * empty list. Does not close `run`.
 *
 * @throws ReplicatorError what the row readers throw.
 */
export async function readVerifySamples(
  run: VerifyRun,
  report: VerifyReport,
  target: Secret,
  options: VerifySampleOptions,
): Promise<SampledVerifyReport> {
  const none = (t: TableVerifyResult): SampledTableResult => ({ ...t, samples: [] });
  if (options.perTable < 1 || report.tables.every((t) => t.different.length === 0)) {
    return Object.freeze({ ok: report.ok, tables: report.tables.map(none) });
  }
  const source = await run.repairSource();
  const targetReader = await openPostgresRepairSource(target);
  try {
    const tables: SampledTableResult[] = [];
    for (const result of report.tables) {
      const samples = await samplesOf(run, result, source, targetReader, options);
      tables.push({ ...result, samples });
    }
    return Object.freeze({ ok: report.ok, tables: Object.freeze(tables) });
  } finally {
    await targetReader.close();
  }
}
