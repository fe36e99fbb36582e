/**
 * `validate` for a MongoDB source (FerretDB included): connect, read `hello`/`buildInfo`, decide
 * the capture mode (change streams on a replica set or mongos, refresh otherwise), and prove the
 * privileges by doing what replication does: read one document of each selected collection and,
 * where change streams exist, open one. A failed prerequisite is a failed row, never an error; an
 * unreachable server is the first failed row and the rest are skipped. The oplog window against the
 * snapshot time is not checked yet.
 */
import { MongoClient } from 'mongodb';
import {
  isReplicatorError,
  planTables,
  type ReplicatorConfig,
  type Secret,
  type TableId,
} from '@database-replicator/core';
import { MONGO_SOURCE_DEFAULTS, parseMongoUrl } from './config.js';
import { listMongoCollections, readServerInfo, type MongoServerInfo } from './introspect.js';
import { codeOf, mongoFailure } from './mongo-call.js';

/** One row of the report (the shape every `validate` prints). */
export type MongoValidationCheck = Readonly<{
  /** Stable id: `mongo-connection`, `mongo-version`, `mongo-capture`, `mongo-privileges`. */
  id: string;
  title: string;
  status: 'ok' | 'warn' | 'fail' | 'skipped';
  /** What was found; never a password. */
  detail: string;
  fix: string | null;
}>;

/** The report; `ok` is false when a check failed. */
export type MongoValidationReport = Readonly<{
  ok: boolean;
  checks: readonly MongoValidationCheck[];
}>;

/** Options of {@link validateMongo}. */
export type ValidateMongoOptions = Readonly<{
  /** Include/exclude lists as init applies them. Default: every collection. */
  filters?: ReplicatorConfig['filters'];
}>;

/** Change streams need 4.0 (`startAtOperationTime`, resume tokens as the stream records them). */
const MIN_STREAM_MAJOR = 4;
/** MongoDB's "not authorized" code. */
const UNAUTHORIZED = 13;

/**
 * Checks every prerequisite of replicating from `url`.
 *
 * @throws ReplicatorError `REPL_CONFIG_SOURCE_SCHEME` for a URL that is not `mongodb://`,
 *   `REPL_CONFIG_TABLE_NOT_FOUND` when a filter names a missing collection, and
 *   `REPL_MONGO_QUERY_FAILED` when a read fails for a reason other than authorization.
 */
export async function validateMongo(
  url: Secret,
  options: ValidateMongoOptions = {},
): Promise<MongoValidationReport> {
  const { database, location } = parseMongoUrl(url);
  const client = new MongoClient(url.reveal(), {
    appName: 'database-replicator validate',
    serverSelectionTimeoutMS: 10_000,
  });
  try {
    let info: MongoServerInfo;
    let tables: TableId[];
    try {
      await client.connect();
      info = await readServerInfo(client);
      tables = await listMongoCollections(client, database);
    } catch (error) {
      const failure = mongoFailure(`Connecting to ${location}`, error);
      return report([
        check('mongo-connection', 'source connection', 'fail', failure.message, connectFix()),
        ...['mongo-version', 'mongo-capture', 'mongo-privileges'].map((id) =>
          check(id, titleOf(id), 'skipped', 'not checked: no connection', null),
        ),
      ]);
    }
    const selected =
      options.filters === undefined
        ? tables
        : planTables(tables, options.filters, { schema: database ?? '' }).map((plan) => plan.id);
    return report([
      check('mongo-connection', 'source connection', 'ok', `connected to ${location}`, null),
      versionCheck(info),
      captureCheck(info),
      await privilegeCheck(client, info, selected),
    ]);
  } finally {
    await client.close().catch(() => undefined);
  }
}

function versionCheck(info: MongoServerInfo): MongoValidationCheck {
  const server =
    info.ferretdbVersion === undefined
      ? `MongoDB ${info.version}`
      : `FerretDB ${info.ferretdbVersion} (MongoDB ${info.version} compatible)`;
  const major = Number.parseInt(info.version, 10);
  if (info.changeStreams && Number.isFinite(major) && major < MIN_STREAM_MAJOR) {
    return check(
      'mongo-version',
      titleOf('mongo-version'),
      'fail',
      `${server}: change streams need MongoDB ${MIN_STREAM_MAJOR}.0 or later`,
      'Upgrade the server to MongoDB 4.0 or later (6.0+ recommended).',
    );
  }
  return check('mongo-version', titleOf('mongo-version'), 'ok', server, null);
}

function captureCheck(info: MongoServerInfo): MongoValidationCheck {
  if (info.changeStreams) {
    const where = info.replicaSet === undefined ? 'a mongos' : `replica set ${info.replicaSet}`;
    return check(
      'mongo-capture',
      titleOf('mongo-capture'),
      'ok',
      `${where}: changes are streamed (change streams, updates as looked-up full documents)`,
      null,
    );
  }
  const seconds = MONGO_SOURCE_DEFAULTS.refreshIntervalMs / 1000;
  return check(
    'mongo-capture',
    titleOf('mongo-capture'),
    'warn',
    `no replica set (standalone server or FerretDB): no change streams, so refresh mode compares every collection with the target every ${seconds} s; deletes are found only at refresh time and each refresh reads every document`,
    'Accept refresh mode, or run MongoDB as a replica set (a single-node replica set is enough) to stream changes.',
  );
}

/** Reads one document of each selected collection, and opens a change stream where there are any. */
async function privilegeCheck(
  client: MongoClient,
  info: MongoServerInfo,
  tables: readonly TableId[],
): Promise<MongoValidationCheck> {
  const denied: string[] = [];
  for (const id of tables) {
    const collection = client.db(id.schema).collection(id.table);
    if (!(await allowed(() => collection.findOne({}, { projection: { _id: 1 } })))) {
      denied.push(`find on ${id.schema}.${id.table}`);
    }
  }
  if (info.changeStreams && tables.length > 0) {
    const stream = client.watch([], { maxAwaitTimeMS: 1 });
    if (!(await allowed(() => stream.tryNext()))) denied.push('changeStream on the cluster');
    await stream.close().catch(() => undefined);
  }
  const what = `${tables.length} selected collection${tables.length === 1 ? '' : 's'}`;
  if (denied.length === 0) {
    return check('mongo-privileges', titleOf('mongo-privileges'), 'ok', `${what} readable`, null);
  }
  return check(
    'mongo-privileges',
    titleOf('mongo-privileges'),
    'fail',
    `not authorized: ${denied.join(', ')}`,
    'Grant the connecting user the read role on the source databases (changeStream and find), e.g. db.grantRolesToUser(user, [{role: "read", db: "<database>"}]); a cluster-wide change stream needs readAnyDatabase.',
  );
}

/** False when the server refuses the call as unauthorized; other failures are not privileges. */
async function allowed(call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (error) {
    if (codeOf(error) === UNAUTHORIZED) return false;
    if (isReplicatorError(error)) throw error;
    throw mongoFailure('Checking privileges', error);
  }
}

function titleOf(id: string): string {
  const titles: Readonly<Record<string, string>> = {
    'mongo-version': 'server version',
    'mongo-capture': 'change capture',
    'mongo-privileges': 'privileges',
  };
  return titles[id] ?? id;
}

function connectFix(): string {
  return 'Check the host, port, credentials and TLS options of the source URL, and that the server accepts connections from here.';
}

function check(
  id: string,
  title: string,
  status: MongoValidationCheck['status'],
  detail: string,
  fix: string | null,
): MongoValidationCheck {
  return Object.freeze({ id, title, status, detail, fix });
}

function report(checks: readonly MongoValidationCheck[]): MongoValidationReport {
  return Object.freeze({
    ok: checks.every((item) => item.status !== 'fail'),
    checks: Object.freeze([...checks]),
  });
}
