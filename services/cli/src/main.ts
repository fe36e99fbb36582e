/**
 * Process entry: wires stdio and signals to runCli. The first SIGINT/SIGTERM asks the running
 * command to stop at a checkpoint; a second one, or 30 s without stopping, forces the exit.
 */
// From core, which every command loads: the runtime lib would load every driver at start-up.
import { boundHeapGrowth } from '@database-replicator/core';
import { runCli } from './cli.js';

boundHeapGrowth(process.execArgv);

const FORCE_EXIT_AFTER_MS = 30_000;
const controller = new AbortController();

function onSignal(signal: NodeJS.Signals): void {
  if (controller.signal.aborted) {
    process.stderr.write(`second ${signal}: exiting now\n`);
    process.exit(130);
  }
  process.stderr.write(`${signal}: stopping at the next checkpoint (again to force)\n`);
  controller.abort(new Error(`interrupted by ${signal}`));
  setTimeout(() => process.exit(130), FORCE_EXIT_AFTER_MS).unref();
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

process.exitCode = await runCli(
  process.argv.slice(2),
  {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    isTty: process.stdout.isTTY === true,
    stderrIsTty: process.stderr.isTTY === true,
  },
  { signal: controller.signal },
);
