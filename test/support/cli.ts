/**
 * The built CLI as a child process, the way a user runs it: URLs reach it through
 * DR_SOURCE_URL / DR_TARGET_URL, never argv, and a failing exit code is returned, not thrown.
 */
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

/** Path of the committed bin, which loads services/cli/dist (run `npm run build` first). */
export const CLI_PATH = fileURLToPath(
  new URL('../../services/cli/bin/database-replicator.js', import.meta.url),
);

/** Runs `database-replicator <args>` against `urls`, with optional extra environment. */
export function runCliProcess(
  args: readonly string[],
  urls: Readonly<{ sourceUrl: string; targetUrl: string }>,
  env: Readonly<Record<string, string>> = {},
) {
  return execa('node', [CLI_PATH, ...args], {
    env: { ...process.env, DR_SOURCE_URL: urls.sourceUrl, DR_TARGET_URL: urls.targetUrl, ...env },
    reject: false,
  });
}
