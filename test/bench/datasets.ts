/**
 * Generates the datasets the selected scenarios need, one source at a time, each timed, sized and
 * sample-checked against the generator. A MongoDB server that does not answer makes its dataset
 * "not available" (FerretDB is optional locally); PostgreSQL and MariaDB must answer.
 */
import { Socket } from 'node:net';
import type { GeneratedDataset, NormalizedOrder } from './dataset/generated-dataset.js';
import { dropMongoDataset, generateMongoDataset, readMongoOrders } from './dataset/mongo.js';
import { dropMysqlDataset, generateMysqlDataset, readMysqlOrders } from './dataset/mysql.js';
import {
  generatePostgresDataset,
  PG_BENCH_DATABASE,
  readPostgresOrders,
} from './dataset/postgres.js';
import { compareOrders, sampleOrderIds } from './dataset/sample-check.js';
import type { DatasetSpec } from './dataset/spec.js';
import { dropSqliteDataset, generateSqliteDataset, readSqliteOrders } from './dataset/sqlite.js';
import { portOf, type Endpoints } from './endpoints.js';
import { dropDatabase, dropSlotsOf, withPg } from './pg-db.js';
import { describeError, NotAvailable, type ScenarioStatus } from './result.js';
import type { SourceKind } from './source-kind.js';

export type DatasetResult = Readonly<{
  source: SourceKind;
  scale: number;
  status: ScenarioStatus;
  reason: string | null;
  dataset: GeneratedDataset | null;
  seconds: number | null;
  /** "3 orders match" or the differences found. */
  sampleCheck: string | null;
}>;

function reachable(host: string, port: number, timeoutMs = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

type Engine = Readonly<{
  generate: () => Promise<GeneratedDataset>;
  readOrders: (ids: readonly number[]) => Promise<NormalizedOrder[]>;
  /** 1000 where the engine keeps milliseconds only (BSON dates). */
  timestampUnitUs: number;
}>;

function engineFor(
  source: SourceKind,
  endpoints: Endpoints,
  spec: DatasetSpec,
  sqlitePath: string,
): Engine {
  switch (source) {
    case 'postgres':
      return {
        generate: () => generatePostgresDataset(endpoints.pgSource, spec),
        readOrders: (ids) =>
          withPg(endpoints.pgSource, PG_BENCH_DATABASE, (c) => readPostgresOrders(c, ids)),
        timestampUnitUs: 1,
      };
    case 'mysql':
      return {
        generate: () => generateMysqlDataset(endpoints.mysql, spec),
        readOrders: (ids) => readMysqlOrders(endpoints.mysql, ids),
        timestampUnitUs: 1,
      };
    case 'sqlite':
      return {
        generate: () => generateSqliteDataset(sqlitePath, spec),
        readOrders: (ids) => Promise.resolve(readSqliteOrders(sqlitePath, ids)),
        timestampUnitUs: 1,
      };
    case 'mongodb':
      return {
        generate: async () => {
          const { hostname } = endpoints.mongo;
          if (!(await reachable(hostname, portOf(endpoints.mongo, 27017)))) {
            throw new NotAvailable(
              `ferretdb unreachable at ${hostname}:${portOf(endpoints.mongo, 27017)}`,
            );
          }
          return generateMongoDataset(endpoints.mongo, spec);
        },
        readOrders: (ids) => readMongoOrders(endpoints.mongo, ids),
        timestampUnitUs: 1000,
      };
  }
}

/** Generates one source's dataset; never throws, the result says what happened. */
export async function generateDataset(
  source: SourceKind,
  endpoints: Endpoints,
  spec: DatasetSpec,
  sqlitePath: string,
): Promise<DatasetResult> {
  const engine = engineFor(source, endpoints, spec, sqlitePath);
  const started = performance.now();
  try {
    const dataset = await engine.generate();
    const seconds = (performance.now() - started) / 1000;
    const ids = sampleOrderIds(spec);
    const problems = compareOrders(spec, ids, await engine.readOrders(ids), engine.timestampUnitUs);
    if (problems.length > 0) {
      return {
        source,
        scale: spec.scale,
        status: 'error',
        reason: `sample check failed: ${problems.slice(0, 3).join('; ')}`,
        dataset,
        seconds,
        sampleCheck: problems.join('; '),
      };
    }
    const precision = engine.timestampUnitUs === 1 ? '' : ' (timestamps to the millisecond)';
    return {
      source,
      scale: spec.scale,
      status: 'ok',
      reason: null,
      dataset,
      seconds,
      sampleCheck: `${ids.length} orders match the generator${precision}`,
    };
  } catch (error) {
    const status: ScenarioStatus = error instanceof NotAvailable ? 'not-available' : 'error';
    return {
      source,
      scale: spec.scale,
      status,
      reason: describeError(error),
      dataset: null,
      seconds: null,
      sampleCheck: null,
    };
  }
}

/** Drops a source's dataset (on PostgreSQL, its slots first: they would block DROP DATABASE). */
export async function dropDataset(
  source: SourceKind,
  endpoints: Endpoints,
  sqlitePath: string,
): Promise<void> {
  switch (source) {
    case 'postgres':
      await dropSlotsOf(endpoints.pgSource, PG_BENCH_DATABASE);
      return dropDatabase(endpoints.pgSource, PG_BENCH_DATABASE);
    case 'mysql':
      return dropMysqlDataset(endpoints.mysql);
    case 'sqlite':
      return dropSqliteDataset(sqlitePath);
    case 'mongodb':
      return dropMongoDataset(endpoints.mongo);
  }
}
