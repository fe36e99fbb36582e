/**
 * MemoryBus: the shared Bus contract, plus what only the in-process bus has: the per-partition
 * bound with backpressure.
 */
import { isReplicatorError } from '@database-replicator/core';
import { MemoryBus } from '@database-replicator/bus';
import { describe, expect, it } from 'vitest';
import { Reader, describeBusContract } from './bus-contract.js';

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
