/**
 * Row-level comparison of one small key range, read from both sides. A map join rather than a
 * sorted merge: keys are compared as text, which does not sort like the engine's key order
 * (`'10' < '9'`), and a leaf range is small enough to hold in memory.
 */
import { keyString, type RowKey } from './key-range.js';
import type { RowHash } from './table-checksummer.js';

/** Keys that differ between source and target, each list in key order. */
export type RowDiff = Readonly<{
  /** On the source, not on the target. */
  missing: readonly RowKey[];
  /** On the target, not on the source. */
  extra: readonly RowKey[];
  /** On both, with different contents. */
  different: readonly RowKey[];
}>;

/** No differences. */
export const NO_DIFF: RowDiff = Object.freeze({ missing: [], extra: [], different: [] });

/** Compares the rows of one range: `source` and `target` as returned by `rowHashes`. */
export function diffRows(source: readonly RowHash[], target: readonly RowHash[]): RowDiff {
  const targetHashes = new Map(target.map((row) => [keyString(row.key), row.hash]));
  const missing: RowKey[] = [];
  const different: RowKey[] = [];
  const seen = new Set<string>();
  for (const row of source) {
    const id = keyString(row.key);
    seen.add(id);
    const hash = targetHashes.get(id);
    if (hash === undefined) missing.push(row.key);
    else if (hash !== row.hash) different.push(row.key);
  }
  const extra = target.filter((row) => !seen.has(keyString(row.key))).map((row) => row.key);
  return Object.freeze({ missing, extra, different });
}

/** Concatenates diffs of consecutive ranges, keeping key order. */
export function concatDiffs(diffs: readonly RowDiff[]): RowDiff {
  return Object.freeze({
    missing: diffs.flatMap((d) => d.missing),
    extra: diffs.flatMap((d) => d.extra),
    different: diffs.flatMap((d) => d.different),
  });
}

/**
 * Keeps the differences of `latest` whose key also differed in `earlier`: a key that differed
 * only once was a change in flight, not a persistent difference.
 */
export function persistentDiff(earlier: RowDiff, latest: RowDiff): RowDiff {
  const before = new Set(
    [...earlier.missing, ...earlier.extra, ...earlier.different].map(keyString),
  );
  const keep = (keys: readonly RowKey[]) => keys.filter((key) => before.has(keyString(key)));
  return Object.freeze({
    missing: keep(latest.missing),
    extra: keep(latest.extra),
    different: keep(latest.different),
  });
}

/** Number of differing keys. */
export function diffSize(diff: RowDiff): number {
  return diff.missing.length + diff.extra.length + diff.different.length;
}
