/**
 * `validate` of a MongoDB source against FerretDB: the server's version is named, the missing
 * replica set is a warning that says refresh mode and when deletes are found, the selected
 * collections are readable; an unreachable server fails the connection row and skips the rest;
 * the CLI prints the same report as JSON and exits 0 (a warning is not a failure).
 */
import { Secret } from '@database-replicator/core';
import { validateMongo, type MongoValidationReport } from '@database-replicator/source-mongodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCliProcess } from '../../support/cli.js';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createMongoDatabase, type MongoTestDatabase } from './mongo-harness.js';

function statuses(report: MongoValidationReport): Record<string, string> {
  return Object.fromEntries(report.checks.map((check) => [check.id, check.status]));
}

describeWithServices(['ferretdb', 'postgres'], 'MongoDB source: validate', () => {
  let mongo: MongoTestDatabase;

  beforeAll(async () => {
    mongo = await createMongoDatabase('mongo_validate');
    const db = mongo.client.db(mongo.name);
    await db
      .collection<{ _id: string; total: number }>('orders')
      .insertOne({ _id: 'o1', total: 3 });
    await db.collection<{ _id: string }>('customers').insertOne({ _id: 'c1' });
  });

  afterAll(async () => {
    await mongo?.drop();
  });

  it('names the server, warns that FerretDB means refresh mode, and finds the collections readable', async () => {
    const report = await validateMongo(new Secret(mongo.url));
    expect(statuses(report)).toEqual({
      'mongo-connection': 'ok',
      'mongo-version': 'ok',
      'mongo-capture': 'warn',
      'mongo-privileges': 'ok',
    });
    expect(report.ok).toBe(true);
    const detail = (id: string) => report.checks.find((check) => check.id === id)?.detail ?? '';
    expect(detail('mongo-version')).toMatch(/^FerretDB \S+ \(MongoDB \d+\.\d+/);
    expect(detail('mongo-capture')).toContain('refresh mode');
    expect(detail('mongo-capture')).toContain('deletes are found only at refresh time');
    expect(detail('mongo-privileges')).toBe('2 selected collections readable');
  });

  it('applies the include list to the collections it checks', async () => {
    const report = await validateMongo(new Secret(mongo.url), {
      filters: {
        includeTables: [{ schema: mongo.name, table: 'orders' }],
        schemaOnlyTables: [],
        tableFilters: [],
        timeFilters: [],
      },
    });
    const privileges = report.checks.find((check) => check.id === 'mongo-privileges');
    expect(privileges?.detail).toBe('1 selected collection readable');
  });

  it('fails the connection row of an unreachable server and skips the rest', async () => {
    const report = await validateMongo(
      new Secret('mongodb://validate:s3cret-pw@127.0.0.1:1/x?serverSelectionTimeoutMS=500'),
    );
    expect(statuses(report)).toEqual({
      'mongo-connection': 'fail',
      'mongo-version': 'skipped',
      'mongo-capture': 'skipped',
      'mongo-privileges': 'skipped',
    });
    expect(report.ok).toBe(false);
    expect(JSON.stringify(report)).not.toContain('s3cret-pw');
  }, 30_000);

  it('is what the CLI prints with --json, exit code 0', async () => {
    const targetUrl = process.env['PG_TARGET_URL'] ?? '';
    const result = await runCliProcess(['validate', '--json'], {
      sourceUrl: mongo.url,
      targetUrl,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const printed: unknown = JSON.parse(result.stdout);
    expect(printed).toMatchObject({
      ok: true,
      checks: [
        { id: 'mongo-connection', status: 'ok' },
        { id: 'mongo-version', status: 'ok' },
        { id: 'mongo-capture', status: 'warn' },
        { id: 'mongo-privileges', status: 'ok' },
      ],
    });
  }, 60_000);
});
