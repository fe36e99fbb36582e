/**
 * The HTTP server every service runs: `/healthz` (200 while the process runs), `/readyz` (200
 * once the service does its work, else 503) and whatever the service's handlers serve (the
 * coordinator's API, a loader's `/status`); anything else is a 404. Bodies are JSON.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { replicatorError, type Logger } from '@database-replicator/core';

/** Serves a request and resolves `true`, or resolves `false` to pass it on. */
export type ServiceHttpHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** Options of {@link startServiceHttp}. */
export type ServiceHttpOptions = Readonly<{
  /** Address to listen on. Default `127.0.0.1`; `0.0.0.0` to be reachable from outside. */
  host?: string;
  /** Port; 0 picks a free one (see {@link ServiceHttp.port}). */
  port: number;
  /** Tried in order for every path but `/healthz` and `/readyz`. */
  handlers: readonly ServiceHttpHandler[];
  /** Whether the service is ready (`/readyz`). */
  ready: () => boolean;
  logger: Logger;
}>;

/** A running server. */
export type ServiceHttp = Readonly<{
  /** The port it listens on. */
  port: number;
  /** Stops listening and ends open connections. Idempotent. */
  close(): Promise<void>;
}>;

/**
 * Starts the server and resolves once it listens.
 *
 * @throws ReplicatorError `REPL_CONFIG_INVALID` when the address cannot be listened on (port in
 *   use, unknown host).
 */
export async function startServiceHttp(options: ServiceHttpOptions): Promise<ServiceHttp> {
  const log = options.logger.child({ component: 'http' });
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => void serve(req, res, options, log));
  await listen(server, host, options.port);
  server.on('error', (error) => log.error({ err: error }, 'http server error'));
  const address = server.address();
  const port = isAddressInfo(address) ? address.port : options.port;
  log.info({ host, port }, 'http server listening');
  let closing: Promise<void> | undefined;
  return Object.freeze({
    port,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  });
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  options: ServiceHttpOptions,
  log: Logger,
): Promise<void> {
  try {
    const path = new URL(req.url ?? '/', 'http://service').pathname;
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const ready = options.ready();
      return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready' });
    }
    for (const handler of options.handlers) {
      if (await handler(req, res)) return;
    }
    sendJson(res, 404, { error: `no such path: ${path}` });
  } catch (error) {
    log.error({ err: error, url: req.url }, 'http handler failed');
    if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
    else res.destroy();
  }
}

/** Writes `body` as a JSON response. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(
        replicatorError('REPL_CONFIG_INVALID', `Cannot listen for HTTP on ${host}:${port}`, {
          fix: 'Choose a free port (DR_HTTP_PORT) and an address of this host (DR_HTTP_HOST).',
          details: { host, port },
          cause: error,
        }),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function isAddressInfo(value: string | AddressInfo | null): value is AddressInfo {
  return typeof value === 'object' && value !== null;
}
