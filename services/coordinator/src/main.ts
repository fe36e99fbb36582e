/**
 * The coordinator service: settings from the environment (DR_TARGET_URL, DR_NATS_URL, ...; see
 * runCoordinatorFromEnv), logic in @database-replicator/runtime. The first SIGTERM/SIGINT stops
 * taking calls and answers those in progress; a second one, or 30 s without stopping, forces the
 * exit.
 */
import { describeServiceFailure, runCoordinatorFromEnv } from '@database-replicator/runtime';

const FORCE_EXIT_AFTER_MS = 30_000;
const controller = new AbortController();

function onSignal(signal: NodeJS.Signals): void {
  if (controller.signal.aborted) {
    process.stderr.write(`coordinator: second ${signal}, exiting now\n`);
    process.exit(130);
  }
  controller.abort(new Error(`stopped by ${signal}`));
  setTimeout(() => process.exit(130), FORCE_EXIT_AFTER_MS).unref();
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
  await runCoordinatorFromEnv(process.env, controller.signal);
  process.exitCode = 0;
} catch (error) {
  const failure = describeServiceFailure('coordinator', error);
  process.stderr.write(`${failure.line}\n`);
  process.exitCode = failure.exitCode;
}
