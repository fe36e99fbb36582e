/**
 * Fails the integration run, loudly and before any suite starts, when a server is unreachable.
 * Services named in DR_SKIP_SERVICES are not probed; their suites are skipped and listed.
 */
import { Socket } from 'node:net';
import {
  SERVICE_NAMES,
  loadServiceEnv,
  serviceEndpoints,
  skippedServices,
  type ServiceName,
} from './service-env.js';

function probe(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

export default async function setup(): Promise<void> {
  const skipped = skippedServices();
  const values = loadServiceEnv();
  const failures: string[] = [];
  const checked: ServiceName[] = SERVICE_NAMES.filter((s) => !skipped.has(s));
  await Promise.all(
    checked.map(async (service) => {
      for (const { variable, host, port } of serviceEndpoints(service, values)) {
        if (!(await probe(host, port, 3000))) {
          failures.push(
            `${service} is not reachable at ${host}:${port} (${variable}). ` +
              `Start it with: npm run services -- up ${service}`,
          );
        }
      }
    }),
  );
  if (skipped.size > 0) {
    process.stderr.write(
      `DR_SKIP_SERVICES: not probing ${[...skipped].join(', ')}; suites needing them are skipped and listed below.\n`,
    );
  }
  if (failures.length > 0) {
    throw new Error(`integration services missing:\n  ${failures.join('\n  ')}`);
  }
}
