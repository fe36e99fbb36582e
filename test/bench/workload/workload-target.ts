import type { Change } from './plan.js';

/** A source the change workload writes to. */
export interface WorkloadTarget {
  /** Applies `changes` in one transaction (where the engine has them); returns row operations issued. */
  apply(changes: readonly Change[]): Promise<number>;
  close(): Promise<void>;
}
