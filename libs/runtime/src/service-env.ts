/**
 * The environment of a service (`services/*` and `database-replicator run <service>`): one zod
 * schema of every service variable, with the defaults inside; each service picks the variables
 * it reads, parses them once, freezes the result and passes it down. Only this module reads
 * service variables; an empty value counts as unset. URLs become `Secret`s and are never echoed.
 */
import { LOG_LEVELS, Secret, replicatorError, type LogLevel } from '@database-replicator/core';
import { z } from 'zod';
import { BUS_SPEC_FORMS, parseBusSpec, type BusSpec } from './bus-spec.js';

/** Environment variables as `process.env` holds them. */
export type ServiceEnvInput = Readonly<Record<string, string | undefined>>;

/** A service's settings, validated; see each variable in {@link loadServiceEnv}. */
export type ServiceEnv = Readonly<{
  /** `DR_TARGET_URL`: the target PostgreSQL database. */
  targetUrl: Secret;
  /** `DR_BUS`: `memory` or `kafka://host:port[,host:port]`. Default `memory`. */
  bus: BusSpec;
  /** `DR_TOPIC_PREFIX`: first segment(s) of every topic. Default `dr`. */
  topicPrefix: string;
  /** `DR_CONSUMER_GROUP`: the loaders' consumer group. Default `dr-loader`. */
  consumerGroup: string;
  /** `DR_PARTITIONS`: partitions of the topics a service creates. Default 6. */
  partitions: number;
  /** `DR_HTTP_HOST`: address of the HTTP server (`/healthz`, `/readyz`). Default `127.0.0.1`. */
  httpHost: string;
  /** `DR_HTTP_PORT`: its port; 0 picks a free one (logged). Default 8080. */
  httpPort: number;
  /** `DR_LOG_LEVEL`. Default `info`. */
  logLevel: LogLevel;
  /** `DR_NATS_URL`: NATS for commands and progress, when the service uses it. */
  natsUrl: Secret | undefined;
  /**
   * `DR_NATS_PREFIX`: first segment(s) of the NATS subjects (`<prefix>.coordinator.<call>`,
   * `<prefix>.heartbeat.<job>.<extractor>`); a coordinator and its extractors use the same one.
   * Default `dr`.
   */
  natsPrefix: string;
  /** `DR_MAX_BATCH_MESSAGES`: messages a loader applies and commits together at most. Default 500. */
  maxBatchMessages: number;
  /** `DR_TOPIC_POLL_MS`: how often a loader looks for new event topics, ms. Default 5000. */
  topicPollMs: number;
}>;

const DOTTED_NAME = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;
const DOTTED_NAME_RULE = 'must be letters, digits, "-", "_" and single dots between them';
/** A job id names the source's slot and publication (`dr_pipe_<id>`, at most 63 characters). */
const JOB_ID = /^[a-z0-9_]{1,50}$/;
/** An extractor id is a NATS subject token (heartbeat subjects). */
const EXTRACTOR_ID = /^[A-Za-z0-9_-]{1,100}$/;

function wholeNumber(min: number, max: number) {
  return z
    .string()
    .regex(/^\s*[0-9]+\s*$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max, `must be a whole number from ${min} to ${max}`));
}

function url(schemes: readonly string[]) {
  return z
    .string()
    .refine(
      (value) => schemes.some((scheme) => value.startsWith(scheme)) && URL.canParse(value),
      `must be a ${schemes.join(' or ')} URL`,
    );
}

/** Every service variable; a service reads the ones it picks (see {@link parseServiceVariables}). */
const variables = z.object({
  DR_TARGET_URL: z.string({ error: 'is not set' }).pipe(url(['postgresql://', 'postgres://'])),
  DR_BUS: z.string().default('memory'),
  DR_TOPIC_PREFIX: z.string().regex(DOTTED_NAME, DOTTED_NAME_RULE).default('dr'),
  DR_CONSUMER_GROUP: z.string().max(255, 'must be at most 255 characters').default('dr-loader'),
  DR_PARTITIONS: wholeNumber(1, 10_000).default(6),
  DR_HTTP_HOST: z.string().default('127.0.0.1'),
  DR_HTTP_PORT: wholeNumber(0, 65_535).default(8080),
  DR_LOG_LEVEL: z.enum(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`).default('info'),
  DR_NATS_URL: url(['nats://', 'tls://']).optional(),
  DR_NATS_PREFIX: z.string().regex(DOTTED_NAME, DOTTED_NAME_RULE).default('dr'),
  DR_MAX_BATCH_MESSAGES: wholeNumber(1, 100_000).default(500),
  DR_TOPIC_POLL_MS: wholeNumber(100, 3_600_000).default(5_000),
  DR_SOURCE_URL: z.string({ error: 'is not set' }),
  DR_JOB_ID: z
    .string({ error: 'is not set' })
    .regex(JOB_ID, 'must be 1 to 50 lower-case letters, digits and underscores'),
  DR_EXTRACTOR_ID: z
    .string()
    .regex(EXTRACTOR_ID, 'must be 1 to 100 letters, digits, "-" and "_"')
    .default('extractor-postgres'),
  DR_SNAPSHOT_WORKERS: wholeNumber(1, 64).default(2),
  DR_SNAPSHOT_EVENTS: z.enum(['chunks', 'rows'], 'must be chunks or rows').default('chunks'),
  DR_CONFIG: z.string().optional(),
  DR_INCLUDE_TABLES: z.string().optional(),
  DR_EXCLUDE_TABLES: z.string().optional(),
  DR_SCHEMA_ONLY_TABLES: z.string().optional(),
});

/** The name of a service variable. */
export type ServiceVariable = keyof typeof variables.shape;

const VARIABLES = Object.keys(variables.shape) as readonly ServiceVariable[];

/** Variables whose values are secrets: never echoed in an error. */
const SECRET_VARIABLES: ReadonlySet<string> = new Set([
  'DR_TARGET_URL',
  'DR_NATS_URL',
  'DR_SOURCE_URL',
]);

const FIXES: Readonly<Record<ServiceVariable, string>> = Object.freeze({
  DR_TARGET_URL:
    'Set DR_TARGET_URL to the target database as postgresql://user:password@host:port/database.',
  DR_BUS: `Set DR_BUS to ${BUS_SPEC_FORMS}.`,
  DR_TOPIC_PREFIX: 'Set DR_TOPIC_PREFIX to a valid Kafka topic name such as dr or acme.prod.',
  DR_CONSUMER_GROUP: 'Set DR_CONSUMER_GROUP to a short name such as dr-loader.',
  DR_PARTITIONS: 'Set DR_PARTITIONS to a whole number from 1 to 10000 (default 6).',
  DR_HTTP_HOST: 'Set DR_HTTP_HOST to an address to listen on, e.g. 127.0.0.1 or 0.0.0.0.',
  DR_HTTP_PORT: 'Set DR_HTTP_PORT to a port from 0 to 65535 (0: any free port; default 8080).',
  DR_LOG_LEVEL: `Set DR_LOG_LEVEL to one of ${LOG_LEVELS.join(', ')} (default info).`,
  DR_NATS_URL: 'Set DR_NATS_URL to the NATS server as nats://host:port.',
  DR_NATS_PREFIX:
    'Set DR_NATS_PREFIX to dot-separated letters, digits, "-" and "_" such as dr or acme.prod (default dr), the same in the coordinator and its extractors.',
  DR_MAX_BATCH_MESSAGES:
    'Set DR_MAX_BATCH_MESSAGES to a whole number from 1 to 100000 (default 500).',
  DR_TOPIC_POLL_MS: 'Set DR_TOPIC_POLL_MS to milliseconds from 100 to 3600000 (default 5000).',
  DR_SOURCE_URL:
    'Set DR_SOURCE_URL to the source database as postgresql://user:password@host:port/database.',
  DR_JOB_ID:
    'Set DR_JOB_ID to a name for this source\'s job, e.g. shop_orders: lower-case letters, digits and "_"; it names the slot and publication dr_pipe_<id> on the source.',
  DR_EXTRACTOR_ID:
    'Set DR_EXTRACTOR_ID to letters, digits, "-" and "_" (default extractor-postgres); a restarted extractor must keep its id.',
  DR_SNAPSHOT_WORKERS: 'Set DR_SNAPSHOT_WORKERS to a whole number from 1 to 64 (default 2).',
  DR_SNAPSHOT_EVENTS:
    'Set DR_SNAPSHOT_EVENTS to chunks (many rows per message, the default) or rows (one Debezium-compatible r event per row).',
  DR_CONFIG: 'Set DR_CONFIG to the path of a TOML config file, or unset it.',
  DR_INCLUDE_TABLES: 'Set DR_INCLUDE_TABLES to a comma list such as orders,sales.customers.',
  DR_EXCLUDE_TABLES: 'Set DR_EXCLUDE_TABLES to a comma list such as audit_log,tmp.cache.',
  DR_SCHEMA_ONLY_TABLES: 'Set DR_SCHEMA_ONLY_TABLES to a comma list such as big_history.',
});

/** What a variable mask picks: `{ DR_BUS: true, ... }`. */
export type VariableMask = Partial<Record<ServiceVariable, true>>;

/**
 * Parses the variables `mask` picks from `env` with their defaults.
 *
 * @throws ReplicatorError `REPL_CONFIG_INVALID` naming the first wrong variable (others listed
 *   too), what was expected and the fix; secret values are never echoed.
 */
export function parseServiceVariables<M extends VariableMask>(
  env: ServiceEnvInput,
  mask: M & Record<Exclude<keyof M, ServiceVariable>, never>,
) {
  const schema = variables.pick(mask);
  const input: Record<string, string> = {};
  for (const name of VARIABLES) {
    const value = env[name];
    if (mask[name] === true && value !== undefined && value.trim() !== '') input[name] = value;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw envError(parsed.error.issues, input, parsed.error);
  return parsed.data;
}

/**
 * Reads a service's settings from `env`: `DR_TARGET_URL` (required), `DR_BUS`,
 * `DR_TOPIC_PREFIX`, `DR_CONSUMER_GROUP`, `DR_PARTITIONS`, `DR_HTTP_HOST`, `DR_HTTP_PORT`,
 * `DR_LOG_LEVEL`, `DR_NATS_URL`, `DR_NATS_PREFIX`, `DR_MAX_BATCH_MESSAGES`, `DR_TOPIC_POLL_MS`
 * (defaults on {@link ServiceEnv}).
 *
 * @throws ReplicatorError `REPL_CONFIG_INVALID` naming the first wrong variable (others listed
 *   too), what was expected and the fix; URL values are never echoed.
 */
export function loadServiceEnv(env: ServiceEnvInput): ServiceEnv {
  const values = parseServiceVariables(env, {
    DR_TARGET_URL: true,
    DR_BUS: true,
    DR_TOPIC_PREFIX: true,
    DR_CONSUMER_GROUP: true,
    DR_PARTITIONS: true,
    DR_HTTP_HOST: true,
    DR_HTTP_PORT: true,
    DR_LOG_LEVEL: true,
    DR_NATS_URL: true,
    DR_NATS_PREFIX: true,
    DR_MAX_BATCH_MESSAGES: true,
    DR_TOPIC_POLL_MS: true,
  });
  return Object.freeze({
    targetUrl: new Secret(values.DR_TARGET_URL),
    bus: parseBusSpec(values.DR_BUS, 'DR_BUS'),
    topicPrefix: values.DR_TOPIC_PREFIX,
    consumerGroup: values.DR_CONSUMER_GROUP,
    partitions: values.DR_PARTITIONS,
    httpHost: values.DR_HTTP_HOST,
    httpPort: values.DR_HTTP_PORT,
    logLevel: values.DR_LOG_LEVEL,
    natsUrl: values.DR_NATS_URL === undefined ? undefined : new Secret(values.DR_NATS_URL),
    natsPrefix: values.DR_NATS_PREFIX,
    maxBatchMessages: values.DR_MAX_BATCH_MESSAGES,
    topicPollMs: values.DR_TOPIC_POLL_MS,
  });
}

/**
 * The error for a variable a service needs that is unset or unusable, in the form of
 * {@link loadServiceEnv}'s errors.
 *
 * @param problem - What is wrong, after the name: `is not set`, `is memory, ...`.
 */
export function serviceVariableError(name: ServiceVariable, problem: string, cause?: unknown) {
  return replicatorError('REPL_CONFIG_INVALID', `Invalid service environment: ${name} ${problem}`, {
    fix: FIXES[name],
    details: { configKey: name, origin: 'environment' },
    ...(cause === undefined ? {} : { cause }),
  });
}

function envError(
  issues: readonly z.core.$ZodIssue[],
  input: Readonly<Record<string, string>>,
  cause: unknown,
) {
  const problems = issues.map((issue) => {
    const name = String(issue.path[0] ?? '');
    const value = input[name];
    const shown =
      value === undefined || SECRET_VARIABLES.has(name) ? '' : ` (got ${JSON.stringify(value)})`;
    return { name, text: `${name} ${issue.message}${shown}` };
  });
  const [first, ...others] = problems;
  const more = others.length === 0 ? '' : `; also ${others.map((p) => p.text).join('; ')}`;
  const fix = VARIABLES.find((name) => name === first?.name);
  return replicatorError(
    'REPL_CONFIG_INVALID',
    `Invalid service environment: ${first?.text ?? 'unknown problem'}${more}`,
    {
      fix: fix === undefined ? 'Correct the named environment variable.' : FIXES[fix],
      details: { configKey: first?.name ?? null, origin: 'environment' },
      cause,
    },
  );
}
