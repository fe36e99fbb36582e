/**
 * The PostgreSQL extractor's settings from the environment: what is required and why, the
 * defaults, table selection from the environment over a TOML file, and errors that name the
 * variable without echoing a URL.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isReplicatorError,
  replicatorError,
  type ReplicatorError,
} from '@database-replicator/core';
import {
  coordinatorSubjects,
  extractorJobNames,
  isRestartableExtractorError,
  loadExtractorEnv,
  loadServiceEnv,
  runCoordinatorFromEnv,
} from '@database-replicator/runtime';

const SOURCE = 'postgresql://reader:s3cret-pw@db.internal:5432/shop';
const NATS = 'nats://bus-user:n4ts-pw@nats.internal:4222';
const REQUIRED = Object.freeze({
  DR_SOURCE_URL: SOURCE,
  DR_JOB_ID: 'shop_orders',
  DR_BUS: 'kafka://k1:9092',
  DR_NATS_URL: NATS,
});

async function failure(run: () => Promise<unknown>): Promise<ReplicatorError> {
  try {
    await run();
  } catch (error) {
    if (isReplicatorError(error)) return error;
    throw error;
  }
  throw new Error('expected a ReplicatorError');
}

describe('loadExtractorEnv', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'extractor-env-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('applies the defaults, keeps URLs secret and never needs the target', async () => {
    const env = await loadExtractorEnv(REQUIRED);
    expect(env).toMatchObject({
      bus: { kind: 'kafka', brokers: ['k1:9092'] },
      topicPrefix: 'dr',
      partitions: 6,
      httpHost: '127.0.0.1',
      httpPort: 8080,
      logLevel: 'info',
      natsPrefix: 'dr',
      jobId: 'shop_orders',
      extractorId: 'extractor-postgres',
      snapshotWorkers: 2,
      snapshotEvents: 'chunks',
      source: { source: { kind: 'postgres' }, yes: false },
    });
    expect(env.source.source?.url.reveal()).toBe(SOURCE);
    expect(env.natsUrl.reveal()).toBe(NATS);
    expect(env.redactedSourceUrl).not.toContain('s3cret-pw');
    expect(JSON.stringify(env)).not.toMatch(/s3cret-pw|n4ts-pw/);
    expect(Object.isFrozen(env)).toBe(true);
  });

  it.each([
    ['DR_SOURCE_URL', 'is not set'],
    ['DR_JOB_ID', 'is not set'],
    ['DR_NATS_URL', 'is not set'],
    ['DR_BUS', 'is memory'],
  ])('requires %s', async (variable, problem) => {
    const env = Object.fromEntries(Object.entries(REQUIRED).filter(([name]) => name !== variable));
    const error = await failure(() => loadExtractorEnv(env));
    expect(error.code).toBe('REPL_CONFIG_INVALID');
    expect(error.message).toContain(`${variable} ${problem}`);
    expect(error.details).toMatchObject({ configKey: variable, origin: 'environment' });
    expect(error.fix).toContain(variable);
  });

  it('refuses a job id that cannot name a slot, and a source that is not PostgreSQL', async () => {
    const badId = await failure(() => loadExtractorEnv({ ...REQUIRED, DR_JOB_ID: 'Shop-Orders' }));
    expect(badId.message).toContain('DR_JOB_ID must be 1 to 50 lower-case letters');
    const mysql = 'mysql://app:my-s3cret@db.internal/shop';
    const notPostgres = await failure(() =>
      loadExtractorEnv({ ...REQUIRED, DR_SOURCE_URL: mysql }),
    );
    expect(notPostgres.message).toContain('DR_SOURCE_URL names a mysql source');
    expect(JSON.stringify(notPostgres)).not.toContain('my-s3cret');
  });

  it('never echoes a URL in an error', async () => {
    const error = await failure(() =>
      loadExtractorEnv({ ...REQUIRED, DR_NATS_URL: 'http://u:h77p-pw@x', DR_PARTITIONS: 'x' }),
    );
    expect(error.message).toContain('DR_NATS_URL must be a nats:// or tls:// URL');
    expect(error.message).toContain('DR_PARTITIONS');
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(
      'h77p-pw',
    );
  });

  it('takes the table lists from the environment over the TOML file', async () => {
    const file = join(dir, 'filters.toml');
    await writeFile(
      file,
      `[databases.shop]
schema_only = ["history"]

[[databases.shop.table_filters]]
table = "orders"
where = "id > 10"
`,
    );
    const env = await loadExtractorEnv({
      ...REQUIRED,
      DR_CONFIG: file,
      DR_INCLUDE_TABLES: 'orders,sales.customers',
    });
    expect(env.source.filters.includeTables).toEqual([
      { table: 'orders' },
      { schema: 'sales', table: 'customers' },
    ]);
    expect(env.source.filters.schemaOnlyTables).toEqual([{ database: 'shop', table: 'history' }]);
    expect(env.source.filters.tableFilters).toEqual([
      { table: { database: 'shop', table: 'orders' }, where: 'id > 10' },
    ]);
  });

  it('refuses an include list together with an exclude list', async () => {
    const error = await failure(() =>
      loadExtractorEnv({ ...REQUIRED, DR_INCLUDE_TABLES: 'a', DR_EXCLUDE_TABLES: 'b' }),
    );
    expect(error.code).toBe('REPL_CONFIG_INVALID');
    expect(error.message).toContain('cannot be combined with an exclude list');
    const syntax = await failure(() =>
      loadExtractorEnv({ ...REQUIRED, DR_INCLUDE_TABLES: 'a..b' }),
    );
    expect(syntax.code).toBe('REPL_CONFIG_FILTER_SYNTAX');
    expect(syntax.message).toContain('DR_INCLUDE_TABLES');
  });
});

describe('extractor names and restarts', () => {
  it('names the slot and publication after the job, like the CLI pipeline', () => {
    expect(extractorJobNames('shop_orders', 'acme')).toMatchObject({
      jobId: 'shop_orders',
      topicPrefix: 'acme',
      replicationName: 'dr_pipe_shop_orders',
    });
  });

  it('restarts after transient failures only', () => {
    const lostConnection = replicatorError('REPL_SOURCE_QUERY_FAILED', 'lost', {
      cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    });
    expect(isRestartableExtractorError(lostConnection)).toBe(true);
    expect(isRestartableExtractorError(replicatorError('REPL_COORDINATOR_UNAVAILABLE', 'x'))).toBe(
      true,
    );
    expect(isRestartableExtractorError(replicatorError('REPL_BUS_SEND_FAILED', 'x'))).toBe(true);
    expect(isRestartableExtractorError(replicatorError('REPL_SOURCE_SLOT_MISSING', 'x'))).toBe(
      false,
    );
    expect(isRestartableExtractorError(replicatorError('REPL_AUTH_FAILED', 'x'))).toBe(false);
  });

  it('puts job store calls and heartbeats under sibling subjects of the NATS prefix', () => {
    expect(coordinatorSubjects('dr')).toEqual({
      subjectPrefix: 'dr.coordinator',
      heartbeatPrefix: 'dr.heartbeat',
    });
    expect(loadServiceEnv({ DR_TARGET_URL: SOURCE, DR_NATS_PREFIX: 'acme.prod' }).natsPrefix).toBe(
      'acme.prod',
    );
  });
});

describe('runCoordinatorFromEnv', () => {
  it('requires DR_NATS_URL before opening anything', async () => {
    const error = await failure(() =>
      runCoordinatorFromEnv({ DR_TARGET_URL: SOURCE }, new AbortController().signal),
    );
    expect(error.code).toBe('REPL_CONFIG_INVALID');
    expect(error.details).toMatchObject({ configKey: 'DR_NATS_URL' });
  });
});
