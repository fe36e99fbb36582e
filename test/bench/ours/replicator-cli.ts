/**
 * Our CLI, `services/cli/bin/database-replicator.js`, as a measured child. URLs reach it through
 * DR_SOURCE_URL / DR_TARGET_URL (read by libs/core's config loader), never argv; its state goes to
 * a directory of the benchmark's (DR_STATE_DIR). A command that exits 2 with REPL_NOT_IMPLEMENTED
 * is reported as not available: the table never shows a figure we did not measure.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  describeFailure,
  MeasuredChild,
  runMeasured,
  toolEnv,
  type ChildOutcome,
} from '../process/child-process.js';
import { NotAvailable } from '../result.js';

const CLI = fileURLToPath(
  new URL('../../../../services/cli/bin/database-replicator.js', import.meta.url),
);
const BUILT = fileURLToPath(new URL('../../../../services/cli/dist/main.js', import.meta.url));

export type ReplicatorTarget = Readonly<{
  sourceUrl: string;
  targetUrl: URL;
  stateDir: string;
  jobs: number;
  /** `--via`/`--bus` for init and sync. */
  route: readonly string[];
}>;

// Node flags for our runs, for profiling: DR_BENCH_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/p'
// (Node refuses --cpu-prof in NODE_OPTIONS, so they go on the command line).
const NODE_FLAGS = (process.env['DR_BENCH_NODE_FLAGS'] ?? '').split(' ').filter((f) => f !== '');

function replicatorEnv(t: ReplicatorTarget): Record<string, string> {
  return toolEnv({
    DR_SOURCE_URL: t.sourceUrl,
    DR_TARGET_URL: t.targetUrl.href,
    DR_STATE_DIR: t.stateDir,
    DR_JOBS: String(t.jobs),
    // info: the init's "snapshot done" line marks the end of the copy (ours-session.ts); the
    // pipeline logs a few lines per table and one progress line per 5 s at that level.
    DR_LOG_LEVEL: 'info',
  });
}

function assertBuilt(): void {
  if (!existsSync(BUILT))
    throw new Error(
      'database-replicator is not built (services/cli/dist/main.js missing): run npm run build',
    );
}

/** True when the CLI said this command does not exist yet (exit 2, REPL_NOT_IMPLEMENTED). */
export function isNotImplemented(outcome: ChildOutcome): boolean {
  return (
    outcome.exitCode === 2 && /REPL_NOT_IMPLEMENTED|not implemented yet/.test(outcome.stderrTail)
  );
}

/** Throws NotAvailable or an Error unless the outcome is a success (exit 0). */
export function assertReplicatorSucceeded(command: string, outcome: ChildOutcome): void {
  if (isNotImplemented(outcome))
    throw new NotAvailable(`database-replicator ${command}: not implemented yet`);
  if (outcome.exitCode !== 0 || outcome.timedOut)
    throw new Error(describeFailure(`database-replicator ${command}`, outcome));
}

/** Runs a command to completion (init, verify). */
export async function runReplicator(
  t: ReplicatorTarget,
  args: readonly string[],
  timeoutMs: number,
): Promise<ChildOutcome> {
  assertBuilt();
  return runMeasured(process.execPath, [...NODE_FLAGS, CLI, ...args], {
    env: replicatorEnv(t),
    timeoutMs,
  });
}

/** Starts a long-running command (sync); the caller stops it. */
export function startReplicator(t: ReplicatorTarget, args: readonly string[]): MeasuredChild {
  assertBuilt();
  return new MeasuredChild(process.execPath, [...NODE_FLAGS, CLI, ...args], {
    env: replicatorEnv(t),
  });
}

/** `database-replicator --version`, or "?" when it is not built. */
export async function replicatorVersion(): Promise<string> {
  if (!existsSync(BUILT)) return '?';
  const outcome = await runMeasured(process.execPath, [CLI, '--version'], {
    env: toolEnv(),
    timeoutMs: 30_000,
  });
  return outcome.exitCode === 0 ? outcome.stdoutTail.trim() : '?';
}
