/**
 * The verifier service: settings from the environment (DR_SOURCE_URL, DR_TARGET_URL,
 * DR_VERIFY_INTERVAL, DR_MASK_COLUMNS, ...; see loadVerifierEnv), logic in
 * @database-replicator/runtime. `--once` runs one verify and exits 0 when source and target
 * match, 1 when they differ; `--interval SECONDS` overrides DR_VERIFY_INTERVAL. The first
 * SIGTERM/SIGINT stops after the run in flight; a second one, or 30 s later, forces the exit.
 */
import { parseArgs } from 'node:util';
import {
  parseVerifyInterval,
  runServiceProcess,
  runVerifierFromEnv,
} from '@database-replicator/runtime';

const EXIT_DIFFERENT = 1;

process.exitCode = await runServiceProcess(process, 'verifier', async (signal) => {
  const { values } = parseArgs({
    options: { once: { type: 'boolean' }, interval: { type: 'string' } },
    strict: true,
  });
  const report = await runVerifierFromEnv(process.env, signal, {
    once: values.once === true,
    ...(values.interval === undefined
      ? {}
      : { intervalSeconds: parseVerifyInterval(values.interval, '--interval') }),
  });
  return report.lastOk === false ? EXIT_DIFFERENT : 0;
});
