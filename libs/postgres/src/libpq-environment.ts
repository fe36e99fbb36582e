/**
 * Credentials for PostgreSQL client programs (pg_dump, pg_restore, psql) without putting them
 * on the command line, where `ps` shows them to every user: the password goes into a 0600
 * passfile in a private temporary directory, and the rest into PG* variables.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Secret } from '@database-replicator/core';

/** Environment for a libpq child process; `dispose()` deletes the passfile. */
export type LibpqEnvironment = Readonly<{
  env: Readonly<Record<string, string>>;
  dispose: () => Promise<void>;
}>;

// libpq's passfile format escapes ':' and '\' in every field.
function passfileField(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll(':', '\\:');
}

/**
 * Builds `PGHOST`, `PGPORT`, `PGUSER`, `PGDATABASE`, `PGSSLMODE` and `PGPASSFILE` for `url`
 * (`database` overrides the URL's database).
 */
export async function createLibpqEnvironment(
  url: Secret,
  database?: string,
): Promise<LibpqEnvironment> {
  const parsed = new URL(url.reveal());
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost';
  const port = parsed.port || '5432';
  const user = decodeURIComponent(parsed.username);
  const dbname = database ?? (decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres');
  const env: Record<string, string> = { PGHOST: host, PGPORT: port, PGDATABASE: dbname };
  if (user !== '') env['PGUSER'] = user;
  const sslmode = parsed.searchParams.get('sslmode');
  if (sslmode !== null) env['PGSSLMODE'] = sslmode;
  const password = decodeURIComponent(parsed.password);
  if (password === '')
    return Object.freeze({ env: Object.freeze(env), dispose: async () => undefined });

  const dir = await mkdtemp(join(tmpdir(), 'dr-pgpass-'));
  const file = join(dir, 'pgpass');
  const line = [
    '*',
    '*',
    '*',
    user === '' ? '*' : passfileField(user),
    passfileField(password),
  ].join(':');
  await writeFile(file, `${line}\n`, { mode: 0o600 });
  env['PGPASSFILE'] = file;
  return Object.freeze({
    env: Object.freeze(env),
    dispose: () => rm(dir, { recursive: true, force: true }),
  });
}
