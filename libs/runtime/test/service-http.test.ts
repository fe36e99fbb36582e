/**
 * The service HTTP server on a free loopback port: health, readiness, delegation to handlers in
 * order, 404, a failing handler, and close.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@database-replicator/core';
import {
  LoaderStatus,
  sendJson,
  startServiceHttp,
  type ServiceHttp,
} from '@database-replicator/runtime';

const logger = createLogger({ level: 'silent' });
const servers: ServiceHttp[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function get(server: ServiceHttp, path: string) {
  const response = await fetch(`http://127.0.0.1:${server.port}${path}`);
  return { status: response.status, body: await response.json() };
}

describe('startServiceHttp', () => {
  it('serves /healthz, /readyz from ready(), the handlers in order, else 404', async () => {
    let ready = false;
    const seen: string[] = [];
    const server = await startServiceHttp({
      port: 0,
      ready: () => ready,
      logger,
      handlers: [
        async (req) => {
          seen.push(`first ${req.url}`);
          return false;
        },
        async (req, res) => {
          if (req.url !== '/jobs') return false;
          sendJson(res, 200, { jobs: [] });
          return true;
        },
      ],
    });
    servers.push(server);
    expect(server.port).toBeGreaterThan(0);
    expect(await get(server, '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await get(server, '/readyz')).toEqual({ status: 503, body: { status: 'not ready' } });
    ready = true;
    expect(await get(server, '/readyz')).toEqual({ status: 200, body: { status: 'ready' } });
    expect(await get(server, '/jobs')).toEqual({ status: 200, body: { jobs: [] } });
    expect(await get(server, '/nope')).toEqual({
      status: 404,
      body: { error: 'no such path: /nope' },
    });
    expect(seen).toEqual(['first /jobs', 'first /nope']);
  });

  it('answers 500 when a handler throws, and keeps serving', async () => {
    const server = await startServiceHttp({
      port: 0,
      ready: () => true,
      logger,
      handlers: [() => Promise.reject(new Error('boom'))],
    });
    servers.push(server);
    expect(await get(server, '/x')).toEqual({ status: 500, body: { error: 'internal error' } });
    expect((await get(server, '/healthz')).status).toBe(200);
  });

  it('refuses a port in use with a coded error, and close() frees the port', async () => {
    const first = await startServiceHttp({ port: 0, ready: () => true, logger, handlers: [] });
    await expect(
      startServiceHttp({ port: first.port, ready: () => true, logger, handlers: [] }),
    ).rejects.toMatchObject({ code: 'REPL_CONFIG_INVALID' });
    await first.close();
    await first.close();
    const again = await startServiceHttp({
      port: first.port,
      ready: () => true,
      logger,
      handlers: [],
    });
    servers.push(again);
    expect(again.port).toBe(first.port);
  });

  it('serves a loader status at /status', async () => {
    const status = new LoaderStatus('g');
    const server = await startServiceHttp({
      port: 0,
      ready: () => status.ready,
      logger,
      handlers: [status.handler],
    });
    servers.push(server);
    expect((await get(server, '/readyz')).status).toBe(503);
    status.consuming(['dr.src.public.a']);
    status.committed({
      topic: 'dr.src.public.a',
      partition: 2,
      nextOffset: '10',
      stats: { applied: 9, skipped: 1, deadLettered: 0, tombstones: 0, otherIncarnations: 0 },
    });
    expect((await get(server, '/readyz')).status).toBe(200);
    expect(await get(server, '/status')).toEqual({
      status: 200,
      body: {
        consumerGroup: 'g',
        consuming: true,
        topics: ['dr.src.public.a'],
        partitions: [{ topic: 'dr.src.public.a', partition: 2, nextOffset: '10' }],
        stats: { applied: 9, skipped: 1, deadLettered: 0, tombstones: 0, otherIncarnations: 0 },
      },
    });
  });
});
