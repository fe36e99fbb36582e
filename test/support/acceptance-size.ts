/**
 * Tests whose issue acceptance names a larger table than a CI run can afford use a smaller one
 * by default; `DR_ACCEPTANCE_ROWS=1000000` runs them at the acceptance size (by hand, with the
 * figures in the issue note). Timeouts grow with the row count.
 */
export type AcceptanceSize = Readonly<{
  rows: number;
  /** `ms` (sized for `ciRows`) scaled by rows ÷ ciRows, never below `ms`. */
  timeout(ms: number): number;
}>;

export function acceptanceSize(ciRows: number): AcceptanceSize {
  const raw = process.env['DR_ACCEPTANCE_ROWS'];
  const rows = raw === undefined || raw === '' ? ciRows : Number(raw);
  if (!Number.isSafeInteger(rows) || rows < 1000) {
    throw new Error(`DR_ACCEPTANCE_ROWS must be an integer of at least 1000, got ${raw}`);
  }
  const factor = Math.max(1, rows / ciRows);
  return { rows, timeout: (ms) => Math.ceil(ms * factor) };
}
