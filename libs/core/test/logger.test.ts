import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Secret, createLogger, replicatorError } from '@database-replicator/core';

const PASSWORD = 'hunter2-Sup3rSecret';
const URL_WITH_PASSWORD = `postgresql://app:${PASSWORD}@db.internal:5432/shop`;

/** A destination that keeps every line in memory. */
function memoryDestination(): {
  stream: Writable;
  lines: () => Record<string, unknown>[];
  text: () => string;
} {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const text = () => chunks.join('');
  const lines = () =>
    text()
      .trim()
      .split('\n')
      .map((line): Record<string, unknown> => JSON.parse(line));
  return { stream, lines, text };
}

describe('createLogger', () => {
  it('writes JSON lines with level, name and fields', () => {
    const out = memoryDestination();
    const logger = createLogger({ destination: out.stream, name: 'test', level: 'debug' });
    logger.debug({ table: 'public.orders', rows: 1000 }, 'chunk copied');
    expect(out.lines()[0]).toMatchObject({
      level: 20,
      name: 'test',
      table: 'public.orders',
      rows: 1000,
      msg: 'chunk copied',
    });
  });

  it('defaults to level info', () => {
    const out = memoryDestination();
    const logger = createLogger({ destination: out.stream });
    logger.debug('hidden');
    logger.info('shown');
    expect(out.lines().map((line) => line['msg'])).toEqual(['shown']);
  });

  it('never writes a password, however it is logged', () => {
    const out = memoryDestination();
    const logger = createLogger({ destination: out.stream, level: 'trace' });
    const wrapped = replicatorError('REPL_CONNECT_FAILED', 'connect failed', {
      cause: new Error(`connect ECONNREFUSED ${URL_WITH_PASSWORD}`),
    });
    const driverError = Object.assign(new Error(`auth failed for ${URL_WITH_PASSWORD}`), {
      code: '28P01',
      password: PASSWORD,
    });

    logger.info(`connecting to ${URL_WITH_PASSWORD}`);
    logger.info('connecting to %s', URL_WITH_PASSWORD);
    logger.info({ url: URL_WITH_PASSWORD }, 'as a field');
    logger.info({ source: { connection: { url: URL_WITH_PASSWORD } } }, 'nested');
    logger.info(
      { list: [URL_WITH_PASSWORD, { dsn: `host=db password=${PASSWORD}` }] },
      'in an array',
    );
    logger.info(
      { password: PASSWORD, db: { password: PASSWORD }, a: { b: { c: { dbPassword: PASSWORD } } } },
      'keys',
    );
    logger.info(
      { secret: new Secret(PASSWORD), wrapped: { url: new Secret(URL_WITH_PASSWORD) } },
      'secrets',
    );
    logger.error(new Error(`cannot connect to ${URL_WITH_PASSWORD}`));
    logger.error({ err: driverError }, 'driver error');
    logger.error({ err: wrapped }, 'wrapped cause');
    logger.warn(
      { detail: { error: new Error(`nested ${URL_WITH_PASSWORD}`) } },
      'error in a field',
    );
    logger.child({ source: URL_WITH_PASSWORD, auth: { token: PASSWORD } }).info('child bindings');

    const text = out.text();
    expect(out.lines()).toHaveLength(12);
    expect(text).not.toContain(PASSWORD);
    expect(text).toContain('postgresql://app:***@db.internal:5432/shop');
  });

  it('keeps error details useful after redaction', () => {
    const out = memoryDestination();
    const logger = createLogger({ destination: out.stream });
    const error = replicatorError('REPL_CONNECT_FAILED', `cannot reach ${URL_WITH_PASSWORD}`, {
      details: { host: 'db.internal' },
      cause: Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:5432'), {
        code: 'ECONNREFUSED',
      }),
    });
    logger.error({ err: error }, 'source unreachable');
    const err = out.lines()[0]?.['err'];
    expect(err).toMatchObject({
      type: 'ReplicatorError',
      code: 'REPL_CONNECT_FAILED',
      message: 'cannot reach postgresql://app:***@db.internal:5432/shop',
      details: { host: 'db.internal' },
      cause: { type: 'Error', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.1:5432' },
    });
    expect(JSON.stringify(err)).toContain('"stack"');
  });

  it('survives circular fields', () => {
    const out = memoryDestination();
    const logger = createLogger({ destination: out.stream });
    const loop: Record<string, unknown> = { name: 'loop' };
    loop['self'] = loop;
    logger.info({ loop }, 'circular');
    expect(out.lines()[0]).toMatchObject({ loop: { name: 'loop', self: '[Circular]' } });
  });
});
