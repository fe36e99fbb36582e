/**
 * What a MongoDB deployment offers the pipeline: its databases and collections (system databases,
 * `system.*` collections and views are not replicated), each collection's document estimate, and
 * whether it has change streams (`hello` names a replica set or a mongos).
 */
import type { Document, MongoClient } from 'mongodb';
import type { TableId } from '@database-replicator/core';
import { SYSTEM_COLLECTION_PREFIX, SYSTEM_DATABASES } from './constants.js';
import { mongoCall } from './mongo-call.js';

/** What `hello` and `buildInfo` say. */
export type MongoServerInfo = Readonly<{
  /** `buildInfo.version`; FerretDB reports the MongoDB version it emulates. */
  version: string;
  /** FerretDB's own version when the server is FerretDB (`buildInfo.ferretdbVersion`). */
  ferretdbVersion: string | undefined;
  /** The replica set name, or `undefined` for a standalone server or a mongos. */
  replicaSet: string | undefined;
  /** A replica-set member or a mongos: change streams work. */
  changeStreams: boolean;
}>;

/**
 * Reads `hello` and `buildInfo`.
 *
 * @throws ReplicatorError `REPL_MONGO_QUERY_FAILED`.
 */
export async function readServerInfo(client: MongoClient): Promise<MongoServerInfo> {
  const admin = client.db('admin');
  const hello = await mongoCall('Reading hello', () => admin.command({ hello: 1 }));
  const build = await mongoCall('Reading buildInfo', () => admin.command({ buildInfo: 1 }));
  const replicaSet = text(hello, 'setName');
  return Object.freeze({
    version: text(build, 'version') ?? 'unknown',
    ferretdbVersion: text(build, 'ferretdbVersion'),
    replicaSet,
    changeStreams: replicaSet !== undefined || text(hello, 'msg') === 'isdbgrid',
  });
}

/**
 * The collections of `database` (or of every non-system database), sorted.
 *
 * @throws ReplicatorError `REPL_MONGO_QUERY_FAILED`.
 */
export async function listMongoCollections(
  client: MongoClient,
  database: string | undefined,
): Promise<TableId[]> {
  const databases = database === undefined ? await listDatabases(client) : [database];
  const ids: TableId[] = [];
  for (const name of databases) {
    const collections = await mongoCall(`Listing the collections of database ${name}`, () =>
      client.db(name).listCollections({ type: 'collection' }, { nameOnly: true }).toArray(),
    );
    for (const collection of collections) {
      if (!collection.name.startsWith(SYSTEM_COLLECTION_PREFIX)) {
        ids.push({ schema: name, table: collection.name });
      }
    }
  }
  return ids.sort((a, b) =>
    a.schema === b.schema ? compare(a.table, b.table) : compare(a.schema, b.schema),
  );
}

/**
 * The server's document estimate of a collection (metadata, not a count).
 *
 * @throws ReplicatorError `REPL_MONGO_QUERY_FAILED`.
 */
export async function estimateDocuments(client: MongoClient, id: TableId): Promise<number> {
  return mongoCall(`Estimating the size of ${id.schema}.${id.table}`, () =>
    client.db(id.schema).collection(id.table).estimatedDocumentCount(),
  );
}

async function listDatabases(client: MongoClient): Promise<string[]> {
  const result = await mongoCall('Listing databases', () =>
    client.db('admin').admin().listDatabases({ nameOnly: true }),
  );
  return result.databases.map((db) => db.name).filter((name) => !SYSTEM_DATABASES.has(name));
}

function text(document: Document, key: string): string | undefined {
  const value: unknown = document[key];
  return typeof value === 'string' ? value : undefined;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
