/**
 * Smoke test for the NATS server `test/services/run up nats` starts: JetStream key-value with
 * optimistic concurrency, which the replicator's checkpoint store relies on.
 */
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServices, requiredEnv } from '../../support/describe-with-services.js';

describeWithServices(['nats'], 'nats smoke', () => {
  const bucketName = `smoke_${process.pid}_${Date.now()}`;
  let nc: NatsConnection | undefined;
  let kv: KV | undefined;

  beforeAll(async () => {
    nc = await connect({
      servers: requiredEnv('NATS_URL'),
      name: 'database-replicator smoke test',
      timeout: 5_000,
      reconnect: false,
    });
    kv = await new Kvm(nc).create(bucketName, { history: 5 });
  });

  afterAll(async () => {
    try {
      await kv?.destroy();
    } finally {
      await nc?.drain();
    }
  });

  function bucket(): KV {
    if (kv === undefined) throw new Error('KV bucket was not created');
    return kv;
  }

  it('puts and gets a value with its revision', async () => {
    const revision = await bucket().put('greeting', 'hello');
    expect(revision).toBeGreaterThan(0);

    const entry = await bucket().get('greeting');
    expect(entry).not.toBeNull();
    expect(entry?.string()).toBe('hello');
    expect(entry?.revision).toBe(revision);
    expect(entry?.operation).toBe('PUT');
    expect(entry?.bucket).toBe(bucketName);

    expect(await bucket().get('absent')).toBeNull();
  });

  it('update succeeds with the current revision and fails with a stale one', async () => {
    const first = await bucket().put('checkpoint', 'lsn-1');
    const second = await bucket().update('checkpoint', 'lsn-2', first);
    expect(second).toBeGreaterThan(first);

    const stale = bucket().update('checkpoint', 'lsn-stale', first);
    await expect(stale).rejects.toBeInstanceOf(JetStreamApiError);
    await expect(stale).rejects.toMatchObject({
      code: JetStreamApiCodes.StreamWrongLastSequence,
      message: expect.stringMatching(/wrong last sequence/i),
    });

    const entry = await bucket().get('checkpoint');
    expect(entry?.string()).toBe('lsn-2');
    expect(entry?.revision).toBe(second);
    // The earlier revision is still readable from history.
    expect((await bucket().get('checkpoint', { revision: first }))?.string()).toBe('lsn-1');
  });

  it('create succeeds for a new key and fails when the key exists', async () => {
    const revision = await bucket().create('owner', 'replicator-a');
    expect(revision).toBeGreaterThan(0);

    const again = bucket().create('owner', 'replicator-b');
    await expect(again).rejects.toBeInstanceOf(JetStreamApiError);
    await expect(again).rejects.toMatchObject({
      code: JetStreamApiCodes.StreamWrongLastSequence,
    });

    const entry = await bucket().get('owner');
    expect(entry?.string()).toBe('replicator-a');
    expect(entry?.revision).toBe(revision);
  });
});
