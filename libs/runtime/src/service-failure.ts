import { isReplicatorError, redactText } from '@database-replicator/core';

/** How a service's main reports a failure: one line for stderr and the exit code. */
export type ServiceFailure = Readonly<{ line: string; exitCode: number }>;

/** Exit code of a configuration error (CLI.md: usage or configuration). */
const EXIT_CONFIG = 2;
/** Exit code of a runtime failure (connection, privilege, server error). */
const EXIT_RUNTIME = 3;

/**
 * The line and exit code for `error`: `2` for a `REPL_CONFIG_*` error, `3` otherwise. The line
 * names the code, what happened and the fix; it never carries a secret.
 */
export function describeServiceFailure(service: string, error: unknown): ServiceFailure {
  if (isReplicatorError(error)) {
    return Object.freeze({
      line: `${service}: ${error.code}: ${error.message.replace(/\.$/, '')}. Fix: ${error.fix}`,
      exitCode: error.code.startsWith('REPL_CONFIG_') ? EXIT_CONFIG : EXIT_RUNTIME,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return Object.freeze({
    line: `${service}: unexpected failure: ${redactText(message)}`,
    exitCode: EXIT_RUNTIME,
  });
}
