/**
 * The coordinator's memory of the last heartbeat of each extractor, for status. Bounded: past
 * MAX_TRACKED_EXTRACTORS, the extractor heard from longest ago is forgotten.
 */
import { MAX_TRACKED_EXTRACTORS } from './constants.js';
import type { ExtractorHeartbeat } from './heartbeat.js';

/** An extractor's last heartbeat as the coordinator received it. */
export type ExtractorStatus = Readonly<{
  jobId: string;
  extractorId: string;
  heartbeat: ExtractorHeartbeat;
  /** When the coordinator received it, ISO 8601 in UTC. */
  receivedAt: string;
}>;

/** Last heartbeat per `(job, extractor)`. */
export class HeartbeatBoard {
  readonly #last = new Map<string, ExtractorStatus>();
  readonly #capacity: number;

  constructor(capacity: number = MAX_TRACKED_EXTRACTORS) {
    this.#capacity = Math.max(1, capacity);
  }

  record(jobId: string, extractorId: string, heartbeat: ExtractorHeartbeat, now: Date): void {
    const key = JSON.stringify([jobId, extractorId]);
    // Re-inserting moves the entry to the end: the Map's order is then least recently heard first.
    this.#last.delete(key);
    this.#last.set(
      key,
      Object.freeze({ jobId, extractorId, heartbeat, receivedAt: now.toISOString() }),
    );
    if (this.#last.size > this.#capacity) {
      const oldest = this.#last.keys().next();
      if (oldest.done !== true) this.#last.delete(oldest.value);
    }
  }

  /** The extractors of `jobId` (all when omitted), ordered by job and extractor id. */
  list(jobId?: string): readonly ExtractorStatus[] {
    const all = [...this.#last.values()].filter((s) => jobId === undefined || s.jobId === jobId);
    all.sort((a, b) =>
      a.jobId === b.jobId
        ? a.extractorId.localeCompare(b.extractorId)
        : a.jobId.localeCompare(b.jobId),
    );
    return Object.freeze(all);
  }
}
