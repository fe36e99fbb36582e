/**
 * How far a pipeline replicating a MySQL/MariaDB source into the target has got, for verify's
 * re-check of mismatches while `sync` applies: libs/postgres's findAppliedProgress (the exact
 * rule is in its applied-up-to.ts) with the binlog end (`SHOW MASTER STATUS`, event index 0) as
 * the source position. The extractor's checkpoint is a resume point of the same form (the end
 * of the last transaction it read, other databases' included), and the positions of one binlog
 * sequence are totally ordered by file and offset (comparePositions); another server's binlog
 * cannot be ordered against ours, so its jobs are ignored.
 */
import type { BinlogPosition, Logger } from '@database-replicator/core';
import { findAppliedProgress, type PostgresClientPool } from '@database-replicator/postgres';

/** Source position and catch-up wait of a pipeline from a MySQL source. */
export type BinlogReplicationProgress = Readonly<{
  /** The binlog end as JSON text of a BinlogPosition. */
  sourcePosition(): Promise<string>;
  /** Polls until the target has applied everything up to `position`; false after `timeoutMs`. */
  waitUntilApplied(position: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
}>;

/** Which pipeline job to wait for, and how to tell an embedded pipeline is connected. */
export type BinlogProgressOptions = Readonly<{
  /** The job replicating this source into the target, when known (`sync` names it). */
  jobId?: string | undefined;
  /** `application_name` of the embedded pipeline's target session (`init`/`sync`). */
  embeddedPipelineApplicationName?: string | undefined;
}>;

/**
 * The progress of a pipeline that applies this source's binlog into the target, or null when
 * the target has no extractor checkpoint of this binlog (verify then reports mismatches without
 * re-checking).
 *
 * @throws ReplicatorError `REPL_VERIFY_QUERY_FAILED` when reading the target fails; what
 *   `readSourcePosition` throws.
 */
export async function findBinlogProgress(
  readSourcePosition: () => Promise<BinlogPosition>,
  target: PostgresClientPool,
  logger?: Logger,
  options: BinlogProgressOptions = {},
): Promise<BinlogReplicationProgress | null> {
  return findAppliedProgress({ readSourcePosition, target, logger, ...options });
}
