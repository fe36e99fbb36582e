/**
 * The `_replicator` schema that the numbered migrations produce, compared with a committed dump:
 * a migration file that changes after it shipped, or a new one, shows up here as a diff to
 * review. Regenerate with DR_UPDATE_SCHEMA_DUMP=1 after adding a migration.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Secret } from '@database-replicator/core';
import {
  connectPostgres,
  createLibpqEnvironment,
  migrateReplicatorSchema,
} from '@database-replicator/postgres';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';

const DUMP = fileURLToPath(
  new URL('../../../libs/postgres/test/replicator-schema.sql', import.meta.url),
);

// pg_dump's header (version lines, SET statements, comments, per-run \restrict keys) is noise here.
function normalise(dump: string): string {
  return dump
    .split('\n')
    .filter(
      (line) =>
        !line.startsWith('--') &&
        !/^SET |^SELECT pg_catalog\.set_config|^\\(un)?restrict /.test(line),
    )
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
    .concat('\n');
}

describeWithServices(['postgres'], '_replicator schema', () => {
  let dbs: TestDatabases;
  beforeAll(async () => {
    dbs = await createTestDatabases('replicator_schema');
  });
  afterAll(async () => dbs?.drop());

  it('matches the committed schema dump', async () => {
    const target = new Secret(dbs.targetUrl);
    const client = await connectPostgres(target);
    try {
      await migrateReplicatorSchema(client);
    } finally {
      await client.close();
    }
    const libpq = await createLibpqEnvironment(target);
    try {
      const { stdout } = await execa(
        'pg_dump',
        ['--schema-only', '--schema=_replicator', '--no-owner', '--no-privileges'],
        { env: libpq.env },
      );
      const actual = normalise(stdout);
      if (process.env['DR_UPDATE_SCHEMA_DUMP'] === '1') await writeFile(DUMP, actual);
      expect(actual).toBe(await readFile(DUMP, 'utf8'));
    } finally {
      await libpq.dispose();
    }
  });
});
