/**
 * The environment of the extractor services (`services/extractor-<kind>`, `run
 * extractor-<kind>`; one per source kind, each refusing another kind's URL). The extractor talks to the coordinator over NATS and to the bus; it never
 * connects to the target, so `DR_TARGET_URL` is not read.
 *
 * The job id is required (`DR_JOB_ID`) rather than derived: the CLI derives it from the source
 * and the target, which the extractor does not know, and one derived from the source alone would
 * silently give two deployments that read one source the same slot. It names the slot and the
 * publication (`dr_pipe_<id>`), the checkpoint and the job in the coordinator's status.
 *
 * Table selection comes from the same configuration the CLI reads: a TOML file (`DR_CONFIG`,
 * every filter rule) and, above it, `DR_INCLUDE_TABLES` / `DR_EXCLUDE_TABLES` /
 * `DR_SCHEMA_ONLY_TABLES` (comma lists as the CLI flags take them; each replaces the file's list).
 */
import {
  Secret,
  loadConfig,
  parseTableListFlag,
  type LogLevel,
  type ReplicatorConfig,
  type SourceKind,
  type TableSelector,
} from '@database-replicator/core';
import type { SnapshotEventMode } from '@database-replicator/pipeline';
import { parseBusSpec, type BusSpec } from './bus-spec.js';
import type { ChangeSourceConfig } from './open-change-source.js';
import type { PipelineJobNames } from './pipeline-job.js';
import {
  parseServiceVariables,
  serviceVariableError,
  type ServiceEnvInput,
} from './service-env.js';

/** What each kind's extractor reads, for the message refusing another kind's URL. */
const SOURCE_NAMES: Readonly<Record<SourceKind, string>> = Object.freeze({
  postgres: 'PostgreSQL (postgresql://)',
  mysql: 'MySQL/MariaDB (mysql://)',
  mongodb: 'MongoDB (mongodb://)',
  sqlite: 'SQLite (a .db/.sqlite/.sqlite3 path or sqlite://)',
});

/** The extractor's settings; defaults as in `loadServiceEnv` unless said otherwise. */
export type ExtractorEnv = Readonly<{
  /** `DR_SOURCE_URL` with the table selection of `DR_CONFIG` and `DR_*_TABLES`. */
  source: ChangeSourceConfig;
  /** The source URL with its password masked, for logs. */
  redactedSourceUrl: string;
  /** `DR_BUS`: Kafka brokers (the in-process bus is refused). */
  bus: Extract<BusSpec, { kind: 'kafka' }>;
  /** `DR_TOPIC_PREFIX`. Default `dr`. */
  topicPrefix: string;
  /** `DR_PARTITIONS`: partitions of the event topics created. Default 6. */
  partitions: number;
  httpHost: string;
  httpPort: number;
  logLevel: LogLevel;
  /** `DR_NATS_URL`: required. */
  natsUrl: Secret;
  /** `DR_NATS_PREFIX`: the coordinator's. Default `dr`. */
  natsPrefix: string;
  /** `DR_JOB_ID`: required. */
  jobId: string;
  /** `DR_EXTRACTOR_ID`: names the checkpoint. Default `extractor-<source kind>`. */
  extractorId: string;
  /** `DR_SNAPSHOT_WORKERS`: tables read at once. Default 2. */
  snapshotWorkers: number;
  /**
   * `DR_SNAPSHOT_EVENTS`: snapshot rows as `chunks` (many per message) or `rows` (one
   * Debezium-compatible `r` event each, for other consumers of the topics). Default `chunks`.
   */
  snapshotEvents: SnapshotEventMode;
}>;

/**
 * Reads the extractor's settings: `DR_SOURCE_URL`, `DR_JOB_ID`, `DR_NATS_URL` and `DR_BUS`
 * (Kafka) are required; `DR_TOPIC_PREFIX`, `DR_PARTITIONS`, `DR_NATS_PREFIX`,
 * `DR_EXTRACTOR_ID`, `DR_SNAPSHOT_WORKERS`, `DR_SNAPSHOT_EVENTS`, `DR_CONFIG`, `DR_INCLUDE_TABLES`,
 * `DR_EXCLUDE_TABLES`, `DR_SCHEMA_ONLY_TABLES`, `DR_HTTP_HOST`, `DR_HTTP_PORT`, `DR_LOG_LEVEL`
 * are optional. Reads the `DR_CONFIG` file if set. `kind` is the source kind the service reads
 * (`extractor-<kind>`); a `DR_SOURCE_URL` of another kind is refused.
 *
 * @throws ReplicatorError `REPL_CONFIG_INVALID` naming the variable (URLs never echoed),
 *   `REPL_CONFIG_FILTER_SYNTAX` for a table list, and `loadConfig`'s errors for the source URL
 *   and the config file.
 */
export async function loadExtractorEnv(
  env: ServiceEnvInput,
  kind: SourceKind = 'postgres',
): Promise<ExtractorEnv> {
  const values = parseServiceVariables(env, {
    DR_SOURCE_URL: true,
    DR_BUS: true,
    DR_TOPIC_PREFIX: true,
    DR_PARTITIONS: true,
    DR_HTTP_HOST: true,
    DR_HTTP_PORT: true,
    DR_LOG_LEVEL: true,
    DR_NATS_URL: true,
    DR_NATS_PREFIX: true,
    DR_JOB_ID: true,
    DR_EXTRACTOR_ID: true,
    DR_SNAPSHOT_WORKERS: true,
    DR_SNAPSHOT_EVENTS: true,
    DR_CONFIG: true,
    DR_INCLUDE_TABLES: true,
    DR_EXCLUDE_TABLES: true,
    DR_SCHEMA_ONLY_TABLES: true,
  });
  const bus = parseBusSpec(values.DR_BUS, 'DR_BUS');
  if (bus.kind !== 'kafka') {
    throw serviceVariableError(
      'DR_BUS',
      'is memory (the default), an in-process bus no loader reads; set the Kafka brokers',
    );
  }
  if (values.DR_NATS_URL === undefined) {
    throw serviceVariableError(
      'DR_NATS_URL',
      'is not set: the extractor checkpoints through the coordinator',
    );
  }
  const config = await loadConfig({
    env: { DR_SOURCE_URL: values.DR_SOURCE_URL },
    configFile: values.DR_CONFIG,
  });
  const { source } = config;
  if (source?.kind !== kind) {
    throw serviceVariableError(
      'DR_SOURCE_URL',
      `names a ${source?.kind ?? 'missing'} source; extractor-${kind} reads ${SOURCE_NAMES[kind]}`,
    );
  }
  return Object.freeze({
    source: Object.freeze({ source, filters: selectTables(config, values), yes: config.yes }),
    redactedSourceUrl: source.redactedUrl,
    bus,
    topicPrefix: values.DR_TOPIC_PREFIX,
    partitions: values.DR_PARTITIONS,
    httpHost: values.DR_HTTP_HOST,
    httpPort: values.DR_HTTP_PORT,
    logLevel: values.DR_LOG_LEVEL,
    natsUrl: new Secret(values.DR_NATS_URL),
    natsPrefix: values.DR_NATS_PREFIX,
    jobId: values.DR_JOB_ID,
    // The schema's default names the PostgreSQL service; other kinds default to their own name.
    extractorId: env.DR_EXTRACTOR_ID === undefined ? `extractor-${kind}` : values.DR_EXTRACTOR_ID,
    snapshotWorkers: values.DR_SNAPSHOT_WORKERS,
    snapshotEvents: values.DR_SNAPSHOT_EVENTS,
  });
}

/**
 * The job's names for the source: the slot and publication `dr_pipe_<jobId>` (as the CLI's
 * pipeline names them) and the topic prefix. `consumerGroup` is the loaders' default; the
 * extractor does not use it.
 */
export function extractorJobNames(jobId: string, topicPrefix: string): PipelineJobNames {
  return Object.freeze({
    jobId,
    topicPrefix,
    consumerGroup: 'dr-loader',
    replicationName: `dr_pipe_${jobId}`,
  });
}

type TableListVariable = 'DR_INCLUDE_TABLES' | 'DR_EXCLUDE_TABLES' | 'DR_SCHEMA_ONLY_TABLES';
type Filters = ReplicatorConfig['filters'];

/** The config file's filters with the environment's table lists over them. */
function selectTables(
  config: ReplicatorConfig,
  lists: Readonly<Partial<Record<TableListVariable, string | undefined>>>,
): Filters {
  const include = tableList(lists, 'DR_INCLUDE_TABLES');
  const exclude = tableList(lists, 'DR_EXCLUDE_TABLES');
  const schemaOnly = tableList(lists, 'DR_SCHEMA_ONLY_TABLES');
  const filters = config.filters;
  const includeTables = include ?? filters.includeTables;
  const excludeTables = exclude ?? filters.excludeTables;
  if (includeTables !== undefined && excludeTables !== undefined) {
    // As with the CLI's flags and file: a run lists either the tables to copy or those to skip.
    throw serviceVariableError(
      include === undefined ? 'DR_EXCLUDE_TABLES' : 'DR_INCLUDE_TABLES',
      'cannot be combined with an exclude list (include_tables/exclude_tables of DR_CONFIG or the other variable)',
    );
  }
  return Object.freeze({
    ...filters,
    ...(includeTables === undefined ? {} : { includeTables }),
    ...(excludeTables === undefined ? {} : { excludeTables }),
    schemaOnlyTables: schemaOnly ?? filters.schemaOnlyTables,
  });
}

function tableList(
  lists: Readonly<Partial<Record<TableListVariable, string | undefined>>>,
  name: TableListVariable,
): readonly TableSelector[] | undefined {
  const text = lists[name];
  return text === undefined ? undefined : parseTableListFlag(text, name);
}
