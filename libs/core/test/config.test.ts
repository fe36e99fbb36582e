import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret, isReplicatorError, loadConfig, type ConfigFlags } from '@database-replicator/core';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'core-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function tomlFile(text: string): Promise<string> {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.toml`);
  await writeFile(path, text);
  return path;
}

/** The ReplicatorError `promise` rejects with; fails the test otherwise. */
async function failure(promise: Promise<unknown>) {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!isReplicatorError(error))
    throw new Error(`expected a ReplicatorError, got ${String(error)}`);
  return error;
}

const SEED_TOML = `
[databases.mydb]
schema_only = ["large_analytics_table"]

[[databases.mydb.table_filters]]
table = "orders"
where = "created_at > NOW() - INTERVAL '90 days'"

[[databases.mydb.time_filters]]
table = "events"
column = "timestamp"
last = "6 months"
`;

describe('loadConfig', () => {
  it('applies the schema defaults', async () => {
    const config = await loadConfig({ flags: {}, env: {} });
    expect(config).toEqual({
      filters: { schemaOnlyTables: [], tableFilters: [], timeFilters: [] },
      jobs: 4,
      logLevel: 'info',
      stateDir: '.database-replicator',
      yes: false,
      json: false,
    });
  });

  it('reads the seed-compatible TOML keys and qualifies tables with the database', async () => {
    const config = await loadConfig({ flags: { config: await tomlFile(SEED_TOML) }, env: {} });
    expect(config.filters).toEqual({
      schemaOnlyTables: [{ database: 'mydb', table: 'large_analytics_table' }],
      tableFilters: [
        {
          table: { database: 'mydb', table: 'orders' },
          where: "created_at > NOW() - INTERVAL '90 days'",
        },
      ],
      timeFilters: [
        {
          table: { database: 'mydb', table: 'events' },
          column: 'timestamp',
          last: { amount: 6, unit: 'month' },
        },
      ],
    });
  });

  it('accepts include/exclude lists per database and schema-qualified names', async () => {
    const path = await tomlFile(`
[databases.shop]
include_tables = ["orders", "sales.\\"Customer List\\""]
[databases."my.db"]
include_tables = ["\\"my.db\\".public.t"]
`);
    const config = await loadConfig({ configFile: path });
    expect(config.filters.includeTables).toEqual([
      { database: 'shop', table: 'orders' },
      { database: 'shop', schema: 'sales', table: 'Customer List' },
      { database: 'my.db', schema: 'public', table: 't' },
    ]);
  });

  it('returns a deep-frozen config with URLs as Secrets', async () => {
    const config = await loadConfig({
      flags: {
        source: 'mysql://root:hunter2@db/app',
        target: 'postgresql://w:hunter3@pg/app',
        includeTables: 'a,b',
      },
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.filters)).toBe(true);
    expect(Object.isFrozen(config.filters.includeTables)).toBe(true);
    expect(Object.isFrozen(config.filters.includeTables?.[0])).toBe(true);
    expect(config.source?.url).toBeInstanceOf(Secret);
    expect(config.source?.url.reveal()).toBe('mysql://root:hunter2@db/app');
    expect(config.source?.kind).toBe('mysql');
    expect(config.source?.redactedUrl).toBe('mysql://root:***@db/app');
    expect(config.target?.redactedUrl).toBe('postgresql://w:***@pg/app');
    expect(JSON.stringify(config)).not.toMatch(/hunter/);
  });

  it('layers defaults < TOML < env < flags', async () => {
    const path = await tomlFile(`
source = "postgresql://file@src/db"
target = "postgresql://file@dst/db"
jobs = 2
log_level = "warn"
state_dir = "/from/file"
`);
    const fileOnly = await loadConfig({ flags: { config: path } });
    expect([
      fileOnly.source?.url.reveal(),
      fileOnly.jobs,
      fileOnly.logLevel,
      fileOnly.stateDir,
    ]).toEqual(['postgresql://file@src/db', 2, 'warn', '/from/file']);

    const env = {
      DR_SOURCE_URL: 'mysql://env@src/db',
      DR_JOBS: '6',
      DR_LOG_LEVEL: 'debug',
      DR_STATE_DIR: '',
    };
    const withEnv = await loadConfig({ flags: { config: path }, env });
    expect([
      withEnv.source?.url.reveal(),
      withEnv.target?.url.reveal(),
      withEnv.jobs,
      withEnv.logLevel,
      withEnv.stateDir,
    ]).toEqual(['mysql://env@src/db', 'postgresql://file@dst/db', 6, 'debug', '/from/file']);

    const flags: ConfigFlags = {
      config: path,
      source: 'src.sqlite',
      jobs: '12',
      logLevel: 'error',
      yes: true,
      json: undefined,
    };
    const withFlags = await loadConfig({ flags, env });
    expect([
      withFlags.source?.kind,
      withFlags.jobs,
      withFlags.logLevel,
      withFlags.stateDir,
      withFlags.yes,
      withFlags.json,
    ]).toEqual(['sqlite', 12, 'error', '/from/file', true, false]);
  });

  it('lets a flag list replace the file list', async () => {
    const path = await tomlFile(SEED_TOML);
    const config = await loadConfig({
      flags: {
        config: path,
        schemaOnlyTables: 'logs',
        tableFilter: ['a:id > 1'],
        timeFilter: ['b:ts:2 weeks'],
      },
    });
    expect(config.filters).toEqual({
      schemaOnlyTables: [{ table: 'logs' }],
      tableFilters: [{ table: { table: 'a' }, where: 'id > 1' }],
      timeFilters: [{ table: { table: 'b' }, column: 'ts', last: { amount: 2, unit: 'week' } }],
    });
  });

  it('prefers flags.config over configFile', async () => {
    const fromFlag = await tomlFile('jobs = 3');
    const fromOption = await tomlFile('jobs = 9');
    expect((await loadConfig({ flags: { config: fromFlag }, configFile: fromOption })).jobs).toBe(
      3,
    );
  });

  describe('errors', () => {
    it('names an unknown TOML key and suggests the right one', async () => {
      const path = await tomlFile('[databases.mydb]\nschema_onyl = ["x"]\n');
      const error = await failure(loadConfig({ flags: { config: path } }));
      expect(error.code).toBe('REPL_CONFIG_UNKNOWN_KEY');
      expect(error.message).toContain('databases.mydb.schema_onyl');
      expect(error.message).toContain(path);
      expect(error.fix).toContain('did you mean "schema_only"');
      expect(error.details).toMatchObject({ configKey: 'databases.mydb.schema_onyl' });
    });

    it('names an unknown top-level key', async () => {
      const path = await tomlFile('jobz = 4\n');
      const error = await failure(loadConfig({ flags: { config: path } }));
      expect(error.code).toBe('REPL_CONFIG_UNKNOWN_KEY');
      expect(error.message).toContain('jobz');
      expect(error.fix).toContain('did you mean "jobs"');
    });

    it('names jobs = 0 in the file with the expectation and the fix', async () => {
      const path = await tomlFile('jobs = 0\n');
      const error = await failure(loadConfig({ flags: { config: path } }));
      expect(error.code).toBe('REPL_CONFIG_INVALID');
      expect(error.message).toContain(`jobs (config file ${path})`);
      expect(error.message).toContain('at least 1');
      expect(error.message).toContain('(got 0)');
      expect(error.fix).toContain('whole number from 1');
    });

    it('names a bad time window by its file key path', async () => {
      const path = await tomlFile(SEED_TOML.replace('"6 months"', '"soon"'));
      const error = await failure(loadConfig({ flags: { config: path } }));
      expect(error.code).toBe('REPL_CONFIG_INVALID');
      expect(error.message).toContain('databases.mydb.time_filters[0].last');
      expect(error.message).toContain('"soon"');
      expect(error.message).toContain('90 days');
      expect(error.fix).toContain('6 months');
    });

    it('names the environment variable or flag a bad value came from', async () => {
      const fromEnv = await failure(loadConfig({ env: { DR_JOBS: 'many' } }));
      expect(fromEnv.message).toContain('DR_JOBS (environment)');
      expect(fromEnv.message).toContain('"many"');
      const fromFlag = await failure(loadConfig({ flags: { jobs: 0 }, env: { DR_JOBS: '4' } }));
      expect(fromFlag.message).toContain('--jobs (command line)');
      const level = await failure(loadConfig({ flags: { logLevel: 'loud' } }));
      expect(level.message).toContain('--log-level');
      expect(level.fix).toContain('debug');
    });

    it('rejects an unknown source scheme, redacted', async () => {
      const error = await failure(
        loadConfig({ flags: { source: 'oracle://scott:tiger-pw@db/orcl' } }),
      );
      expect(error.code).toBe('REPL_CONFIG_SOURCE_SCHEME');
      expect(error.message).toContain('oracle://scott:***@db/orcl');
      const everything = `${String(error)} ${JSON.stringify(error)} ${error.fix} ${JSON.stringify(error.details)}`;
      expect(everything).not.toContain('tiger-pw');
    });

    it('rejects a target that is not PostgreSQL, redacted', async () => {
      const error = await failure(
        loadConfig({ env: { DR_TARGET_URL: 'mysql://root:tiger-pw@db/x' } }),
      );
      expect(error.code).toBe('REPL_CONFIG_INVALID');
      expect(error.message).toContain('DR_TARGET_URL');
      expect(error.message).not.toContain('tiger-pw');
    });

    it('never shows a password when several problems are reported', async () => {
      const error = await failure(
        loadConfig({
          flags: {
            source: 'postgresql://u:tiger-pw@h/db',
            target: 'mongodb://u:tiger-pw@h/db',
            jobs: -1,
          },
        }),
      );
      expect(error.message).toContain('--target');
      expect(error.message).toContain('--jobs');
      expect(error.message).not.toContain('tiger-pw');
    });

    it('rejects include and exclude lists together, naming both', async () => {
      const error = await failure(
        loadConfig({ flags: { includeTables: 'a', excludeTables: 'b' } }),
      );
      expect(error.code).toBe('REPL_CONFIG_INVALID');
      expect(error.message).toContain('--exclude-tables');
      expect(error.message).toContain('--include-tables');

      const path = await tomlFile(
        '[databases.a]\ninclude_tables = ["x"]\n[databases.b]\nexclude_tables = ["y"]\n',
      );
      const mixed = await failure(loadConfig({ flags: { config: path } }));
      expect(mixed.message).toContain('databases.b.exclude_tables[0]');
      expect(mixed.message).toContain('databases.a.include_tables[0]');
    });

    it('reports bad filter flags with REPL_CONFIG_FILTER_SYNTAX', async () => {
      const error = await failure(loadConfig({ flags: { timeFilter: ['events:ts:soon'] } }));
      expect(error.code).toBe('REPL_CONFIG_FILTER_SYNTAX');
      expect(error.message).toContain('--time-filter');
      const list = await failure(loadConfig({ flags: { includeTables: 'a,,b' } }));
      expect(list.code).toBe('REPL_CONFIG_FILTER_SYNTAX');
      expect(list.message).toContain('--include-tables');
    });

    it('rejects a malformed table name in the file at its key', async () => {
      const path = await tomlFile('[databases.a]\nschema_only = ["ok", "a.b.c.d"]\n');
      const error = await failure(loadConfig({ flags: { config: path } }));
      expect(error.code).toBe('REPL_CONFIG_INVALID');
      expect(error.message).toContain('databases.a.schema_only[1]');
      expect(error.cause).toMatchObject({ code: 'REPL_IDENTIFIER_INVALID' });
    });

    it('rejects a table qualified with another database than its section', async () => {
      const path = await tomlFile('[databases.a]\nschema_only = ["b.public.t"]\n');
      const error = await failure(loadConfig({ flags: { config: path } }));
      expect(error.code).toBe('REPL_CONFIG_INVALID');
      expect(error.message).toContain('databases.a.schema_only[0]');
    });

    it('reports an unreadable file and invalid TOML', async () => {
      const missing = await failure(loadConfig({ flags: { config: join(dir, 'missing.toml') } }));
      expect(missing.code).toBe('REPL_CONFIG_FILE_UNREADABLE');
      expect(missing.message).toContain('ENOENT');

      const path = await tomlFile('source = "postgresql://u:tiger-pw@h/db"\njobs = = 4\n');
      const syntax = await failure(loadConfig({ flags: { config: path } }));
      expect(syntax.code).toBe('REPL_CONFIG_FILE_SYNTAX');
      expect(syntax.message).toContain('line 2');
      expect(syntax.message).not.toContain('tiger-pw');
    });

    it('reports wrong TOML types at their key', async () => {
      const path = await tomlFile('[databases.mydb]\nschema_only = "x"\n');
      const error = await failure(loadConfig({ flags: { config: path } }));
      expect(error.code).toBe('REPL_CONFIG_INVALID');
      expect(error.message).toContain('databases.mydb.schema_only');
    });
  });
});
