import type { ExtractorOptions } from './extractor-options.js';

/**
 * Waits until what was sent is durable (`beforeCheckpoint`). False when the run was aborted
 * meanwhile: nothing may be checkpointed then, and a restart resends from the last checkpoint.
 */
export async function isDurable(options: ExtractorOptions): Promise<boolean> {
  try {
    await options.beforeCheckpoint?.();
    return !options.signal.aborted;
  } catch (error) {
    if (options.signal.aborted) return false;
    throw error;
  }
}
