/**
 * The validate checks as a table: facts in, statuses (and the essential words of the fix) out.
 * Facts start from a healthy pair of servers; each case changes what it is about.
 */
import { describe, expect, it } from 'vitest';
import {
  evaluateValidation,
  type CheckStatus,
  type PostgresServerFacts,
  type SourceTableFacts,
  type ValidationFacts,
} from '@database-replicator/postgres';

function server(overrides: Partial<PostgresServerFacts> = {}): PostgresServerFacts {
  return {
    where: '127.0.0.1:5432/app',
    user: 'app',
    versionNum: 150004,
    version: '15.4 (Debian 15.4-1)',
    database: 'app',
    databaseOid: 16384,
    systemIdentifier: '7000000000000000001',
    startedAt: '2025-01-01 00:00:00.123456+00',
    walLevel: 'logical',
    maxReplicationSlots: 10,
    usedReplicationSlots: 2,
    maxWalSenders: 10,
    usedWalSenders: 1,
    superuser: true,
    replication: false,
    rdsReplication: false,
    rdsSuperuser: false,
    createSubscription: false,
    createInDatabase: true,
    installedExtensions: ['plpgsql'],
    availableExtensions: ['hstore', 'plpgsql'],
    ...overrides,
  };
}

function table(name: string, overrides: Partial<SourceTableFacts> = {}): SourceTableFacts {
  return {
    plan: {
      id: { schema: 'public', table: name },
      schemaOnly: false,
      rowFilters: [],
      timeFilters: [],
    },
    primaryKey: ['id'],
    replicaIdentity: 'default',
    totalBytes: 1024,
    canSelect: true,
    schemaUsage: true,
    owned: true,
    owner: 'app',
    ...overrides,
  };
}

function plan(name: string, changes: Partial<SourceTableFacts['plan']>): SourceTableFacts['plan'] {
  return { ...table(name).plan, ...changes };
}

type Facts = {
  source?: Partial<PostgresServerFacts>;
  target?: Partial<PostgresServerFacts>;
  tables?: SourceTableFacts[];
};

function facts({ source, target, tables }: Facts = {}): ValidationFacts {
  return {
    source: { reached: true, server: server(source) },
    target: {
      reached: true,
      server: server({
        where: '127.0.0.1:5433/app',
        systemIdentifier: '7000000000000000002',
        startedAt: '2025-01-02 00:00:00.654321+00',
        ...target,
      }),
    },
    tables: tables ?? [table('orders'), table('customers')],
  };
}

function check(input: ValidationFacts, id: string) {
  const found = evaluateValidation(input).checks.find((c) => c.id === id);
  if (found === undefined) throw new Error(`no check ${id}`);
  return found;
}

const ROLE_ONLY = { superuser: false, replication: true };

type Case = [
  name: string,
  input: Facts,
  id: string,
  status: CheckStatus,
  words?: { detail?: string[]; fix?: string[] },
];

// One case a line, so the table reads as a table.
// prettier-ignore
const CASES: Case[] = [
  // versions
  ['source 15 passes', {}, 'source-version', 'ok', { detail: ['15.4'] }],
  ['source 14 passes, naming what needs 15+', { source: { versionNum: 140010, version: '14.10' } }, 'source-version', 'ok', { detail: ['15+', 'row filters'] }],
  ['source 9.6 fails', { source: { versionNum: 90624, version: '9.6.24' } }, 'source-version', 'fail', { detail: ['9.6'], fix: ['10 or later'] }],
  ['target 9.6 fails', { target: { versionNum: 90624 } }, 'target-version', 'fail', { fix: ['10 or later'] }],
  ['target older than source warns', { target: { versionNum: 130005 } }, 'target-version', 'warn', { detail: ['13', '15'] }],
  ['target newer than source passes', { target: { versionNum: 160001, version: '16.1' } }, 'target-version', 'ok'],
  // wal_level
  ['wal_level logical passes', {}, 'wal-level', 'ok'],
  ['wal_level replica fails', { source: { walLevel: 'replica' } }, 'wal-level', 'fail', { detail: ['replica'], fix: ['wal_level = logical', 'restart'] }],
  // slots and senders
  ['one free slot passes', { source: { maxReplicationSlots: 3, usedReplicationSlots: 2 } }, 'replication-slots', 'ok'],
  ['no free slot fails', { source: { maxReplicationSlots: 4, usedReplicationSlots: 4 } }, 'replication-slots', 'fail', { fix: ['max_replication_slots', 'restart'] }],
  ['no free walsender fails', { source: { maxWalSenders: 2, usedWalSenders: 2 } }, 'wal-senders', 'fail', { fix: ['max_wal_senders', 'restart'] }],
  // replication privilege
  ['superuser passes', {}, 'replication-role', 'ok'],
  ['REPLICATION attribute passes', { source: ROLE_ONLY }, 'replication-role', 'ok'],
  ['rds_replication member passes', { source: { superuser: false, rdsReplication: true } }, 'replication-role', 'ok'],
  ['neither fails with ALTER ROLE', { source: { superuser: false } }, 'replication-role', 'fail', { detail: ['REPLICATION'], fix: ['ALTER ROLE "app" WITH REPLICATION', 'rds_replication'] }],
  // SELECT
  ['SELECT on every table passes', { source: ROLE_ONLY }, 'table-privileges', 'ok'],
  ['missing SELECT fails with the GRANT', { source: ROLE_ONLY, tables: [table('orders', { canSelect: false }), table('customers')] }, 'table-privileges', 'fail', { detail: ['SELECT', 'public.orders'], fix: ['GRANT SELECT ON "public"."orders" TO "app";'] }],
  ['missing schema USAGE fails with the GRANT', { source: ROLE_ONLY, tables: [table('orders', { schemaUsage: false })] }, 'table-privileges', 'fail', { fix: ['GRANT USAGE ON SCHEMA "public" TO "app";'] }],
  // publication
  ['owner with CREATE may create the publication', { source: ROLE_ONLY }, 'publication', 'ok'],
  ['not the owner fails naming the owner', { source: ROLE_ONLY, tables: [table('orders', { owned: false, owner: 'admin' })] }, 'publication', 'fail', { detail: ['public.orders (owner admin)'], fix: ['GRANT "admin" TO "app";'] }],
  ['no CREATE on the database fails', { source: { ...ROLE_ONLY, createInDatabase: false } }, 'publication', 'fail', { fix: ['GRANT CREATE ON DATABASE "app" TO "app";'] }],
  // replica identity
  ['primary keys pass', {}, 'replica-identity', 'ok'],
  ['a keyless table fails, listing it and the options', { tables: [table('orders'), table('log', { primaryKey: [] })] }, 'replica-identity', 'fail', { detail: ['public.log'], fix: ['PRIMARY KEY', 'REPLICA IDENTITY FULL', '--exclude-tables public.log'] }],
  ['REPLICA IDENTITY NOTHING fails even with a key', { tables: [table('orders', { replicaIdentity: 'nothing' })] }, 'replica-identity', 'fail', { detail: ['NOTHING'] }],
  ['REPLICA IDENTITY FULL without a key passes', { tables: [table('log', { primaryKey: [], replicaIdentity: 'full' })] }, 'replica-identity', 'ok'],
  ['a unique-index identity passes', { tables: [table('log', { primaryKey: [], replicaIdentity: 'index' })] }, 'replica-identity', 'ok'],
  ['a keyless schema-only table passes', { tables: [table('log', { primaryKey: [], plan: plan('log', { schemaOnly: true }) })] }, 'replica-identity', 'ok'],
  // row filters
  ['no filters pass', {}, 'row-filters', 'ok'],
  ['a row filter on a 14 source fails', { source: { versionNum: 140010 }, tables: [table('orders', { plan: plan('orders', { rowFilters: ['id > 3'] }) })] }, 'row-filters', 'fail', { detail: ['public.orders', '15'], fix: ['15 or later'] }],
  ['a row filter without FULL warns', { tables: [table('orders', { plan: plan('orders', { rowFilters: ['region = 1'] }) })] }, 'row-filters', 'warn', { fix: ['REPLICA IDENTITY FULL', '"public"."orders"'] }],
  ['a row filter with FULL passes', { tables: [table('orders', { replicaIdentity: 'full', plan: plan('orders', { rowFilters: ['region = 1'] }) })] }, 'row-filters', 'ok'],
  ['a time filter on a key column passes', { tables: [table('orders', { plan: plan('orders', { timeFilters: [{ column: 'id', last: { amount: 3, unit: 'day' } }] }) })] }, 'row-filters', 'ok'],
  ['a time filter on another column warns', { tables: [table('orders', { plan: plan('orders', { timeFilters: [{ column: 'created_at', last: { amount: 3, unit: 'day' } }] }) })] }, 'row-filters', 'warn'],
  ['a filtered schema-only table is not filtered', { source: { versionNum: 140010 }, tables: [table('orders', { plan: plan('orders', { schemaOnly: true, rowFilters: ['x'] }) })] }, 'row-filters', 'ok'],
  // subscription
  ['superuser target may subscribe', {}, 'subscription', 'ok'],
  ['non-superuser 15 target warns, recommending the pipeline', { target: { superuser: false, createSubscription: true } }, 'subscription', 'warn', { detail: ['cannot create subscriptions'], fix: ['init --via pipeline'] }],
  ['16 member of pg_create_subscription with CREATE passes', { target: { superuser: false, versionNum: 160002, createSubscription: true } }, 'subscription', 'ok'],
  ['16 member without CREATE on the database warns', { target: { superuser: false, versionNum: 160002, createSubscription: true, createInDatabase: false } }, 'subscription', 'warn', { fix: ['GRANT pg_create_subscription', 'GRANT CREATE ON DATABASE'] }],
  ['rds_superuser may subscribe', { target: { superuser: false, rdsSuperuser: true } }, 'subscription', 'ok'],
  // source differs from target
  ['different system identifiers pass', {}, 'distinct-databases', 'ok'],
  ['same cluster and database fails', { target: { systemIdentifier: '7000000000000000001' } }, 'distinct-databases', 'fail', { detail: ['same database'], fix: ['another database'] }],
  ['same cluster, other database warns', { target: { systemIdentifier: '7000000000000000001', database: 'copy', databaseOid: 16999 } }, 'distinct-databases', 'warn', { detail: ['same cluster'] }],
  ['no system identifier, same start time and database fails', { source: { systemIdentifier: null }, target: { systemIdentifier: null, startedAt: '2025-01-01 00:00:00.123456+00' } }, 'distinct-databases', 'fail', { detail: ['same database'] }],
  ['no system identifier on one side, different start times warn as inconclusive', { target: { systemIdentifier: null } }, 'distinct-databases', 'warn', { detail: ['inconclusive'], fix: ['pg_control_system'] }],
  // extensions
  ['extensions available on the target pass', { source: { installedExtensions: ['hstore', 'plpgsql'] } }, 'extensions', 'ok', { detail: ['pg_restore creates hstore'] }],
  ['an extension the target lacks fails', { source: { installedExtensions: ['plpgsql', 'postgis'] } }, 'extensions', 'fail', { detail: ['postgis'], fix: ['Install'] }],
  // data size
  ['size of the copied tables', { tables: [table('a', { totalBytes: 1024 }), table('b', { totalBytes: 512 }), table('c', { totalBytes: 10 ** 9, plan: plan('c', { schemaOnly: true }) })] }, 'data-size', 'ok', { detail: ['1.5 kB', '2 tables', '1 schema-only table'] }],
  ['no tables selected warns', { tables: [] }, 'data-size', 'warn', { fix: ['--include-tables'] }],
];

describe('evaluateValidation', () => {
  it.each(CASES)('%s', (_name, input, id, status, words) => {
    const result = check(facts(input), id);
    expect(result.status).toBe(status);
    for (const word of words?.detail ?? []) expect(result.detail).toContain(word);
    for (const word of words?.fix ?? []) expect(result.fix).toContain(word);
    expect(result.fix === null).toBe(status === 'ok' || status === 'skipped');
  });

  it('passes healthy servers with every check ok', () => {
    const report = evaluateValidation(facts());
    expect(report.ok).toBe(true);
    expect(report.checks.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(new Set(report.checks.map((c) => c.id)).size).toBe(report.checks.length);
  });

  it('is not ok when any check fails, but warnings alone are fine', () => {
    expect(evaluateValidation(facts({ source: { walLevel: 'replica' } })).ok).toBe(false);
    expect(evaluateValidation(facts({ target: { superuser: false } })).ok).toBe(true);
  });

  it('reports an unreachable source as a failed connectivity check and skips what needs it', () => {
    const input: ValidationFacts = {
      ...facts(),
      source: {
        reached: false,
        where: '127.0.0.1:1/app',
        message: 'cannot connect to PostgreSQL at 127.0.0.1:1/app: connect ECONNREFUSED',
        fix: 'Check that the server runs.',
      },
      tables: null,
    };
    const report = evaluateValidation(input);
    const status = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
    expect(report.ok).toBe(false);
    expect(status).toMatchObject({
      'source-connectivity': 'fail',
      'target-connectivity': 'ok',
      'source-version': 'skipped',
      'wal-level': 'skipped',
      'replica-identity': 'skipped',
      'distinct-databases': 'skipped',
      'target-version': 'ok',
      subscription: 'ok',
    });
    const connectivity = report.checks[0];
    expect(connectivity?.detail).toContain('127.0.0.1:1/app');
    expect(connectivity?.fix).toBe('Check that the server runs.');
    const skipped = report.checks.find((c) => c.id === 'wal-level');
    expect(skipped?.detail).toBe('not run: cannot connect to the source');
  });

  it('skips target checks when the target is unreachable', () => {
    const input: ValidationFacts = {
      ...facts(),
      target: { reached: false, where: 'db:5432/app', message: 'refused', fix: 'Start it.' },
    };
    const status = Object.fromEntries(
      evaluateValidation(input).checks.map((c) => [c.id, c.status]),
    );
    expect(status).toMatchObject({
      'target-connectivity': 'fail',
      'target-version': 'skipped',
      subscription: 'skipped',
      extensions: 'skipped',
      'wal-level': 'ok',
    });
  });

  it('gives every check the JSON shape id, title, status, detail, fix', () => {
    for (const c of evaluateValidation(facts()).checks) {
      expect(Object.keys(c).sort()).toEqual(['detail', 'fix', 'id', 'status', 'title']);
    }
  });
});
