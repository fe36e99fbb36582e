/**
 * The change stream of a PostgreSQL source: the slot is checked, a replication channel streams
 * pgoutput from the resume LSN, and the assembler turns its messages into steps, pulled one at a
 * time by the consumer (a slow consumer pauses the socket, see replication-channel.ts).
 */
import type { PostgresPosition } from '@database-replicator/core';
import type { SourceTransaction } from '@database-replicator/pipeline';
import type { PostgresClientPool } from '@database-replicator/postgres';
import type { ResolvedSourceOptions } from './config.js';
import { assertUtf8 } from './encoding.js';
import { laterOf } from './position.js';
import { ReplicationChannel } from './replication-channel.js';
import { SLOT_RELEASE_TIMEOUT_MS } from './constants.js';
import { waitForIdleSlot } from './replication-slot.js';
import { PgoutputTransactionAssembler } from './transaction-assembler.js';

/** What a stream needs from its source. */
export type StreamContext = Readonly<{
  options: ResolvedSourceOptions;
  pool: PostgresClientPool;
  /** Called with the open channel, and with `undefined` once it is closed. */
  onChannel: (channel: ReplicationChannel | undefined) => void;
}>;

/**
 * Steps of the stream from `from` until `signal` aborts.
 *
 * @throws ReplicatorError `REPL_SOURCE_SLOT_MISSING` (slot gone or not ours), the slot still
 *   held by another connection after a while (`REPL_SOURCE_STREAM_FAILED`),
 *   `REPL_SOURCE_ENCODING_UNSUPPORTED`, `REPL_SOURCE_STREAM_FAILED`, value encoding errors.
 */
export async function* streamPostgresChanges(
  context: StreamContext,
  from: PostgresPosition,
  signal: AbortSignal,
): AsyncGenerator<SourceTransaction> {
  const { options, pool } = context;
  if (signal.aborted) return;
  const confirmed = await pool.use(async (client) => {
    await assertUtf8(client, options.database);
    return waitForIdleSlot(client, options.slotName, options.database, SLOT_RELEASE_TIMEOUT_MS);
  });
  // An abort before the listener below is added would never reach it.
  if (signal.aborted) return;
  const channel = new ReplicationChannel({
    url: options.url,
    database: options.database,
    slot: options.slotName,
    publication: options.publicationName,
    startLsn: from.lsn,
    // A checkpoint behind the slot (acknowledged, then not saved) must not move the slot back.
    ackedLsn: laterOf(from.lsn, confirmed),
  });
  const stop = (): void => void channel.close();
  signal.addEventListener('abort', stop, { once: true });
  context.onChannel(channel);
  try {
    channel.start();
    const assembler = new PgoutputTransactionAssembler({
      sourceName: options.name,
      database: options.database,
      fromLsn: from.lsn,
    });
    for await (const item of channel.items()) {
      if (signal.aborted) return;
      for (const step of assembler.push(item, Date.now())) yield step;
    }
  } finally {
    signal.removeEventListener('abort', stop);
    context.onChannel(undefined);
    await channel.close();
  }
}
