/**
 * The environment of a service (`services/*` and `database-replicator run <service>`): one zod
 * schema with the defaults inside, parsed once, frozen and passed down. Only this module reads
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
  /** `DR_MAX_BATCH_MESSAGES`: messages a loader applies and commits together at most. Default 500. */
  maxBatchMessages: number;
  /** `DR_TOPIC_POLL_MS`: how often a loader looks for new event topics, ms. Default 5000. */
  topicPollMs: number;
}>;

const TOPIC_PREFIX = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;

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

const schema = z.object({
  DR_TARGET_URL: z.string({ error: 'is not set' }).pipe(url(['postgresql://', 'postgres://'])),
  DR_BUS: z.string().default('memory'),
  DR_TOPIC_PREFIX: z
    .string()
    .regex(TOPIC_PREFIX, 'must be letters, digits, "-", "_" and single dots between them')
    .default('dr'),
  DR_CONSUMER_GROUP: z.string().max(255, 'must be at most 255 characters').default('dr-loader'),
  DR_PARTITIONS: wholeNumber(1, 10_000).default(6),
  DR_HTTP_HOST: z.string().default('127.0.0.1'),
  DR_HTTP_PORT: wholeNumber(0, 65_535).default(8080),
  DR_LOG_LEVEL: z.enum(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`).default('info'),
  DR_NATS_URL: url(['nats://', 'tls://']).optional(),
  DR_MAX_BATCH_MESSAGES: wholeNumber(1, 100_000).default(500),
  DR_TOPIC_POLL_MS: wholeNumber(100, 3_600_000).default(5_000),
});

type Variable = keyof z.input<typeof schema>;

const VARIABLES = Object.keys(schema.shape) as readonly Variable[];

/** Variables whose values are secrets: never echoed in an error. */
const SECRET_VARIABLES: ReadonlySet<string> = new Set(['DR_TARGET_URL', 'DR_NATS_URL']);

const FIXES: Readonly<Record<Variable, string>> = Object.freeze({
  DR_TARGET_URL:
    'Set DR_TARGET_URL to the target database as postgresql://user:password@host:port/database.',
  DR_BUS: `Set DR_BUS to ${BUS_SPEC_FORMS}.`,
  DR_TOPIC_PREFIX: 'Set DR_TOPIC_PREFIX to a valid Kafka topic name such as dr or acme.prod.',
  DR_CONSUMER_GROUP: 'Set DR_CONSUMER_GROUP to a short name such as dr-loader.',
  DR_PARTITIONS: 'Set DR_PARTITIONS to a whole number from 1 to 10000 (default 6).',
  DR_HTTP_HOST: 'Set DR_HTTP_HOST to an address to listen on, e.g. 127.0.0.1 or 0.0.0.0.',
  DR_HTTP_PORT: 'Set DR_HTTP_PORT to a port from 0 to 65535 (0: any free port; default 8080).',
  DR_LOG_LEVEL: `Set DR_LOG_LEVEL to one of ${LOG_LEVELS.join(', ')} (default info).`,
  DR_NATS_URL: 'Set DR_NATS_URL to nats://host:port or unset it.',
  DR_MAX_BATCH_MESSAGES:
    'Set DR_MAX_BATCH_MESSAGES to a whole number from 1 to 100000 (default 500).',
  DR_TOPIC_POLL_MS: 'Set DR_TOPIC_POLL_MS to milliseconds from 100 to 3600000 (default 5000).',
});

/**
 * Reads a service's settings from `env`: `DR_TARGET_URL` (required), `DR_BUS`,
 * `DR_TOPIC_PREFIX`, `DR_CONSUMER_GROUP`, `DR_PARTITIONS`, `DR_HTTP_HOST`, `DR_HTTP_PORT`,
 * `DR_LOG_LEVEL`, `DR_NATS_URL`, `DR_MAX_BATCH_MESSAGES`, `DR_TOPIC_POLL_MS` (defaults on
 * {@link ServiceEnv}).
 *
 * @throws ReplicatorError `REPL_CONFIG_INVALID` naming the first wrong variable (others listed
 *   too), what was expected and the fix; URL values are never echoed.
 */
export function loadServiceEnv(env: ServiceEnvInput): ServiceEnv {
  const input: Record<string, string> = {};
  for (const name of VARIABLES) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') input[name] = value;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw envError(parsed.error.issues, input, parsed.error);
  const values = parsed.data;
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
    maxBatchMessages: values.DR_MAX_BATCH_MESSAGES,
    topicPollMs: values.DR_TOPIC_POLL_MS,
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
