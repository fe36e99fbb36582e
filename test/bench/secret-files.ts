/**
 * Files that carry passwords to child processes (pgpass, pgloader command files): created 0600
 * in a 0700 directory, so passwords reach children through files and env, never argv.
 */
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A private directory (0700, as mkdtemp creates it) under `parent`; remove it with `rm`. */
export async function makePrivateDir(parent: string, prefix: string): Promise<string> {
  return mkdtemp(join(parent, `${prefix}-`));
}

/** Writes `text` to a new file readable by its owner only. */
export async function writeSecretFile(path: string, text: string): Promise<void> {
  await writeFile(path, text, { mode: 0o600, flag: 'wx' });
}

/** Hands a private file (and its directory) to another OS user, e.g. the server's `postgres`. */
export async function giveTo(paths: readonly string[], uid: number, gid: number): Promise<void> {
  for (const path of paths) await chown(path, uid, gid);
}

/** A pgpass line; `:` and `\` must be escaped in every field. */
function pgpassLine(url: URL): string {
  const esc = (s: string): string => s.replace(/[\\:]/g, (c) => `\\${c}`);
  return [
    url.hostname,
    url.port || '5432',
    '*',
    decodeURIComponent(url.username),
    decodeURIComponent(url.password),
  ]
    .map(esc)
    .join(':');
}

/** Writes a pgpass file covering every server in `urls`; returns its path. */
export async function writePgPassFile(
  dir: string,
  name: string,
  urls: readonly URL[],
): Promise<string> {
  const path = join(dir, name);
  await writeSecretFile(path, `${urls.map(pgpassLine).join('\n')}\n`);
  await chmod(path, 0o600);
  return path;
}

/** Removes a private directory and what is in it. */
export async function removeDir(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}
