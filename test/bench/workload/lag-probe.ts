/**
 * End-to-end replication lag, measured the same way for every tool: the workload reports each
 * commit with the highest order id it inserted; this probe polls `max(<key>)` of the target's
 * orders table every `pollMs` and, once a commit's id is visible, records now - commit time.
 * Rows are applied in commit order, so seeing id X means every commit up to X is applied.
 * Resolution is the poll interval (20 ms by default); the poll itself is an index-only max().
 *
 * States: polling (start) -> draining (finish: until all commits seen or timeout) -> stopped.
 */
import type { Client } from 'pg';

export type LagSamples = Readonly<{ lagsMs: readonly number[]; unseen: number }>;

export class LagProbe {
  readonly #client: Client;
  readonly #sql: string;
  readonly #pollMs: number;
  readonly #pending: { id: number; at: number }[] = [];
  readonly #lags: number[] = [];
  #running = false;
  #loop: Promise<void> = Promise.resolve();
  #failure: unknown = null;

  /** `qualifiedTable` and `keyColumn` already quoted. */
  constructor(client: Client, qualifiedTable: string, keyColumn: string, pollMs = 20) {
    this.#client = client;
    this.#sql = `SELECT max(${keyColumn})::bigint AS id FROM ${qualifiedTable}`;
    this.#pollMs = pollMs;
  }

  start(): void {
    this.#running = true;
    this.#loop = this.#poll();
  }

  /** Called by the workload after each commit. */
  record(maxOrderId: number, committedAtMs: number): void {
    this.#pending.push({ id: maxOrderId, at: committedAtMs });
  }

  async #poll(): Promise<void> {
    while (this.#running) {
      try {
        const result = await this.#client.query<{ id: string | null }>(this.#sql);
        const seen = Number(result.rows[0]?.id ?? 0);
        const now = performance.now();
        while (this.#pending.length > 0 && (this.#pending[0]?.id ?? Infinity) <= seen) {
          const commit = this.#pending.shift();
          if (commit !== undefined) this.#lags.push(Math.max(0, now - commit.at));
        }
      } catch (error) {
        this.#failure = error;
        this.#running = false;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, this.#pollMs));
    }
  }

  /** Waits until every recorded commit was seen or `timeoutMs` passed; stops polling. */
  async finish(timeoutMs: number): Promise<LagSamples> {
    const deadline = performance.now() + timeoutMs;
    while (this.#running && this.#pending.length > 0 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, this.#pollMs));
    }
    this.#running = false;
    await this.#loop;
    if (this.#failure !== null)
      throw new Error('lag probe query failed on the target', { cause: this.#failure });
    return { lagsMs: [...this.#lags], unseen: this.#pending.length };
  }
}
