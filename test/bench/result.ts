/**
 * What a scenario produces. A runner returns a Measurement, or throws NotAvailable (the capability
 * or service does not exist yet: reported, never faked) or any other error (the runner broke).
 */
import type { ScenarioName } from './scenarios.js';

/** Thrown by a runner whose tool or service is absent; `reason` goes into the table. */
export class NotAvailable extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = 'NotAvailable';
  }
}

export type LagFigures = Readonly<{ p50Ms: number; p99Ms: number; samples: number }>;

export type Measurement = Readonly<{
  wallSeconds: number;
  /** Rows copied, or row changes applied (see `unit`). */
  count: number;
  unit: 'rows' | 'changes';
  /** Bytes behind the MB/s figure: source database size for copies, WAL for native apply. */
  bytes: number | null;
  /** Peak RSS of the tool's processes (child and descendants); null for in-process or server-side work. */
  peakRssBytes: number | null;
  lag: LagFigures | null;
  notes: readonly string[];
}>;

export type ScenarioStatus = 'ok' | 'not-available' | 'error';

export type ScenarioResult = Readonly<{
  scenario: ScenarioName;
  status: ScenarioStatus;
  /** Why not available, or what broke. */
  reason: string | null;
  measurement: Measurement | null;
}>;

/** The message of an error and its causes, one line each, never an object dump. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e !== undefined && parts.length < 4;) {
    if (e instanceof Error) {
      parts.push(e.message);
      e = e.cause;
    } else {
      parts.push(String(e));
      e = undefined;
    }
  }
  return parts.join(' <- caused by: ');
}
