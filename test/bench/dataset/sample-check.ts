/**
 * Proves the engines hold the same logical data: a few orders read back from each engine are
 * compared field by field with what the generator computes for those ids.
 */
import { orderRow } from './rows.js';
import type { NormalizedOrder } from './generated-dataset.js';
import type { DatasetSpec } from './spec.js';
import { canonicalJson } from './values.js';

/** The order ids sampled: first, middle, last. */
export function sampleOrderIds(spec: DatasetSpec): number[] {
  return [...new Set([1, Math.ceil(spec.scale / 2), spec.scale])];
}

/** The generator's order, normalised; `timestampUnitUs` 1000 for engines with millisecond dates. */
export function expectedOrder(spec: DatasetSpec, id: number, timestampUnitUs = 1): NormalizedOrder {
  const row = orderRow(spec, id);
  return {
    id: row.id,
    customerId: row.customerId,
    quantity: row.quantity,
    status: row.status,
    amountCents: row.amountCents,
    note: row.note,
    createdAtUs: Math.floor(row.createdAtUs / timestampUnitUs) * timestampUnitUs,
    attrs: canonicalJson(row.attrs),
  };
}

/** Differences between what an engine returned and the generator, as readable lines. */
export function compareOrders(
  spec: DatasetSpec,
  ids: readonly number[],
  actual: readonly NormalizedOrder[],
  timestampUnitUs = 1,
): string[] {
  const problems: string[] = [];
  for (const id of ids) {
    const got = actual.find((o) => o.id === id);
    if (got === undefined) {
      problems.push(`order ${id} missing`);
      continue;
    }
    const want = expectedOrder(spec, id, timestampUnitUs);
    for (const key of Object.keys(want) as (keyof NormalizedOrder)[]) {
      if (got[key] !== want[key]) {
        problems.push(
          `order ${id}.${key}: got ${JSON.stringify(got[key])}, want ${JSON.stringify(want[key])}`,
        );
      }
    }
  }
  return problems;
}
