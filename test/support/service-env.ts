/**
 * Where the integration suites find their servers.
 *
 * Each service is known by the environment variables its suites read. Variables already set in
 * the environment win (point the tests at your own servers); the rest come from
 * `test/services/run env`, which prints the loopback addresses `test/services/run up` starts.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type ServiceName = 'postgres' | 'mariadb' | 'kafka' | 'nats' | 'ferretdb';

export const SERVICE_VARIABLES: Readonly<Record<ServiceName, readonly string[]>> = {
  postgres: ['PG_SOURCE_URL', 'PG_TARGET_URL', 'PG_PLAIN_URL'],
  mariadb: ['MYSQL_URL'],
  kafka: ['KAFKA_BROKERS'],
  nats: ['NATS_URL'],
  ferretdb: ['MONGO_URL'],
};

export const SERVICE_NAMES = Object.keys(SERVICE_VARIABLES) as ServiceName[];

/** The opt-out: `DR_SKIP_SERVICES=kafka,ferretdb` skips the suites needing them. Never set in CI. */
export function skippedServices(env: NodeJS.ProcessEnv = process.env): ReadonlySet<ServiceName> {
  const names = (env['DR_SKIP_SERVICES'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const name of names) {
    if (!SERVICE_NAMES.includes(name as ServiceName)) {
      throw new Error(
        `DR_SKIP_SERVICES names unknown service "${name}"; known: ${SERVICE_NAMES.join(', ')}`,
      );
    }
  }
  return new Set(names as ServiceName[]);
}

const servicesScript = fileURLToPath(new URL('../services/run', import.meta.url));

/** The variables every integration suite reads, from the environment or `test/services/run env`. */
export function loadServiceEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const printed = execFileSync('bash', [servicesScript, 'env'], { encoding: 'utf8' });
  const result: Record<string, string> = {};
  for (const line of printed.split('\n')) {
    const match = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) {
      result[match[1]] = match[2].replace(/^'(.*)'$/, '$1');
    }
  }
  for (const name of Object.values(SERVICE_VARIABLES).flat()) {
    const own = env[name];
    if (own !== undefined && own !== '') result[name] = own;
  }
  return result;
}

/** host:port pairs a service's variables point at, for a reachability probe. */
export function serviceEndpoints(
  service: ServiceName,
  values: Readonly<Record<string, string>>,
): { variable: string; host: string; port: number }[] {
  return SERVICE_VARIABLES[service].flatMap((variable) => {
    const value = values[variable];
    if (value === undefined) return [];
    const first = value.split(',')[0] ?? value;
    const url = new URL(first.includes('://') ? first : `tcp://${first}`);
    return [{ variable, host: url.hostname, port: Number(url.port) }];
  });
}
