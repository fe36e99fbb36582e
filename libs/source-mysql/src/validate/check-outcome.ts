/**
 * What a check function decides; the evaluator adds id and title.
 */
import type { MysqlCheckStatus } from './mysql-validation-facts.js';

/** A check's status, what was found and how to fix it. */
export type CheckOutcome = Readonly<{
  status: MysqlCheckStatus;
  detail: string;
  fix: string | null;
}>;

export function passed(detail: string): CheckOutcome {
  return Object.freeze({ status: 'ok', detail, fix: null });
}

export function warned(detail: string, fix: string): CheckOutcome {
  return Object.freeze({ status: 'warn', detail, fix });
}

export function failed(detail: string, fix: string): CheckOutcome {
  return Object.freeze({ status: 'fail', detail, fix });
}

/** `1 h 5 min`, `3 days`: durations in messages. */
export function formatSeconds(seconds: number): string {
  if (seconds >= 2 * 86_400) return `${Math.round(seconds / 86_400)} days`;
  if (seconds >= 3600)
    return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
  if (seconds >= 60) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds)} s`;
}
