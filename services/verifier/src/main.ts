/**
 * The verifier service: settings from the environment (DR_SOURCE_URL, DR_TARGET_URL,
 * DR_VERIFY_INTERVAL, DR_MASK_COLUMNS, ...; see loadVerifierEnv), logic in
 * @database-replicator/runtime. `--once` runs one verify and exits 0 when source and target
 * match, 1 when they differ; `--interval SECONDS` overrides DR_VERIFY_INTERVAL. The first
 * SIGTERM/SIGINT stops after the run in flight; a second one, or 30 s later, forces the exit.
 */
import { parseArgs } from 'node:util';
import {
  describeServiceFailure,
  parseVerifyInterval,
  runVerifierFromEnv,
} from '@database-replicator/runtime';

const FORCE_EXIT_AFTER_MS = 30_000;
const EXIT_DIFFERENT = 1;
const controller = new AbortController();

function onSignal(signal: NodeJS.Signals): void {
  if (controller.signal.aborted) {
    process.stderr.write(`verifier: second ${signal}, exiting now\n`);
    process.exit(130);
  }
  controller.abort(new Error(`stopped by ${signal}`));
  setTimeout(() => process.exit(130), FORCE_EXIT_AFTER_MS).unref();
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
  const { values } = parseArgs({
    options: { once: { type: 'boolean' }, interval: { type: 'string' } },
    strict: true,
  });
  const report = await runVerifierFromEnv(process.env, controller.signal, {
    once: values.once === true,
    ...(values.interval === undefined
      ? {}
      : { intervalSeconds: parseVerifyInterval(values.interval, '--interval') }),
  });
  process.exitCode = report.lastOk === false ? EXIT_DIFFERENT : 0;
} catch (error) {
  const failure = describeServiceFailure('verifier', error);
  process.stderr.write(`${failure.line}\n`);
  process.exitCode = failure.exitCode;
}
