/**
 * The checkpoint of the running job, kept in memory and written through on every change, so the
 * file always shows the last finished step of every database.
 */
import { NATIVE_CHECKPOINT_VERSION } from './constants.js';
import {
  readNativeCheckpoint,
  withDatabaseState,
  writeNativeCheckpoint,
  type NativeCheckpoint,
  type NativeDatabaseState,
} from './native-checkpoint.js';
import type { NativeEndpoint } from './native-names.js';

/** Reads and writes the checkpoint of one job. */
export class CheckpointStore {
  readonly #stateDir: string;
  #checkpoint: NativeCheckpoint;

  private constructor(stateDir: string, checkpoint: NativeCheckpoint) {
    this.#stateDir = stateDir;
    this.#checkpoint = checkpoint;
  }

  /** Opens the job's checkpoint, or starts an empty one (written on the first save). */
  static async open(
    stateDir: string,
    jobId: string,
    source: NativeEndpoint,
    target: NativeEndpoint,
  ): Promise<CheckpointStore> {
    const existing = await readNativeCheckpoint(stateDir, jobId);
    const checkpoint: NativeCheckpoint = existing ?? {
      version: NATIVE_CHECKPOINT_VERSION,
      jobId,
      source,
      target,
      databases: {},
    };
    return new CheckpointStore(stateDir, checkpoint);
  }

  /** The state of `sourceDatabase`, if any run recorded one. */
  database(sourceDatabase: string): NativeDatabaseState | undefined {
    return Object.hasOwn(this.#checkpoint.databases, sourceDatabase)
      ? this.#checkpoint.databases[sourceDatabase]
      : undefined;
  }

  /** Replaces the state of one database and writes the file. */
  async save(state: NativeDatabaseState): Promise<void> {
    const next = withDatabaseState(this.#checkpoint, {
      ...state,
      updatedAt: new Date().toISOString(),
    });
    await writeNativeCheckpoint(this.#stateDir, next);
    this.#checkpoint = next;
  }
}
