/**
 * Service settings from the environment: defaults, the bus forms, and errors that name the
 * variable and the fix without ever echoing a URL.
 */
import { describe, expect, it } from 'vitest';
import { isReplicatorError, type ReplicatorError } from '@database-replicator/core';
import {
  describeServiceFailure,
  loadServiceEnv,
  parseBusSpec,
  runLoaderFromEnv,
} from '@database-replicator/runtime';

const TARGET = 'postgresql://loader:s3cret-pw@db.internal:5432/app';

function failure(run: () => unknown): ReplicatorError {
  try {
    run();
  } catch (error) {
    if (isReplicatorError(error)) return error;
    throw error;
  }
  throw new Error('expected a ReplicatorError');
}

describe('loadServiceEnv', () => {
  it('applies the defaults and keeps the target URL a Secret', () => {
    const env = loadServiceEnv({ DR_TARGET_URL: TARGET, DR_TOPIC_PREFIX: '' });
    expect(env).toMatchObject({
      bus: { kind: 'memory' },
      topicPrefix: 'dr',
      consumerGroup: 'dr-loader',
      partitions: 6,
      httpHost: '127.0.0.1',
      httpPort: 8080,
      logLevel: 'info',
      natsUrl: undefined,
      maxBatchMessages: 500,
      topicPollMs: 5000,
    });
    expect(env.targetUrl.reveal()).toBe(TARGET);
    expect(JSON.stringify(env)).not.toContain('s3cret-pw');
    expect(Object.isFrozen(env)).toBe(true);
  });

  it('reads every variable', () => {
    const env = loadServiceEnv({
      DR_TARGET_URL: TARGET,
      DR_BUS: 'kafka://k1:9092, k2:9093',
      DR_TOPIC_PREFIX: 'acme.prod',
      DR_CONSUMER_GROUP: 'loaders',
      DR_PARTITIONS: '12',
      DR_HTTP_HOST: '0.0.0.0',
      DR_HTTP_PORT: '0',
      DR_LOG_LEVEL: 'debug',
      DR_NATS_URL: 'nats://127.0.0.1:4222',
      DR_MAX_BATCH_MESSAGES: '2000',
      DR_TOPIC_POLL_MS: '250',
    });
    expect(env).toMatchObject({
      bus: { kind: 'kafka', brokers: ['k1:9092', 'k2:9093'] },
      topicPrefix: 'acme.prod',
      consumerGroup: 'loaders',
      partitions: 12,
      httpHost: '0.0.0.0',
      httpPort: 0,
      logLevel: 'debug',
      maxBatchMessages: 2000,
      topicPollMs: 250,
    });
    expect(env.natsUrl?.reveal()).toBe('nats://127.0.0.1:4222');
  });

  it('names a missing DR_TARGET_URL and how to set it', () => {
    const error = failure(() => loadServiceEnv({}));
    expect(error.code).toBe('REPL_CONFIG_INVALID');
    expect(error.message).toContain('DR_TARGET_URL is not set');
    expect(error.fix).toContain('DR_TARGET_URL');
    expect(error.details).toMatchObject({ configKey: 'DR_TARGET_URL' });
  });

  it('never echoes a wrong target URL', () => {
    const error = failure(() => loadServiceEnv({ DR_TARGET_URL: 'mysql://u:s3cret-pw@h/db' }));
    expect(error.message).toContain('DR_TARGET_URL must be a postgresql:// or postgres:// URL');
    expect(`${error.message} ${error.fix}`).not.toContain('s3cret-pw');
  });

  it('names each wrong variable with what it got and the fix of the first', () => {
    const error = failure(() =>
      loadServiceEnv({ DR_TARGET_URL: TARGET, DR_PARTITIONS: 'six', DR_LOG_LEVEL: 'loud' }),
    );
    expect(error.message).toContain(
      'DR_PARTITIONS must be a whole number from 1 to 10000 (got "six")',
    );
    expect(error.message).toContain('DR_LOG_LEVEL must be one of');
    expect(error.fix).toContain('DR_PARTITIONS');
  });

  it('rejects a malformed bus naming DR_BUS', () => {
    const error = failure(() => loadServiceEnv({ DR_TARGET_URL: TARGET, DR_BUS: 'kafka://host' }));
    expect(error.code).toBe('REPL_CONFIG_INVALID');
    expect(error.message).toContain('DR_BUS');
    expect(error.message).toContain('"host" is not host:port');
    expect(error.fix).toContain('kafka://');
  });

  it('rejects a topic prefix Kafka would refuse', () => {
    const error = failure(() => loadServiceEnv({ DR_TARGET_URL: TARGET, DR_TOPIC_PREFIX: 'a..b' }));
    expect(error.message).toContain('DR_TOPIC_PREFIX');
  });
});

describe('parseBusSpec', () => {
  it.each([
    ['memory', { kind: 'memory' }],
    ['kafka://127.0.0.1:59092', { kind: 'kafka', brokers: ['127.0.0.1:59092'] }],
    ['kafka://[::1]:9092,b:1', { kind: 'kafka', brokers: ['[::1]:9092', 'b:1'] }],
  ])('parses %s', (text, expected) => {
    expect(parseBusSpec(text, '--bus')).toEqual(expected);
  });

  it.each(['', 'nats://x:1', 'kafka://', 'kafka://h:0', 'kafka://h:70000', 'kafka://h:1,'])(
    'refuses %j, naming where it was written',
    (text) => {
      const error = failure(() => parseBusSpec(text, '--bus'));
      expect(error.code).toBe('REPL_CONFIG_INVALID');
      expect(error.message).toContain('--bus');
    },
  );
});

describe('describeServiceFailure', () => {
  it('gives configuration errors exit code 2 and others 3, in one line', () => {
    const config = describeServiceFailure(
      'loader',
      failure(() => loadServiceEnv({})),
    );
    expect(config.exitCode).toBe(2);
    expect(config.line).toMatch(/^loader: REPL_CONFIG_INVALID: .*DR_TARGET_URL.*\. Fix: /);
    expect(config.line).not.toContain('\n');
    const other = describeServiceFailure(
      'loader',
      new Error('connect to postgresql://u:pw123@h/db failed'),
    );
    expect(other.exitCode).toBe(3);
    expect(other.line).not.toContain('pw123');
  });
});

describe('runLoaderFromEnv', () => {
  it('refuses the in-process bus before opening anything', async () => {
    await expect(
      runLoaderFromEnv({ DR_TARGET_URL: TARGET }, new AbortController().signal),
    ).rejects.toMatchObject({
      code: 'REPL_CONFIG_INVALID',
      details: { configKey: 'DR_BUS' },
    });
  });
});
