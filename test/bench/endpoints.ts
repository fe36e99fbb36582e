/**
 * Where the benchmark's servers are. Like test/support/service-env.ts: variables already set in the
 * environment win, the rest come from `test/services/run env`. Only loopback hosts are accepted:
 * the benchmark drops and recreates databases.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Connection URLs of the servers; they carry passwords, so never print them (see redactUrl). */
export type Endpoints = Readonly<{ pgSource: URL; pgTarget: URL; mysql: URL; mongo: URL }>;

const VARIABLES = {
  pgSource: 'PG_SOURCE_URL',
  pgTarget: 'PG_TARGET_URL',
  mysql: 'MYSQL_URL',
  mongo: 'MONGO_URL',
} as const;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

const servicesScript = fileURLToPath(new URL('../../services/run', import.meta.url));

function printedServiceEnv(): Map<string, string> {
  const printed = execFileSync('bash', [servicesScript, 'env', 'postgres', 'mariadb', 'ferretdb'], {
    encoding: 'utf8',
  });
  const values = new Map<string, string>();
  for (const line of printed.split('\n')) {
    const match = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) {
      values.set(match[1], match[2].replace(/^'(.*)'$/, '$1'));
    }
  }
  return values;
}

/** Reads the four URLs; throws naming the variable when one is missing or not on loopback. */
export function loadEndpoints(env: NodeJS.ProcessEnv): Endpoints {
  const printed = printedServiceEnv();
  const read = (variable: string): URL => {
    const own = env[variable];
    const text = own !== undefined && own !== '' ? own : printed.get(variable);
    if (text === undefined)
      throw new Error(`${variable} is not set and test/services/run env does not print it`);
    const url = new URL(text);
    if (!LOOPBACK.has(url.hostname)) {
      throw new Error(
        `${variable} points at ${url.hostname}; the benchmark only talks to loopback servers`,
      );
    }
    return url;
  };
  return Object.freeze({
    pgSource: read(VARIABLES.pgSource),
    pgTarget: read(VARIABLES.pgTarget),
    mysql: read(VARIABLES.mysql),
    mongo: read(VARIABLES.mongo),
  });
}

/** The same server, another database (path). */
export function withDatabase(url: URL, database: string): URL {
  const copy = new URL(url.href);
  copy.pathname = `/${database}`;
  return copy;
}

/** `url` without its password, for messages. */
export function redactUrl(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password !== '') copy.password = '***';
  return copy.href;
}

/** Port as a number, with the scheme's default when the URL has none. */
export function portOf(url: URL, fallback: number): number {
  return url.port === '' ? fallback : Number(url.port);
}
