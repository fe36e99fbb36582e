/**
 * Third-party tools: installed on demand by install-tools.sh (pgloader, via apt), and their
 * versions for the report.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pgloaderVersion } from './baselines/pgloader.js';
import { replicatorVersion } from './ours/replicator-cli.js';
import { pgDumpVersion } from './pg-tools.js';

const INSTALL_SCRIPT = fileURLToPath(new URL('../install-tools.sh', import.meta.url));

function onPath(command: string): boolean {
  return (
    spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command], { stdio: 'ignore' }).status === 0
  );
}

/** Installs pgloader when missing; returns null on success, else why it is not there. */
export function ensurePgloader(log: (message: string) => void): string | null {
  if (onPath('pgloader')) return null;
  log('pgloader missing: running test/bench/install-tools.sh');
  const run = spawnSync('bash', [INSTALL_SCRIPT], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (run.status !== 0 || !onPath('pgloader'))
    return `pgloader is missing and install-tools.sh failed (exit ${String(run.status)})`;
  return null;
}

/** Versions of the client tools, for the report header. */
export async function toolVersions(): Promise<Record<string, string>> {
  return {
    'pg_dump/pg_restore': pgDumpVersion(),
    pgloader: pgloaderVersion(),
    'database-replicator': await replicatorVersion(),
  };
}
