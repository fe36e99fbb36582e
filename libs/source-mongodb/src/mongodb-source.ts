/**
 * A MongoDB deployment as a pipeline source (`ChangeSource`). States: created → described
 * (collections listed, capture mode chosen from the server: change streams or refresh) →
 * started (P0: a resume token, or refresh cycle 0 with a fresh state directory) → snapshot and
 * stream → closed. The client connects on first use.
 */
import { MongoClient, Timestamp } from 'mongodb';
import {
  isReplicatorError,
  planTables,
  replicatorError,
  tableKey,
  type ChangeKey,
  type ChangeRow,
  type ReplicatorConfig,
  type SourcePosition,
} from '@database-replicator/core';
import type {
  ChangeSource,
  SnapshotReadOptions,
  SourceTable,
  SourceTransaction,
} from '@database-replicator/pipeline';
import {
  parseMongoUrl,
  resolveMongoSourceConfig,
  type MongoSourceConfig,
  type MongoSourceOptions,
} from './config.js';
import { estimateDocuments, listMongoCollections, readServerInfo } from './introspect.js';
import { mongoCall } from './mongo-call.js';
import { refreshPosition, refreshSequenceOf, resumeTokenOf, streamPosition } from './position.js';
import { refreshMongoChanges } from './refresh.js';
import { RefreshStateStore } from './refresh-state.js';
import { readMongoSnapshot } from './snapshot.js';
import { SnapshotCursors } from './snapshot-cursors.js';
import { openChangeStream, streamMongoChanges } from './stream.js';
import { MONGO_KEY_COLUMNS, MONGO_TABLE_COLUMNS } from './type-map.js';

/** How this source captures changes once the server has been asked. */
type CaptureMode = 'changeStream' | 'refresh';

const NO_FILTERS: ReplicatorConfig['filters'] = Object.freeze({
  schemaOnlyTables: [],
  tableFilters: [],
  timeFilters: [],
});

/** A MongoDB source; create it with {@link createMongoSource}. */
export class MongoChangeSource implements ChangeSource {
  readonly connector = 'mongodb';
  readonly name: string;
  readonly database: string;
  readonly #config: MongoSourceConfig;
  readonly #store: RefreshStateStore;
  readonly #cursors = new SnapshotCursors();
  #client: MongoClient | undefined;
  #mode: CaptureMode | undefined;
  #described: readonly SourceTable[] | undefined;

  constructor(config: MongoSourceConfig) {
    this.#config = config;
    this.#store = new RefreshStateStore(config.refreshStateDir);
    this.name = config.name;
    this.database = config.database ?? config.name;
  }

  async describeTables(): Promise<readonly SourceTable[]> {
    const client = await this.#connect();
    const ids = await listMongoCollections(client, this.#config.database);
    const plans = planTables(ids, this.#config.filters ?? NO_FILTERS, {
      schema: this.#config.database ?? '',
    });
    const tables: SourceTable[] = [];
    for (const plan of plans) {
      if (plan.rowFilters.length > 0 || plan.timeFilters.length > 0) {
        throw replicatorError(
          'REPL_MONGO_FILTER_UNSUPPORTED',
          `Row and time filters are not supported for MongoDB sources (collection ${plan.id.schema}.${plan.id.table})`,
          { details: { collection: `${plan.id.schema}.${plan.id.table}` } },
        );
      }
      tables.push(
        Object.freeze({
          id: Object.freeze({ schema: plan.id.schema, table: plan.id.table }),
          keyColumns: MONGO_KEY_COLUMNS,
          columns: MONGO_TABLE_COLUMNS,
          indexes: Object.freeze([]),
          estimatedRows: await estimateDocuments(client, plan.id),
          schemaOnly: plan.schemaOnly,
        }),
      );
    }
    this.#described = Object.freeze(tables);
    this.#config.logger.info(
      { collections: tables.length, mode: await this.#captureMode() },
      'mongodb collections described',
    );
    return this.#described;
  }

  /** Change streams: the stream's resume token now. Refresh: cycle 0 with a fresh state directory. */
  async startPosition(): Promise<SourcePosition> {
    const tables = await this.#tables();
    if ((await this.#captureMode()) === 'refresh') {
      await this.#store.reset();
      // Schema-only collections are not snapshotted, so their state at P0 is read here.
      for (const table of tables.filter((candidate) => candidate.schemaOnly)) {
        for await (const page of this.#snapshotPages(table, { pageRows: 1000 })) {
          await this.#store.appendSnapshot(tableKey(table.id), page);
        }
      }
      return refreshPosition(0n);
    }
    const client = await this.#connect();
    const ping = await mongoCall('Reading the cluster time', () =>
      client.db('admin').command({ ping: 1 }),
    );
    const operationTime: unknown = ping['operationTime'];
    const stream = openChangeStream(
      { client, database: this.#config.database, tables: tables.map((table) => table.id) },
      undefined,
    );
    try {
      const change = await mongoCall('Opening the change stream', () => stream.tryNext());
      const token = stream.resumeToken ?? change?._id;
      const clusterTime = operationTime instanceof Timestamp ? operationTime : undefined;
      return streamPosition(token, change?.clusterTime ?? clusterTime);
    } finally {
      await stream.close();
    }
  }

  async *readSnapshot(
    table: SourceTable,
    after: ChangeKey | null,
    options: SnapshotReadOptions,
  ): AsyncGenerator<readonly ChangeRow[]> {
    if (table.schemaOnly) return;
    const refresh = (await this.#captureMode()) === 'refresh';
    for await (const page of this.#snapshotPages(table, options, after)) {
      // Refresh mode must know every version the snapshot hands out before it can reach the target.
      if (refresh) await this.#store.appendSnapshot(tableKey(table.id), page);
      yield page.map((item) => item.row);
    }
  }

  async *streamChanges(
    from: SourcePosition,
    signal: AbortSignal,
  ): AsyncGenerator<SourceTransaction> {
    const tables = await this.#tables();
    const client = await this.#connect();
    const { name, maxBatchEvents } = this.#config;
    if (from.kind === 'mongodb' && 'refreshSequence' in from) {
      yield* refreshMongoChanges(
        {
          name,
          tables: tables.map((table) => ({
            id: table.id,
            collection: client.db(table.id.schema).collection(table.id.table),
          })),
          store: this.#store,
          intervalMs: this.#config.refreshIntervalMs,
          maxBatchEvents,
        },
        refreshSequenceOf(from),
        signal,
      );
      return;
    }
    const ids = tables.map((table) => table.id);
    yield* streamMongoChanges(
      {
        client,
        database: this.#config.database,
        tables: ids,
        origin: { name, tables: new Set(ids.map((id) => tableKey(id))) },
        maxBatchEvents,
        heartbeatIntervalMs: this.#config.heartbeatIntervalMs,
      },
      resumeTokenOf(from),
      signal,
    );
  }

  /**
   * The change stream's resume point left the oplog (`REPL_MONGO_HISTORY_LOST`), or refresh mode
   * lost the state files of its checkpointed cycle: either way the extractor copies the
   * collections again from a new start.
   */
  isHistoryLost(error: unknown): boolean {
    return (
      isReplicatorError(error, 'REPL_MONGO_HISTORY_LOST') ||
      isReplicatorError(error, 'REPL_MONGO_REFRESH_STATE_MISSING')
    );
  }

  /** Refresh mode: deletes the state files older positions needed. Change streams: nothing. */
  async acknowledge(position: SourcePosition): Promise<void> {
    if (position.kind === 'mongodb' && 'refreshSequence' in position) {
      await this.#store.prune(refreshSequenceOf(position));
    }
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await this.#cursors.closeAll();
    await client?.close();
  }

  #snapshotPages(table: SourceTable, options: SnapshotReadOptions, after: ChangeKey | null = null) {
    const client = this.#client;
    if (client === undefined) throw new TypeError('the MongoDB client is not connected');
    const collection = client.db(table.id.schema).collection(table.id.table);
    return readMongoSnapshot(collection, after, options, this.#cursors);
  }

  async #tables(): Promise<readonly SourceTable[]> {
    return this.#described ?? (await this.describeTables());
  }

  async #captureMode(): Promise<CaptureMode> {
    if (this.#mode !== undefined) return this.#mode;
    const info = await readServerInfo(await this.#connect());
    const { mode } = this.#config;
    if (mode === 'changeStream' && !info.changeStreams) {
      throw replicatorError(
        'REPL_MONGO_STREAM_UNSUPPORTED',
        `The MongoDB source ${parseMongoUrl(this.#config.url).location} has no change streams (no replica set, not a mongos)`,
      );
    }
    this.#mode = mode === 'auto' ? (info.changeStreams ? 'changeStream' : 'refresh') : mode;
    return this.#mode;
  }

  async #connect(): Promise<MongoClient> {
    if (this.#client !== undefined) return this.#client;
    const client = new MongoClient(this.#config.url.reveal(), {
      appName: 'database-replicator',
      serverSelectionTimeoutMS: 15_000,
    });
    const location = parseMongoUrl(this.#config.url).location;
    try {
      await mongoCall(`Connecting to the MongoDB source ${location}`, () => client.connect());
    } catch (error) {
      await client.close();
      throw error;
    }
    this.#client = client;
    return client;
  }
}

/**
 * Creates a MongoDB source. Nothing is opened until the first call.
 *
 * @throws ReplicatorError `REPL_CONFIG_INVALID` or `REPL_CONFIG_SOURCE_SCHEME` for bad options.
 */
export function createMongoSource(options: MongoSourceOptions): MongoChangeSource {
  return new MongoChangeSource(resolveMongoSourceConfig(options));
}
