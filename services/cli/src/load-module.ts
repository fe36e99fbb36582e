/**
 * Loads a part of the CLI on first use. Commands and source libraries are imported only by the
 * runs that need them, because importing every driver (Kafka, NATS, MySQL, SQLite, MongoDB) costs
 * each command about a second of CPU before it starts (test/integration/cli/startup-modules.test.ts).
 */
import { replicatorError } from '@database-replicator/core';

/**
 * Resolves to the module `load` imports; `what` names it in the error ("the verify command").
 *
 * @throws ReplicatorError `REPL_MODULE_LOAD_FAILED` when the module or a package it needs cannot
 *   be loaded (a partial install, a native driver built for another Node.js).
 */
export async function loadModule<T>(what: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw replicatorError('REPL_MODULE_LOAD_FAILED', `Cannot load ${what}: ${reason}`, {
      details: { module: what },
      cause: error,
    });
  }
}
