/**
 * Shared pieces of the MongoDB source suites: a fresh FerretDB/MongoDB database per file, the
 * embedded pipeline on an in-process bus, and reading target rows back as BSON documents for a
 * BSON-aware comparison (types exact, key order ignored: jsonb does not keep it, as
 * docs/type-mapping.md says).
 */
import { randomBytes } from 'node:crypto';
import { BSON, MongoClient, type Document } from 'mongodb';
import { quoteTable } from '@database-replicator/core';
import type { ChangeSource } from '@database-replicator/pipeline';
import type { EmbeddedPipelineReport } from '@database-replicator/runtime';
import { requiredEnv } from '../../support/describe-with-services.js';
import { runTestPipeline } from '../../support/embedded-pipeline.js';
import { queryOnce } from '../../support/postgres-databases.js';

export type MongoTestDatabase = Readonly<{
  client: MongoClient;
  name: string;
  /** URL of the fresh database (the URL path selects it). */
  url: string;
  drop(): Promise<void>;
}>;

/** A fresh database on the server of `variable` (MONGO_URL or MONGO_RS_URL). */
export async function createMongoDatabase(
  prefix: string,
  variable = 'MONGO_URL',
): Promise<MongoTestDatabase> {
  const base = requiredEnv(variable);
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const url = new URL(base);
  url.pathname = `/${name}`;
  const client = new MongoClient(base);
  await client.connect();
  return {
    client,
    name,
    url: url.toString(),
    drop: async () => {
      await client.db(name).dropDatabase();
      await client.close();
    },
  };
}

/** Runs extractor and loader of a MongoDB job in this process (one partition per topic). */
export function runPipeline(
  source: ChangeSource,
  targetUrl: string,
  options: Readonly<{ stream: boolean; signal: AbortSignal; jobId?: string }>,
): Promise<EmbeddedPipelineReport> {
  return runTestPipeline({ source, sourceKind: 'mongodb', targetUrl, ...options });
}

/** The target rows of a collection: `_id` text → the stored jsonb turned back into BSON. */
export async function targetDocuments(
  targetUrl: string,
  database: string,
  collection: string,
): Promise<Map<string, Document>> {
  const result = await queryOnce(
    targetUrl,
    `SELECT _id, document::text AS document FROM ${quoteTable({ schema: database, table: collection })}`,
  );
  const rows = new Map<string, Document>();
  for (const row of result.rows as { _id: string; document: string }[]) {
    rows.set(row._id, BSON.EJSON.parse(row.document, { relaxed: false }));
  }
  return rows;
}

/** The source documents of a collection as the source lib reads them, by `_id` text. */
export async function sourceDocuments(
  client: MongoClient,
  database: string,
  collection: string,
  idText: (id: unknown) => string,
): Promise<Map<string, Document>> {
  const documents = await client
    .db(database)
    .collection(collection)
    .find({}, { promoteValues: false, bsonRegExp: true })
    .toArray();
  return new Map(documents.map((document) => [idText(document['_id']), document]));
}

/**
 * A BSON-aware comparable form: canonical Extended JSON (every value typed: Int32 ≠ Int64 ≠
 * Double, Binary subtype, Timestamp parts, regex flags) with object keys sorted.
 */
export function bsonComparable(value: unknown): unknown {
  return sortKeys(JSON.parse(BSON.EJSON.stringify(value, { relaxed: false })));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, item]) => [key, sortKeys(item)]),
    );
  }
  return value;
}
