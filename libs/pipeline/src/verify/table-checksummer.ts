/**
 * The contract between the generic verifier and an engine: how one side (source or target) of
 * one table counts and hashes rows by key range. Engines implement it structurally (they need
 * not import this module); the caller wires an engine's checksummers into {@link verifyTables}.
 * Same-engine checksummers push hashing into SQL; cross-engine ones canonicalise values first
 * (issue 7). Both sides of a comparison must hash the same canonical form of a row.
 */
import type { KeyRange, RowKey } from './key-range.js';

/** Row count and an order-independent hash of the rows of a range. */
export type RangeChecksum = Readonly<{
  rows: number;
  /** Opaque; equal for equal row sets (e.g. a sum of per-row 64-bit hashes as decimal text). */
  hash: string;
}>;

/** One row's key and hash. */
export type RowHash = Readonly<{ key: RowKey; hash: string }>;

/**
 * One side of one table. Methods may be called concurrently; each call is one short query.
 * Keys are compared by their text forms, so both sides must render a key the same way.
 */
export interface TableChecksummer {
  /**
   * Keys cutting the table into ranges of about `chunkRows` rows, ascending; read on the source
   * only, lazily, so hashing starts before planning ends. Yields nothing for a table with
   * `chunkRows` rows or fewer. Optional: without it the verifier walks the key index with
   * `keyAt`, each boundary found from the previous one (keyset pagination).
   */
  planBoundaries?(chunkRows: number): AsyncIterable<RowKey>;
  /** Count and hash of the rows in `range`. */
  hashRange(range: KeyRange): Promise<RangeChecksum>;
  /** The key at zero-based `offset` within `range` in key order; null past its end. */
  keyAt(range: KeyRange, offset: number): Promise<RowKey | null>;
  /** Key and hash of every row in `range`, ordered by key; called for small ranges only. */
  rowHashes(range: KeyRange): Promise<readonly RowHash[]>;
}

/**
 * How far a running change stream has got, so that differences caused by changes still in
 * flight are re-checked instead of reported. Positions are opaque to the verifier.
 */
export interface ReplicationProgress {
  /** The source's current position; every change committed before the call is at or below it. */
  sourcePosition(): Promise<string>;
  /**
   * Waits until the target has applied everything up to `position`.
   * Resolves false when `timeoutMs` passes first.
   */
  waitUntilApplied(position: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
}
