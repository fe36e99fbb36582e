/**
 * What the SQLite source suites share: a temporary directory for source files, target tables
 * created from `describeTables`, and an applier that sends snapshot rows and stream events
 * through a JSON round trip and the event schema (as the bus would) into libs/postgres
 * `applyChangeBatch`, one topic per table, offsets counted per topic.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  Secret,
  parseChangeEvent,
  quoteIdent,
  quoteTable,
  serializeChangeEvent,
  type ChangeEvent,
  type ChangeRow,
  type SourcePosition,
} from '@database-replicator/core';
import type { ChangeSource, SourceTable } from '@database-replicator/pipeline';
import {
  TargetTableShapeCache,
  applyChangeBatch,
  connectPostgres,
  migrateReplicatorSchema,
  type PostgresClient,
} from '@database-replicator/postgres';

/** A temporary directory removed by `cleanup`. */
export type TempDir = Readonly<{ dir: string; file(name: string): string; cleanup(): void }>;

export function tempDir(prefix: string): TempDir {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  return {
    dir,
    file: (name) => path.join(dir, name),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** A target connection with `_replicator` migrated. */
export async function connectTarget(url: string): Promise<PostgresClient> {
  const client = await connectPostgres(new Secret(url));
  await migrateReplicatorSchema(client);
  return client;
}

/** Creates each table as the job store would: described columns and the key as primary key. */
export async function createTargetTables(
  client: PostgresClient,
  tables: readonly SourceTable[],
): Promise<void> {
  for (const table of tables) {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(table.id.schema)}`);
    const columns = table.columns.map(
      (column) => `${quoteIdent(column.name)} ${column.type}${column.nullable ? '' : ' NOT NULL'}`,
    );
    const key = table.keyColumns.map(quoteIdent).join(', ');
    await client.query(
      `CREATE TABLE ${quoteTable(table.id)} (${columns.join(', ')}, PRIMARY KEY (${key}))`,
    );
    for (const statement of table.indexes) await client.query(statement);
  }
}

/** Applies events table by table, as a loader with one partition per table would. */
export class TargetApplier {
  readonly #client: PostgresClient;
  readonly #tables: ReadonlyMap<string, SourceTable>;
  readonly #shapes = new TargetTableShapeCache();
  readonly #offsets = new Map<string, number>();

  constructor(client: PostgresClient, tables: readonly SourceTable[]) {
    this.#client = client;
    this.#tables = new Map(tables.map((table) => [table.id.table, table]));
  }

  /** Snapshot rows of `table` as `r` events at the stream start `start`. */
  async applySnapshot(
    source: ChangeSource,
    table: SourceTable,
    rows: readonly ChangeRow[],
    start: SourcePosition,
  ): Promise<void> {
    const now = Date.now();
    await this.apply(
      rows.map((row) => ({
        op: 'r',
        before: null,
        after: row,
        ts_ms: now,
        source: {
          connector: source.connector,
          name: source.name,
          db: source.database,
          schema: table.id.schema,
          table: table.id.table,
          snapshot: 'true',
          position: start,
          ts_ms: now,
        },
      })),
    );
  }

  /**
   * Applies events, one batch per table in first-seen order; each table's events keep their
   * order, as a loader with one partition per table receives them.
   */
  async apply(events: readonly ChangeEvent[]): Promise<void> {
    const byTable = new Map<string, ChangeEvent[]>();
    for (const event of events.map(busRoundTrip)) {
      const list = byTable.get(event.source.table) ?? [];
      list.push(event);
      byTable.set(event.source.table, list);
    }
    for (const list of byTable.values()) await this.#applyRun(list);
  }

  async #applyRun(events: readonly ChangeEvent[]): Promise<void> {
    const name = events[0]?.source.table ?? '';
    const table = this.#tables.get(name);
    if (table === undefined) throw new Error(`event of unknown table ${name}`);
    const topic = `sqlite-test.${name}`;
    let offset = this.#offsets.get(topic) ?? 0;
    const batch = events.map((event) => ({ event, topic, partition: 0, offset: String(offset++) }));
    this.#offsets.set(topic, offset);
    await applyChangeBatch(
      this.#client,
      {
        consumerGroup: 'sqlite-test',
        table: table.id,
        keyColumns: table.keyColumns,
        events: batch,
      },
      { shapes: this.#shapes },
    );
  }
}

/** What the bus does to an event: JSON out, JSON in, validated. */
function busRoundTrip(event: ChangeEvent): ChangeEvent {
  return parseChangeEvent(JSON.parse(serializeChangeEvent(event)));
}

/** Reads every table's snapshot into the target. */
export async function snapshotInto(
  source: ChangeSource,
  applier: TargetApplier,
  tables: readonly SourceTable[],
  start: SourcePosition,
  pageRows: number,
): Promise<number> {
  let rows = 0;
  for (const table of tables) {
    for await (const page of source.readSnapshot(table, null, { pageRows })) {
      await applier.applySnapshot(source, table, page, start);
      rows += page.length;
    }
  }
  return rows;
}

/** What a bounded stream run saw. */
export type StreamRun = Readonly<{
  events: readonly ChangeEvent[];
  /** The last `resumeFrom` seen (the start when none). */
  position: SourcePosition;
  heartbeats: number;
}>;

/**
 * Streams from `from`, applying each step and acknowledging its position, until the position
 * reaches `until` (a sequence), or `timeoutMs` passes.
 */
export async function streamUntil(
  source: ChangeSource,
  applier: TargetApplier | undefined,
  from: SourcePosition,
  until: bigint,
  options: Readonly<{ timeoutMs: number; acknowledge: boolean }>,
): Promise<StreamRun> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), options.timeoutMs);
  const events: ChangeEvent[] = [];
  let position = from;
  let heartbeats = 0;
  try {
    for await (const step of source.streamChanges(from, abort.signal)) {
      if (step.events.length === 0) heartbeats += 1;
      if (applier !== undefined) await applier.apply(step.events);
      events.push(...step.events);
      if (step.resumeFrom === null) continue;
      position = step.resumeFrom;
      if (options.acknowledge) await source.acknowledge(position);
      if (sequence(position) >= until) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return { events, position, heartbeats };
}

/** The changelog sequence of a SQLite position. */
export function sequence(position: SourcePosition): bigint {
  if (position.kind !== 'sqlite') throw new Error(`not a sqlite position: ${position.kind}`);
  return BigInt(position.sequence);
}
