/**
 * The SQLite extractor service: settings from the environment (DR_SOURCE_URL a SQLite file,
 * DR_JOB_ID, DR_BUS, DR_NATS_URL, ...; see runExtractorFromEnv), logic in
 * @database-replicator/runtime. The first SIGTERM/SIGINT stops at the next checkpoint; a second
 * one, or 30 s without stopping, forces the exit (the restarted extractor resends from its
 * checkpoint).
 */
import { describeServiceFailure, runExtractorFromEnv } from '@database-replicator/runtime';

const SERVICE = 'extractor-sqlite';
const FORCE_EXIT_AFTER_MS = 30_000;
const controller = new AbortController();

function onSignal(signal: NodeJS.Signals): void {
  if (controller.signal.aborted) {
    process.stderr.write(`${SERVICE}: second ${signal}, exiting now\n`);
    process.exit(130);
  }
  controller.abort(new Error(`stopped by ${signal}`));
  setTimeout(() => process.exit(130), FORCE_EXIT_AFTER_MS).unref();
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
  await runExtractorFromEnv(process.env, controller.signal, { sourceKind: 'sqlite' });
  process.exitCode = 0;
} catch (error) {
  const failure = describeServiceFailure(SERVICE, error);
  process.stderr.write(`${failure.line}\n`);
  process.exitCode = failure.exitCode;
}
