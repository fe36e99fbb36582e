/**
 * The exact rule of verify's catch-up on a pipeline (docs/verify.md, "While changes stream"):
 * the target has applied every change up to the source position S once, for every extractor of
 * the job,
 * 1. a checkpoint of it has reached S (`stream` ≥ S: every change before S was sent to the bus
 *    and acknowledged), and
 * 2. for every partition in that checkpoint's `sentUpTo`, the position the loader stored with
 *    its applies (`_replicator.offsets.source_position`, the highest applied in the partition)
 *    has reached the position of the last message sent there: a partition's messages are applied
 *    in order, so everything before it is applied too.
 * The first checkpoint seen at or past S is kept for the rest of the wait: later ones cover more
 * (what the writer changed since), and waiting for each newest one could chase a busy writer.
 *
 * An extractor that no longer runs never reaches S (other databases' or tables' changes move the
 * source on without it); once its checkpoint has not been written for STALE_CHECKPOINT_MS (a
 * running one writes it about every second, heartbeats included) and no embedded pipeline is
 * connected to the target (its checkpoints wait for its loader, so they can pause while it
 * applies), nothing more will come and clause 2 alone decides, over its newest checkpoint. A
 * checkpoint written before `sentUpTo` existed can only be decided that way.
 *
 * Positions are ordered with comparePositions: one source's positions are totally ordered (a
 * binlog file sequence and offsets, a changelog sequence); positions that cannot be ordered
 * against S (another server's binlog) belong to another stream and never count as reached.
 */
import {
  comparePositions,
  isReplicatorError,
  type SourcePosition,
} from '@database-replicator/core';

/** The position of the last streamed message sent to one bus partition. */
export type SentPartitionPosition = Readonly<{
  topic: string;
  partition: number;
  position: SourcePosition;
}>;

/** One extractor's stored checkpoint, as the rule reads it. */
export type ExtractorProgressState = Readonly<{
  /** Identifies the extractor across polls (job and extractor id). */
  id: string;
  stream: SourcePosition;
  /** `undefined`: written by a version before `sentUpTo` existed. */
  sentUpTo: readonly SentPartitionPosition[] | undefined;
  /** Since the checkpoint row was last written, by the target's clock. */
  ageMs: number;
}>;

/** What one poll read on the target, in one statement. */
export type AppliedState = Readonly<{
  extractors: readonly ExtractorProgressState[];
  /** The highest stored position per {@link partitionRef} (over consumer groups). */
  applied: ReadonlyMap<string, SourcePosition>;
  /** An embedded pipeline (`init`/`sync` of the CLI) has a session on the target. */
  pipelineConnected: boolean;
}>;

/** A running extractor writes its checkpoint about every second, heartbeats included. */
export const STALE_CHECKPOINT_MS = 5000;

/** Identifies a partition in {@link AppliedState.applied}. */
export function partitionRef(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** `a` ≥ `b`; false when the two cannot be ordered (different kinds or binlog sequences). */
export function isAtOrAfter(a: SourcePosition, b: SourcePosition): boolean {
  try {
    return comparePositions(a, b) >= 0;
  } catch (error) {
    if (isReplicatorError(error, 'REPL_POSITION_MISMATCH')) return false;
    throw error;
  }
}

/** Whether every partition of `sent` has applied up to its recorded position. */
export function isSentApplied(
  sent: readonly SentPartitionPosition[],
  applied: ReadonlyMap<string, SourcePosition>,
): boolean {
  return sent.every((entry) => {
    const stored = applied.get(partitionRef(entry.topic, entry.partition));
    return stored !== undefined && isAtOrAfter(stored, entry.position);
  });
}

/** One wait for "applied up to `wanted`"; feed it each poll's state. */
export class AppliedUpTo {
  readonly #wanted: SourcePosition;
  /** Per extractor, the `sentUpTo` of its first checkpoint seen at or past `wanted`. */
  readonly #covering = new Map<string, readonly SentPartitionPosition[] | undefined>();

  constructor(wanted: SourcePosition) {
    this.#wanted = wanted;
  }

  /** True once the target has applied everything up to the wanted position (module comment). */
  check(state: AppliedState): boolean {
    return state.extractors.every((extractor) => this.#extractorDone(extractor, state));
  }

  #extractorDone(extractor: ExtractorProgressState, state: AppliedState): boolean {
    if (!this.#covering.has(extractor.id) && isAtOrAfter(extractor.stream, this.#wanted)) {
      this.#covering.set(extractor.id, extractor.sentUpTo);
    }
    const stopped = extractor.ageMs > STALE_CHECKPOINT_MS && !state.pipelineConnected;
    if (this.#covering.has(extractor.id)) {
      const covering = this.#covering.get(extractor.id);
      if (covering !== undefined) return isSentApplied(covering, state.applied);
    }
    if (!stopped) return false;
    // Nothing more will come: what it sent is all there is to apply.
    return extractor.sentUpTo === undefined || isSentApplied(extractor.sentUpTo, state.applied);
  }
}
