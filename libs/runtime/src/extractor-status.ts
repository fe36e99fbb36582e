/**
 * What an extractor service reports over HTTP (`GET /status`) and whether it is ready. Fed by
 * `runExtractorService`'s callbacks.
 *
 * States: starting → running (a run registered the job with the coordinator; `/readyz` 200) →
 * restarting (after a transient failure, until the next run registers) → running … → stopped.
 */
import { isReplicatorError, redactText, type SourcePosition } from '@database-replicator/core';
import type { ExtractorProgress } from '@database-replicator/pipeline';
import { sendJson, type ServiceHttpHandler } from './service-http.js';

/** Where an extractor service is. */
export type ExtractorState = 'starting' | 'running' | 'restarting' | 'stopped';

/** The body of `GET /status`. */
export type ExtractorStatusReport = Readonly<{
  jobId: string;
  extractorId: string;
  state: ExtractorState;
  /** `snapshot` or `stream` once a run reported progress; `null` before. */
  phase: ExtractorProgress['phase'] | null;
  /** Messages the bus acknowledged since the process started, resends included. */
  sentMessages: number;
  /** The stream's last checkpoint in this process; `null` before. */
  position: SourcePosition | null;
  /** Runs restarted after a transient failure. */
  restarts: number;
  /** The failure of the last restart: its code and message (never a secret). */
  lastError: Readonly<{ code: string | null; message: string }> | null;
}>;

/** The status path. */
export const EXTRACTOR_STATUS_PATH = '/status';

export class ExtractorStatus {
  readonly #jobId: string;
  readonly #extractorId: string;
  #state: ExtractorState = 'starting';
  #phase: ExtractorProgress['phase'] | null = null;
  #sent = 0;
  #position: SourcePosition | null = null;
  #restarts = 0;
  #lastError: ExtractorStatusReport['lastError'] = null;

  constructor(jobId: string, extractorId: string) {
    this.#jobId = jobId;
    this.#extractorId = extractorId;
  }

  /** Ready for `/readyz`: a run is registered and working. */
  get ready(): boolean {
    return this.#state === 'running';
  }

  /** Messages the bus acknowledged so far. */
  get sentMessages(): number {
    return this.#sent;
  }

  /** The stream's last checkpoint in this process, `null` before. */
  get position(): SourcePosition | null {
    return this.#position;
  }

  /** A run registered the job with the coordinator. */
  running(): void {
    this.#state = 'running';
  }

  /** The bus acknowledged `messages` more. */
  sent(messages: number): void {
    this.#sent += messages;
  }

  progress(progress: ExtractorProgress): void {
    this.#phase = progress.phase;
    if (progress.phase === 'stream') this.#position = progress.position;
  }

  /** The run failed with `error` and restarts. */
  restarting(error: unknown): void {
    this.#state = 'restarting';
    this.#restarts += 1;
    this.#lastError = Object.freeze({
      code: isReplicatorError(error) ? error.code : null,
      message: redactText(error instanceof Error ? error.message : String(error)),
    });
  }

  stopped(): void {
    this.#state = 'stopped';
  }

  report(): ExtractorStatusReport {
    return Object.freeze({
      jobId: this.#jobId,
      extractorId: this.#extractorId,
      state: this.#state,
      phase: this.#phase,
      sentMessages: this.#sent,
      position: this.#position,
      restarts: this.#restarts,
      lastError: this.#lastError,
    });
  }

  /** Serves `GET /status`; passes on every other path. */
  readonly handler: ServiceHttpHandler = async (req, res) => {
    if (new URL(req.url ?? '/', 'http://service').pathname !== EXTRACTOR_STATUS_PATH) return false;
    sendJson(res, 200, this.report());
    return true;
  };
}
