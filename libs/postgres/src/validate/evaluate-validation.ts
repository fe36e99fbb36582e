/**
 * Judges {@link ValidationFacts}: runs every check in report order and turns each outcome into
 * a row. Checks that need a server validate could not reach are `skipped`, so one unreachable
 * side still yields a full report (its connectivity row carries the failure). Pure.
 */
import { checkConnectivity } from './check-connectivity.js';
import { checkDataSize } from './check-data-size.js';
import { checkDistinctDatabases } from './check-distinct-databases.js';
import { checkExtensions } from './check-extensions.js';
import { checkPublicationOwner } from './check-publication-owner.js';
import { checkReplicaIdentity } from './check-replica-identity.js';
import { checkReplicationSlots, checkWalSenders } from './check-replication-capacity.js';
import { checkReplicationRole } from './check-replication-role.js';
import { checkRowFilters } from './check-row-filters.js';
import { checkSubscriptionPrivilege } from './check-subscription-privilege.js';
import { checkTablePrivileges } from './check-table-privileges.js';
import { checkSourceVersion, checkTargetVersion } from './check-version.js';
import { checkWalLevel } from './check-wal-level.js';
import type { CheckOutcome, ValidationCheck, ValidationReport } from './validation-check.js';
import type { PostgresServerFacts, SourceTableFacts, ValidationFacts } from './validation-facts.js';

type Reached = Readonly<{
  source: PostgresServerFacts | undefined;
  target: PostgresServerFacts | undefined;
  tables: readonly SourceTableFacts[] | undefined;
}>;

type Run = (facts: Reached) => CheckOutcome;
type Server = PostgresServerFacts;
type Tables = readonly SourceTableFacts[];

// Wrappers that skip a check when a server it reads was not reached.
const onSource =
  (run: (source: Server, tables: Tables) => CheckOutcome): Run =>
  ({ source, tables }) =>
    source === undefined || tables === undefined ? skipped('source') : run(source, tables);
const onTarget =
  (run: (target: Server, source: Server | undefined) => CheckOutcome): Run =>
  ({ source, target }) =>
    target === undefined ? skipped('target') : run(target, source);
const onBoth =
  (run: (source: Server, target: Server) => CheckOutcome): Run =>
  ({ source, target }) =>
    source === undefined
      ? skipped('source')
      : target === undefined
        ? skipped('target')
        : run(source, target);

const CHECKS: readonly (readonly [id: string, title: string, run: Run])[] = [
  ['source-version', 'source version', onSource((s) => checkSourceVersion(s))],
  ['target-version', 'target version', onTarget((t, s) => checkTargetVersion(t, s))],
  ['wal-level', 'source wal_level', onSource((s) => checkWalLevel(s))],
  ['replication-slots', 'free replication slots', onSource((s) => checkReplicationSlots(s))],
  ['wal-senders', 'free wal senders', onSource((s) => checkWalSenders(s))],
  ['replication-role', 'REPLICATION privilege', onSource((s) => checkReplicationRole(s))],
  ['table-privileges', 'SELECT on tables', onSource(checkTablePrivileges)],
  ['publication', 'may create publication', onSource(checkPublicationOwner)],
  ['replica-identity', 'replica identity', onSource((_, tables) => checkReplicaIdentity(tables))],
  ['row-filters', 'row filters', onSource(checkRowFilters)],
  ['subscription', 'target may subscribe', onTarget((t) => checkSubscriptionPrivilege(t))],
  ['distinct-databases', 'source differs from target', onBoth(checkDistinctDatabases)],
  ['extensions', 'extensions on target', onBoth(checkExtensions)],
  ['data-size', 'data size', onSource((_, tables) => checkDataSize(tables))],
];

/**
 * Runs every check over `facts`, in a fixed order: source and target connectivity first, then
 * versions, source settings, privileges, tables, target, cross-checks and the size estimate.
 */
export function evaluateValidation(facts: ValidationFacts): ValidationReport {
  const reached: Reached = {
    source: facts.source.reached ? facts.source.server : undefined,
    target: facts.target.reached ? facts.target.server : undefined,
    tables: facts.tables ?? undefined,
  };
  const checks: ValidationCheck[] = [
    row('source-connectivity', 'source connectivity', checkConnectivity(facts.source)),
    row('target-connectivity', 'target connectivity', checkConnectivity(facts.target)),
    ...CHECKS.map(([id, title, run]) => row(id, title, run(reached))),
  ];
  return Object.freeze({
    ok: checks.every((check) => check.status !== 'fail'),
    checks: Object.freeze(checks),
  });
}

function skipped(side: 'source' | 'target'): CheckOutcome {
  return { status: 'skipped', detail: `not run: cannot connect to the ${side}`, fix: null };
}

function row(id: string, title: string, outcome: CheckOutcome): ValidationCheck {
  return Object.freeze({ id, title, ...outcome });
}
