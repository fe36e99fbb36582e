/**
 * The MongoDB source's refresh state store: the shared one of libs/pipeline (refresh-state-store.ts
 * there has the file layout), reporting a lost state with this source's error code.
 */
import { replicatorError } from '@database-replicator/core';
import { RefreshStateStore as SharedRefreshStateStore } from '@database-replicator/pipeline';

export { addHash } from '@database-replicator/pipeline';
export type { LoadedRefreshState, RefreshState } from '@database-replicator/pipeline';

/** The refresh state files of one MongoDB source, in `dir`. */
export class RefreshStateStore extends SharedRefreshStateStore {
  constructor(dir: string) {
    super(dir, {
      missing: (cycle, directory) =>
        replicatorError(
          'REPL_MONGO_REFRESH_STATE_MISSING',
          `The MongoDB refresh state of cycle ${cycle} is missing from ${directory}`,
          { details: { directory, cycle: cycle.toString() } },
        ),
    });
  }
}
