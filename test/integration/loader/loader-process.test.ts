/**
 * The loader service's process contract: a configuration error is one line on stderr and exit
 * code 2; SIGTERM while it waits for event topics stops it with exit code 0; its HTTP server
 * answers /healthz at once and /readyz only once it consumes.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServices } from '../../support/describe-with-services.js';
import { createTestDatabases, type TestDatabases } from '../../support/postgres-databases.js';
import { LoaderProcess, kafkaAdmin, loaderEnv, uniquePrefix } from './loader-support.js';

describeWithServices(['postgres', 'kafka'], 'loader service: process contract', () => {
  const prefix = uniquePrefix('idle');
  let dbs: TestDatabases;

  beforeAll(async () => {
    dbs = await createTestDatabases('loader_process');
  });
  afterAll(async () => {
    // The loader created its dead-letter topic before waiting for event topics.
    const admin = await kafkaAdmin();
    await admin.dropPrefix(prefix);
    await admin.close();
    await dbs?.drop();
  });

  it('exits 2 with one line naming the variable when the target is not set', async () => {
    const loader = new LoaderProcess({ DR_BUS: 'kafka://127.0.0.1:9' });
    expect(await loader.exited).toBe(2);
    expect(loader.lines).toHaveLength(1);
    expect(loader.lines[0]?.['text']).toMatch(
      /^loader: REPL_CONFIG_INVALID: .*DR_TARGET_URL is not set.*Fix: Set DR_TARGET_URL/,
    );
  });

  it('is healthy but not ready while no event topic exists, and stops on SIGTERM', async () => {
    const env = loaderEnv({ targetUrl: dbs.targetUrl, prefix, group: 'g' });
    const loader = new LoaderProcess(env);
    await loader.waitForLog('waiting for event topics');
    expect((await loader.get('/healthz')).status).toBe(200);
    expect(await loader.get('/readyz')).toEqual({ status: 503, body: { status: 'not ready' } });
    expect(await loader.stop()).toBe(0);
    expect(loader.output).not.toContain('postgres:postgres@');
  });
});
