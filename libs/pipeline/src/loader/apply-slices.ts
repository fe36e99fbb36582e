/**
 * Splits a consumer batch into the slices the loader applies and commits together: at most
 * `maxMessages` messages and, past the first message, at most `maxBytes` of values, so an apply
 * batch stays bounded in memory whether messages are single events or snapshot chunks.
 */
import type { LoaderRecord } from './loader-ports.js';

/** Consecutive slices of `records`, in order; every slice has at least one record. */
export function* applySlices(
  records: readonly LoaderRecord[],
  maxMessages: number,
  maxBytes: number,
): Generator<readonly LoaderRecord[]> {
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < records.length; i += 1) {
    const size = recordBytes(records[i]);
    const full = i - start >= maxMessages || (i > start && bytes + size > maxBytes);
    if (full) {
      yield records.slice(start, i);
      start = i;
      bytes = 0;
    }
    bytes += size;
  }
  if (start < records.length) yield records.slice(start);
}

/** A record's value size; an in-process value is estimated rather than encoded. */
export function recordBytes(record: LoaderRecord | undefined): number {
  if (record === undefined) return 0;
  return record.local === undefined ? (record.value?.length ?? 0) : record.local.sizeBytes;
}
