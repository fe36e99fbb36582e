/**
 * What a loader service reports over HTTP (`GET /status`) and whether it is ready: the topics it
 * consumes, the partitions it has committed with their next offsets, and its counts. Fed by
 * `runLoaderService`'s callbacks.
 */
import type { LoaderProgress, LoaderStats } from '@database-replicator/pipeline';
import { NO_LOADER_STATS } from './loader-stats.js';
import { sendJson, type ServiceHttpHandler } from './service-http.js';

/** The body of `GET /status`. */
export type LoaderStatusReport = Readonly<{
  consumerGroup: string;
  /** True once a group member consumes. */
  consuming: boolean;
  topics: readonly string[];
  /** Partitions this process committed, with the committed (next) offset, by topic and partition. */
  partitions: readonly Readonly<{ topic: string; partition: number; nextOffset: string }>[];
  stats: LoaderStats;
}>;

/** The status path. */
export const LOADER_STATUS_PATH = '/status';

export class LoaderStatus {
  readonly #consumerGroup: string;
  readonly #partitions = new Map<
    string,
    { topic: string; partition: number; nextOffset: string }
  >();
  #topics: readonly string[] = [];
  #consuming = false;
  #stats: LoaderStats = NO_LOADER_STATS;

  constructor(consumerGroup: string) {
    this.#consumerGroup = consumerGroup;
  }

  /** Ready for `/readyz`: a group member consumes. */
  get ready(): boolean {
    return this.#consuming;
  }

  /** Records that a member consumes `topics`. */
  consuming(topics: readonly string[]): void {
    this.#consuming = true;
    this.#topics = topics;
  }

  /** Records a commit. */
  committed(progress: LoaderProgress): void {
    const { topic, partition, nextOffset } = progress;
    this.#partitions.set(`${partition}\u0000${topic}`, { topic, partition, nextOffset });
    this.#stats = progress.stats;
  }

  report(): LoaderStatusReport {
    const partitions = [...this.#partitions.values()].sort((a, b) =>
      a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
    );
    return Object.freeze({
      consumerGroup: this.#consumerGroup,
      consuming: this.#consuming,
      topics: this.#topics,
      partitions: Object.freeze(partitions.map((p) => Object.freeze({ ...p }))),
      stats: this.#stats,
    });
  }

  /** Serves `GET /status`; passes on every other path. */
  readonly handler: ServiceHttpHandler = async (req, res) => {
    if (new URL(req.url ?? '/', 'http://service').pathname !== LOADER_STATUS_PATH) return false;
    sendJson(res, 200, this.report());
    return true;
  };
}
