/**
 * The MongoDB source of a cross-engine verify run: the selected collections as the replication
 * selects them (database of the URL path, or every non-system database; filters with
 * schema = database), each with its source checksummer (mongo-checksummer.ts), plus what
 * `verify --repair` reads: documents by `_id` text, encoded by the replication's own encoder.
 * One client; the caller closes the session.
 */
import { MongoClient } from 'mongodb';
import {
  formatTableRef,
  planTables,
  type Logger,
  type MongoRefreshPosition,
  type ReplicatorConfig,
  type Secret,
  type TableId,
  type TableSelector,
} from '@database-replicator/core';
import {
  selectVerifyPlans,
  verifyBlockOf,
  type SourceVerifySession,
  type SourceVerifyTable,
  type VerifyKeyColumn,
} from '@database-replicator/pipeline';
import { parseMongoUrl } from '../config.js';
import { DOCUMENT_COLUMN, ID_COLUMN } from '../constants.js';
import { listMongoCollections } from '../introspect.js';
import { mongoCall } from '../mongo-call.js';
import { refreshPosition } from '../position.js';
import { createMongoChecksummer, type MongoChecksummer } from './mongo-checksummer.js';
import { readMongoRows } from './read-mongo-rows.js';

/** Options of {@link openMongoVerify}. */
export type MongoVerifyOptions = Readonly<{
  url: Secret;
  filters: ReplicatorConfig['filters'];
  /** Verify only these (`--tables`, `[database.]collection`); each must be among the selected. */
  tables?: readonly TableSelector[];
  logger?: Logger;
}>;

/**
 * One collection of the run: the target table `database.collection`, keyed by `_id` (compared
 * by its text, ordered bytewise on both sides); `_id` and `document` compared by their text
 * (`document::text` is jsonb's).
 */
export type MongoVerifyTable = SourceVerifyTable<
  'text',
  MongoChecksummer,
  VerifyKeyColumn & Readonly<{ type: string }>
>;

/**
 * An open MongoDB verify source; see {@link openMongoVerify}. Its name is the URL's database,
 * else `mongodb`. Its position is refresh cycle 0: MongoDB has no position to read without
 * opening a change stream, and repairs are recorded under their own consumer group, where
 * nothing orders them against the stream.
 */
export type MongoVerifySession = SourceVerifySession<
  MongoVerifyTable,
  'mongodb',
  MongoRefreshPosition
>;

const COLUMNS = Object.freeze([
  Object.freeze({ name: ID_COLUMN, kind: 'text' as const }),
  Object.freeze({ name: DOCUMENT_COLUMN, kind: 'text' as const }),
]);

const FILTERED_NOTE =
  'table_filters / time_filters are not supported for MongoDB sources: rows not compared';

/**
 * Connects and lists the collections to verify.
 *
 * @throws ReplicatorError `REPL_CONFIG_SOURCE_SCHEME` (not a MongoDB URL), `REPL_MONGO_QUERY_FAILED`
 *   (connection or listing failed), `REPL_CONFIG_TABLE_NOT_FOUND`.
 */
export async function openMongoVerify(options: MongoVerifyOptions): Promise<MongoVerifySession> {
  const { database, location } = parseMongoUrl(options.url);
  const client = new MongoClient(options.url.reveal(), {
    appName: 'database-replicator verify',
    serverSelectionTimeoutMS: 15_000,
  });
  try {
    await mongoCall(`Connecting to the MongoDB source ${location}`, () => client.connect());
    const ids = await listMongoCollections(client, database);
    const plans = selectVerifyPlans(
      planTables(ids, options.filters, { schema: database ?? '' }),
      options.tables,
      {
        defaultSchema: database ?? '',
        noun: 'collection',
        source: 'the MongoDB source',
        form: '[database.]collection',
      },
    );
    const collectionOf = (id: TableId) => client.db(id.schema).collection(id.table);
    const tables = plans.map((plan): MongoVerifyTable => {
      const blocked = verifyBlockOf(plan, FILTERED_NOTE);
      return Object.freeze({
        id: plan.id,
        table: formatTableRef(plan.id),
        keyColumns: [ID_COLUMN],
        columns: COLUMNS,
        key: [{ name: ID_COLUMN, text: true, type: 'text' }],
        source: createMongoChecksummer(collectionOf(plan.id)),
        ...(blocked === undefined ? {} : { blocked }),
        notes: [],
      });
    });
    return Object.freeze({
      tables,
      connector: 'mongodb',
      name: database ?? 'mongodb',
      database: database ?? 'mongodb',
      position: async () => refreshPosition(0n),
      readRows: (table, _keyColumns, keys) => readMongoRows(collectionOf(table), keys),
      close: () => client.close(),
    });
  } catch (error) {
    await client.close();
    throw error;
  }
}
