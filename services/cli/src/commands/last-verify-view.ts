/**
 * The line `status` prints about a job's last verify run (`_replicator.verify_runs`), so the
 * operator sees when source and target were last compared and what differed then.
 */
import type { LastVerifyRun } from '@database-replicator/runtime';

function plural(count: number, noun: string): string {
  return `${count.toLocaleString('en')} ${noun}${count === 1 ? '' : 's'}`;
}

/** `last verify: ...`, one line; `null` reads "never verified". */
export function renderLastVerify(run: LastVerifyRun | null): string {
  if (run === null) return 'last verify: never verified\n';
  const when = `${run.status} at ${run.finishedAt} (${run.trigger}${run.repaired ? ', repaired' : ''})`;
  if (run.status === 'failed') return `last verify: ${when}: ${run.error ?? 'no error recorded'}\n`;
  const rows = `${plural(run.rowsCompared, 'row')} compared`;
  if (run.status === 'ok') return `last verify: ${when}: ${plural(run.tables, 'table')}, ${rows}\n`;
  const keys = `${run.missing} missing, ${run.extra} extra, ${run.different} different keys`;
  const tables = `${run.tablesDiffering} of ${plural(run.tables, 'table')} differ`;
  return `last verify: ${when}: ${tables} (${keys}), ${rows}\n`;
}
