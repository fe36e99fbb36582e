/**
 * MemoryBus: the shared Bus contract, plus what only the in-process bus has: the per-partition
 * bound with backpressure.
 */
import { isReplicatorError } from '@database-replicator/core';
import { MemoryBus } from '@database-replicator/bus';
import { describe, expect, it } from 'vitest';
import { LocalMessage, Reader, describeBusContract } from './bus-contract.js';

describeBusContract('MemoryBus', async () => ({
  bus: new MemoryBus(),
  dropTopics: async () => undefined,
  close: async () => undefined,
}));

describe('MemoryBus bounds', () => {
  it('blocks a send while the uncommitted backlog is full and resumes after a commit', async () => {
    const bus = new MemoryBus({ maxMessages: 5 });
    await bus.ensureTopics(['t'], { partitions: 1 });
    const consumer = await bus.consumer({ groupId: 'g', topics: ['t'], fromBeginning: true });
    const producer = await bus.producer();
    await producer.send(
      't',
      Array.from({ length: 5 }, (_, i) => ({ key: 'k', value: `${i}` })),
    );
    let done = false;
    const blocked = producer.send('t', [{ key: 'k', value: '5' }]).then(() => {
      done = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(done).toBe(false);

    const reader = new Reader(consumer);
    await reader.until(() => reader.received.length >= 5);
    // Reading is not enough: the messages are retained until the group commits them.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(done).toBe(false);
    await consumer.commit('t', 0, '3');
    await blocked;
    await reader.until(() => reader.received.length >= 6);
    expect(reader.received.map((m) => m.value)).toEqual(['0', '1', '2', '3', '4', '5']);
    await consumer.close();
    await producer.close();
    await bus.close();
  });

  it('bounds bytes, refuses a message larger than the bound, and fails waiting sends on close', async () => {
    const bus = new MemoryBus({ maxBytes: 10 });
    await bus.ensureTopics(['t'], { partitions: 1 });
    const producer = await bus.producer();
    await expect(producer.send('t', [{ key: null, value: 'x'.repeat(11) }])).rejects.toSatisfy(
      (e: unknown) => isReplicatorError(e, 'REPL_BUS_MESSAGE_TOO_LARGE'),
    );
    await producer.send('t', [{ key: null, value: '12345678' }]);
    const waiting = producer.send('t', [{ key: null, value: '123' }]);
    await bus.close();
    await expect(waiting).rejects.toSatisfy((e: unknown) =>
      isReplicatorError(e, 'REPL_BUS_CLOSED'),
    );
  });
});

describe('MemoryBus in-process values', () => {
  it('keeps a value in its in-process form, counted by its size estimate, never encoding it', async () => {
    const bus = new MemoryBus({ maxBytes: 100 });
    await bus.ensureTopics(['t'], { partitions: 1 });
    const consumer = await bus.consumer({ groupId: 'g', topics: ['t'], fromBeginning: true });
    const producer = await bus.producer();
    const message = new LocalMessage('k', 'x'.repeat(60));
    await producer.send('t', [message]);
    // The bound counts the estimate: a second message of the same size has to wait.
    let second = false;
    const waiting = producer.send('t', [new LocalMessage('k', 'y'.repeat(60))]).then(() => {
      second = true;
    });
    const iterator = consumer[Symbol.asyncIterator]();
    const first = await iterator.next();
    const [record] = first.done === true ? [] : first.value.messages;
    expect(record?.local).toBe(message.local);
    expect(message.encodings).toBe(0);
    expect(second).toBe(false);
    expect(record?.value).toBe('x'.repeat(60));
    expect(message.encodings).toBe(1);
    await consumer.commit('t', 0, '1');
    await waiting;
    await consumer.close();
    await producer.close();
    await bus.close();
  });
});
