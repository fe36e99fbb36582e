/**
 * The scenarios: name, side (a baseline tool or ours), source, what each compares against, what
 * it needs to have run first. The table lists them grouped by source (SCENARIOS order); they run
 * in RUN_ORDER: every snapshot of a source before any workload changes it, our CDC scenarios
 * before native replication's (whose initial sync then copies the source as our workloads left it).
 */
import type { SourceKind } from './source-kind.js';

type OursStep = 'init' | 'backlog' | 'lag' | 'verify';

export type ScenarioName =
  | 'pg-dump-restore'
  | 'pg-binary-copy'
  | 'native-initial-sync'
  | 'native-backlog-apply'
  | 'native-live-lag'
  | 'pgloader-mysql'
  | 'pgloader-sqlite'
  | 'hash-scan-postgres'
  | `ours-${OursStep}-${SourceKind}`;

export type ScenarioInfo = Readonly<{
  name: ScenarioName;
  side: 'baseline' | 'ours';
  source: SourceKind;
  tool: string;
  summary: string;
  /** The baseline the "vs baseline" column divides by (time, or p99 lag for lag scenarios). */
  compareTo: ScenarioName | null;
  /** Scenarios that must run first (added to a --only selection automatically). */
  requires: readonly ScenarioName[];
}>;

function ours(
  step: OursStep,
  source: SourceKind,
  compareTo: ScenarioName | null,
  summary: string,
): ScenarioInfo {
  return {
    name: `ours-${step}-${source}`,
    side: 'ours',
    source,
    tool: 'database-replicator',
    summary,
    compareTo,
    requires: step === 'init' ? [] : [`ours-init-${source}`],
  };
}

function oursFor(
  source: SourceKind,
  initBaseline: ScenarioName | null,
  backlogBaseline: ScenarioName | null,
  lagBaseline: ScenarioName | null,
  verifyBaseline: ScenarioName | null = null,
): ScenarioInfo[] {
  return [
    ours(
      'init',
      source,
      initBaseline,
      `init --enable-sync: schema, initial copy from ${source}, replication started`,
    ),
    ours(
      'backlog',
      source,
      backlogBaseline,
      'sync catching up a backlog of changes made while it was stopped',
    ),
    ours('lag', source, lagBaseline, 'sync under a fixed-rate workload: commit-to-visible lag'),
    ours('verify', source, verifyBaseline, 'verify --json: source and target compared'),
  ];
}

/** Every scenario, in table order. */
export const SCENARIOS: readonly ScenarioInfo[] = Object.freeze([
  {
    name: 'pg-dump-restore',
    side: 'baseline',
    source: 'postgres',
    tool: 'pg_dump + pg_restore',
    summary: 'pg_dump -Fd -jN, then pg_restore -jN into a new database',
    compareTo: null,
    requires: [],
  },
  {
    name: 'pg-binary-copy',
    side: 'baseline',
    source: 'postgres',
    tool: 'COPY (FORMAT binary)',
    summary: 'binary COPY out | COPY in per table, N at a time: the single-machine limit',
    compareTo: null,
    requires: [],
  },
  {
    name: 'native-initial-sync',
    side: 'baseline',
    source: 'postgres',
    tool: 'logical replication',
    summary: 'publication + subscription (copy_data) until every table is ready',
    compareTo: null,
    requires: [],
  },
  {
    name: 'native-backlog-apply',
    side: 'baseline',
    source: 'postgres',
    tool: 'logical replication',
    summary: 'subscription disabled, backlog written, enabled: time to apply it',
    compareTo: null,
    requires: ['native-initial-sync'],
  },
  {
    name: 'native-live-lag',
    side: 'baseline',
    source: 'postgres',
    tool: 'logical replication',
    summary: 'fixed-rate workload: commit-to-visible lag',
    compareTo: null,
    requires: ['native-initial-sync'],
  },
  {
    name: 'hash-scan-postgres',
    side: 'baseline',
    source: 'postgres',
    tool: 'SELECT count(*), sum(hashtext)',
    summary:
      "count(*), sum(hashtext(t::text)) of every table on source and ours-init-postgres's target, both at once",
    compareTo: null,
    requires: ['ours-init-postgres'],
  },
  ...oursFor(
    'postgres',
    'pg-dump-restore',
    'native-backlog-apply',
    'native-live-lag',
    'hash-scan-postgres',
  ),
  {
    name: 'pgloader-mysql',
    side: 'baseline',
    source: 'mysql',
    tool: 'pgloader',
    summary: 'pgloader MariaDB -> PostgreSQL (defaults but prefetch rows = 10000)',
    compareTo: null,
    requires: [],
  },
  ...oursFor('mysql', 'pgloader-mysql', null, null),
  {
    name: 'pgloader-sqlite',
    side: 'baseline',
    source: 'sqlite',
    tool: 'pgloader',
    summary: 'pgloader SQLite -> PostgreSQL (defaults but prefetch rows = 10000)',
    compareTo: null,
    requires: [],
  },
  ...oursFor('sqlite', 'pgloader-sqlite', null, null),
  ...oursFor('mongodb', null, null, null),
]);

/**
 * Execution order (see the module comment). `hash-scan-postgres` reads the target of
 * `ours-init-postgres` right before `ours-verify-postgres` compares the same rows.
 */
export const RUN_ORDER: readonly ScenarioName[] = Object.freeze([
  'pg-dump-restore',
  'pg-binary-copy',
  'pgloader-mysql',
  'pgloader-sqlite',
  ...(['postgres', 'mysql', 'sqlite', 'mongodb'] as const).flatMap((s) =>
    (['init', 'backlog', 'lag', 'verify'] as const).flatMap((step): ScenarioName[] =>
      s === 'postgres' && step === 'verify'
        ? ['hash-scan-postgres', 'ours-verify-postgres']
        : [`ours-${step}-${s}`],
    ),
  ),
  'native-initial-sync',
  'native-backlog-apply',
  'native-live-lag',
]);

export function scenarioInfo(name: ScenarioName): ScenarioInfo {
  const info = SCENARIOS.find((s) => s.name === name);
  if (info === undefined) throw new Error(`unknown scenario ${name}`);
  return info;
}

export function isScenarioName(name: string): name is ScenarioName {
  return SCENARIOS.some((s) => s.name === name);
}

/** The scenarios to run for `--only` (all when null), requirements added, in RUN_ORDER. */
export function selectScenarios(only: readonly ScenarioName[] | null): ScenarioName[] {
  const wanted = new Set<ScenarioName>(only ?? SCENARIOS.map((s) => s.name));
  for (const name of [...wanted]) for (const r of scenarioInfo(name).requires) wanted.add(r);
  return RUN_ORDER.filter((name) => wanted.has(name));
}
