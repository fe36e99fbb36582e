/**
 * Snapshot cursors parked between pages. The extractor asks for one page per `readSnapshot` call
 * and closes the read after it; without a parked cursor every page would be a new sorted query,
 * and FerretDB (no sort or filter pushdown) scans and sorts the rest of the collection for each
 * one: quadratic in the collection size. A cursor is parked with the `_id` text of the last
 * document it returned, and handed back only to a read that continues after that `_id`.
 */
import type { Document, FindCursor } from 'mongodb';

/** An open sorted scan of one collection. */
export type SnapshotScan = {
  cursor: FindCursor<Document>;
  /** `_id` text (id-text.ts) of the last document taken from `cursor`; `null` before the first. */
  lastId: string | null;
};

type Parked = Readonly<{ scan: SnapshotScan; release: () => void }>;

/** The parked snapshot cursors of one source, by collection. */
export class SnapshotCursors {
  readonly #parked = new Map<string, Parked>();

  /**
   * Takes the cursor parked for `collection` when it continues right after `afterId`; any other
   * parked cursor of the collection (a resume from another key, a new snapshot) is closed.
   */
  async take(collection: string, afterId: string | null): Promise<SnapshotScan | undefined> {
    const parked = this.#parked.get(collection);
    if (parked === undefined) return undefined;
    this.#parked.delete(collection);
    parked.release();
    if (afterId !== null && parked.scan.lastId === afterId) return parked.scan;
    await closeQuietly(parked.scan);
    return undefined;
  }

  /**
   * Keeps `scan` for the next page of `collection`; it is closed when `signal` aborts, when
   * another scan of the collection is parked, or by {@link closeAll}.
   */
  async park(collection: string, scan: SnapshotScan, signal?: AbortSignal): Promise<void> {
    await this.take(collection, null);
    const onAbort = (): void => {
      if (this.#parked.get(collection)?.scan !== scan) return;
      this.#parked.delete(collection);
      void closeQuietly(scan);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    // Removed when taken: one signal spans a whole run, and a listener per page would pile up.
    const release = (): void => signal?.removeEventListener('abort', onAbort);
    this.#parked.set(collection, { scan, release });
    if (signal?.aborted === true) onAbort();
  }

  /** Closes every parked cursor. */
  async closeAll(): Promise<void> {
    const parked = [...this.#parked.values()];
    this.#parked.clear();
    for (const { scan, release } of parked) {
      release();
      await closeQuietly(scan);
    }
  }
}

/**
 * Closes the server cursor; a failure (connection gone, cursor already dead) only means there is
 * nothing left to release.
 */
export async function closeQuietly(scan: SnapshotScan): Promise<void> {
  await scan.cursor.close().catch(() => undefined);
}
