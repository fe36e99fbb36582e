/**
 * The process plumbing every service entry shares (STYLE: stop on SIGTERM, a second signal or a
 * timeout forces the exit). The process is passed in, so this lib neither prints nor exits on
 * its own.
 */
import { boundHeapGrowth } from '@database-replicator/core';
import { describeServiceFailure } from './service-failure.js';

/** The parts of `process` a service entry uses. */
export type ServiceProcess = Readonly<{
  execArgv: readonly string[];
  on(event: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): never;
  stderr: Readonly<{ write(text: string): unknown }>;
}>;

const FORCE_EXIT_AFTER_MS = 30_000;
/** Exit code after a forced stop (128 + SIGINT, as shells report an interrupt). */
const EXIT_FORCED = 130;

/**
 * A signal aborted by the first SIGINT/SIGTERM; a second one, or FORCE_EXIT_AFTER_MS without
 * stopping, exits at once with 130.
 */
function abortOnShutdownSignals(proc: ServiceProcess, name: string): AbortSignal {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      proc.stderr.write(`${name}: second ${signal}, exiting now\n`);
      proc.exit(EXIT_FORCED);
    }
    controller.abort(new Error(`stopped by ${signal}`));
    setTimeout(() => proc.exit(EXIT_FORCED), FORCE_EXIT_AFTER_MS).unref();
  };
  proc.on('SIGINT', onSignal);
  proc.on('SIGTERM', onSignal);
  return controller.signal;
}

/**
 * Runs a service until it returns its exit code or the first shutdown signal has stopped it; a
 * failure becomes one stderr line (code, what, fix; never a secret) and its exit code.
 */
export async function runServiceProcess(
  proc: ServiceProcess,
  name: string,
  run: (signal: AbortSignal) => Promise<number>,
): Promise<number> {
  boundHeapGrowth(proc.execArgv);
  const signal = abortOnShutdownSignals(proc, name);
  try {
    return await run(signal);
  } catch (error) {
    const failure = describeServiceFailure(name, error);
    proc.stderr.write(`${failure.line}\n`);
    return failure.exitCode;
  }
}
