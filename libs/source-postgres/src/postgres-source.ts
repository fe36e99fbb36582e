/**
 * PostgreSQL as a pipeline source: libs/pipeline's `ChangeSource` over one database, with the
 * job's publication and logical replication slot.
 *
 * States: open (SQL connections opened on demand; at most one stream at a time) → closed
 * (`close()` ends the stream, then the connections).
 */
import {
  isReplicatorError,
  replicatorError,
  tableKey,
  type ChangeKey,
  type ChangeRow,
  type Logger,
  type SourcePosition,
} from '@database-replicator/core';
import type {
  ChangeSource,
  CopySnapshotPage,
  SnapshotReadOptions,
  SourceTable,
  SourceTransaction,
} from '@database-replicator/pipeline';
import {
  createClientPool,
  readTableDefinitions,
  type PostgresClient,
  type PostgresClientPool,
} from '@database-replicator/postgres';
import {
  resolveSourceOptions,
  type PostgresSourceOptions,
  type ResolvedSourceOptions,
} from './config.js';
import { APPLICATION_NAME, SLOT_RELEASE_TIMEOUT_MS } from './constants.js';
import { assertUtf8 } from './encoding.js';
import { describePostgresTables } from './introspect.js';
import { postgresPosition, requirePostgresPosition } from './position.js';
import { ensurePublication, publicationExists, readRowFilters } from './publication.js';
import type { ReplicationChannel } from './replication-channel.js';
import { ensureSlot, readSlotState, waitForIdleSlot } from './replication-slot.js';
import { readCopySnapshotPages } from './copy-snapshot.js';
import { readSnapshotPages, type SnapshotContext } from './snapshot.js';
import { streamPostgresChanges } from './stream.js';

/** A PostgreSQL database as a change source; see {@link createPostgresSource}. */
export class PostgresSource implements ChangeSource {
  readonly connector = 'postgresql' as const;
  readonly name: string;
  readonly database: string;
  readonly #options: ResolvedSourceOptions;
  readonly #pool: PostgresClientPool;
  readonly #log: Logger;
  readonly #typeOids = new Map<string, ReadonlyMap<string, number>>();
  #rowFilters: ReadonlyMap<string, string> | undefined;
  #channel: ReplicationChannel | undefined;

  constructor(options: PostgresSourceOptions) {
    this.#options = resolveSourceOptions(options);
    this.name = this.#options.name;
    this.database = this.#options.database;
    this.#log = options.logger.child({ component: 'source-postgres', source: options.name });
    this.#pool = createClientPool(this.#options.url, {
      size: this.#options.connections,
      applicationName: APPLICATION_NAME,
      logger: this.#log,
    });
  }

  async describeTables(): Promise<readonly SourceTable[]> {
    const described = await this.#use('describing the tables', (client) =>
      describePostgresTables(client, this.database, this.#options.tables),
    );
    for (const [key, types] of described.typeOids) this.#typeOids.set(key, types);
    return described.tables;
  }

  /**
   * Creates the publication (with the row filters), then the slot, unless they exist.
   *
   * @returns The new slot's consistent point, or an existing slot's confirmed flush LSN.
   * @throws ReplicatorError `REPL_SOURCE_SLOT_MISSING` when the slot exists without its
   *   publication, `REPL_SOURCE_ENCODING_UNSUPPORTED`, the publication and slot errors.
   */
  async startPosition(): Promise<SourcePosition> {
    const { slotName, publicationName } = this.#options;
    return this.#use('recording the start position', async (client) => {
      await assertUtf8(client, this.database);
      const hasSlot = (await readSlotState(client, slotName)) !== undefined;
      if (hasSlot && !(await publicationExists(client, publicationName))) {
        throw this.#missingPublication(
          `slot ${slotName} exists without it, and a publication created now would not cover the changes the slot already holds`,
        );
      }
      await ensurePublication(client, {
        name: publicationName,
        database: this.database,
        tables: this.#options.tables,
        fixReplicaIdentity: this.#options.fixReplicaIdentity,
        logger: this.#log,
      });
      const slot = await ensureSlot(client, slotName, this.database);
      this.#rowFilters = undefined;
      this.#log.info({ slot: slotName, lsn: slot.lsn, created: slot.created }, 'stream start');
      return postgresPosition(slot.lsn);
    });
  }

  async *readSnapshot(
    table: SourceTable,
    after: ChangeKey | null,
    options: SnapshotReadOptions,
  ): AsyncGenerator<readonly ChangeRow[]> {
    if (table.schemaOnly) return;
    yield* readSnapshotPages(await this.#snapshotContext(table), table, after, options);
  }

  async *readSnapshotCopy(
    table: SourceTable,
    after: ChangeKey | null,
    options: SnapshotReadOptions,
  ): AsyncGenerator<CopySnapshotPage> {
    if (table.schemaOnly) return;
    yield* readCopySnapshotPages(await this.#snapshotContext(table), table, after, options);
  }

  async #snapshotContext(table: SourceTable): Promise<SnapshotContext> {
    const key = tableKey({ schema: table.id.schema, table: table.id.table });
    const typeOids = this.#typeOids.get(key) ?? (await this.#readTypeOids(table));
    const predicate = (await this.#filters()).get(key);
    return { pool: this.#pool, database: this.database, typeOids, predicate };
  }

  async *streamChanges(
    from: SourcePosition,
    signal: AbortSignal,
  ): AsyncGenerator<SourceTransaction> {
    const position = requirePostgresPosition(from, 'streamChanges');
    const context = {
      options: this.#options,
      pool: this.#pool,
      onChannel: (channel: ReplicationChannel | undefined) => {
        this.#channel = channel;
      },
    };
    yield* streamPostgresChanges(context, position, signal);
  }

  /**
   * Reports `position` as flushed on the open stream; without one, advances the slot to it once
   * no walsender holds it. Never moves the slot backwards.
   *
   * @throws ReplicatorError `REPL_POSITION_MISMATCH` for a non-PostgreSQL position,
   *   `REPL_SOURCE_SLOT_MISSING`, `REPL_SOURCE_STREAM_FAILED` (slot held by another process).
   */
  async acknowledge(position: SourcePosition): Promise<void> {
    const { lsn } = requirePostgresPosition(position, 'acknowledge');
    if (this.#channel !== undefined) {
      this.#channel.acknowledge(lsn);
      return;
    }
    const { slotName } = this.#options;
    await this.#use('advancing the slot', async (client) => {
      // A stream that just ended may still hold the slot for a moment.
      await waitForIdleSlot(client, slotName, this.database, SLOT_RELEASE_TIMEOUT_MS);
      await client.query(
        `SELECT pg_replication_slot_advance(slot_name, $2::pg_lsn) FROM pg_replication_slots
          WHERE slot_name = $1 AND NOT active AND confirmed_flush_lsn < $2::pg_lsn`,
        [slotName, lsn],
      );
    });
  }

  async close(): Promise<void> {
    await this.#channel?.close();
    await this.#pool.close();
  }

  async #filters(): Promise<ReadonlyMap<string, string>> {
    if (this.#rowFilters !== undefined) return this.#rowFilters;
    const filters = await this.#use('reading the row filters', (client) =>
      readRowFilters(client, this.#options.publicationName),
    );
    if (filters === undefined) {
      throw this.#missingPublication(
        'the snapshot reads its row filters from it, so record the start position (which creates it) first',
      );
    }
    this.#rowFilters = filters;
    return filters;
  }

  async #readTypeOids(table: SourceTable): Promise<ReadonlyMap<string, number>> {
    const [definition] = await this.#use('reading the column types', (client) =>
      readTableDefinitions(client, [table.id]),
    );
    return new Map((definition?.columns ?? []).map((column) => [column.name, column.typeOid]));
  }

  /** Runs `body` on a pooled connection; driver errors become `REPL_SOURCE_QUERY_FAILED`. */
  async #use<T>(what: string, body: (client: PostgresClient) => Promise<T>): Promise<T> {
    try {
      return await this.#pool.use(body);
    } catch (error) {
      if (isReplicatorError(error)) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw replicatorError(
        'REPL_SOURCE_QUERY_FAILED',
        `Source database ${this.database}: ${what} failed: ${reason}`,
        { details: { database: this.database }, cause: error },
      );
    }
  }

  #missingPublication(why: string) {
    const { publicationName, slotName } = this.#options;
    return replicatorError(
      'REPL_SOURCE_SLOT_MISSING',
      `Publication ${publicationName} does not exist in database ${this.database}: ${why}`,
      { details: { database: this.database, publication: publicationName, slot: slotName } },
    );
  }
}

/**
 * Creates a PostgreSQL change source. Nothing connects until the first call.
 *
 * @throws ReplicatorError `REPL_CONFIG_INVALID` for an invalid slot or publication name.
 */
export function createPostgresSource(options: PostgresSourceOptions): PostgresSource {
  return new PostgresSource(options);
}
