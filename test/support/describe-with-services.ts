import { describe } from 'vitest';
import { skippedServices, type ServiceName } from './service-env.js';

/**
 * `describe` for a suite that needs real servers. When DR_SKIP_SERVICES names one of them, the
 * suite is skipped and a line on stderr says exactly which suite and why.
 */
export function describeWithServices(
  services: readonly ServiceName[],
  name: string,
  body: () => void,
): void {
  const skipped = skippedServices();
  const missing = services.filter((s) => skipped.has(s));
  if (missing.length > 0) {
    process.stderr.write(
      `skipped suite "${name}": needs ${missing.join(', ')} (DR_SKIP_SERVICES)\n`,
    );
    describe.skip(name, body);
    return;
  }
  describe(name, body);
}

/** A variable the integration environment must carry; vitest.config.ts fills it in. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`${name} is not set; start the services with: npm run services -- up`);
  }
  return value;
}
