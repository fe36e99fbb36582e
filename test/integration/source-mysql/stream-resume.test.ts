/**
 * The binlog stream's positions and recovery: one step per committed transaction with ordered
 * positions, a large transaction split into steps whose resumeFrom is null except the last,
 * resuming from a mid-stream resumeFrom (by GTID and by file/offset) yields every later change
 * exactly once, a killed binlog connection is reconnected without losing or repeating a change
 * (also in the middle of a split transaction), and an idle stream sends heartbeats.
 */
import {
  comparePositions,
  Secret,
  type BinlogPosition,
  type ChangeEvent,
  type SourcePosition,
  type TablePlan,
} from '@database-replicator/core';
import type { SourceTransaction } from '@database-replicator/pipeline';
import type { MysqlSource } from '@database-replicator/source-mysql';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServices } from '../../support/describe-with-services.js';
import {
  capturingLogger,
  collectStream,
  createMysqlDatabase,
  openSource,
  type MysqlTestDatabase,
} from './mysql-fixtures.js';

const ITEMS = (database: MysqlTestDatabase): TablePlan => ({
  id: { schema: database.name, table: 'items' },
  schemaOnly: false,
  rowFilters: [],
  timeFilters: [],
});

function ids(events: readonly ChangeEvent[]): unknown[] {
  return events.map((event) => (event.after ?? event.before)?.['id']);
}

function binlog(position: SourcePosition | null | undefined): BinlogPosition {
  if (position?.kind !== 'mysql')
    throw new Error(`not a binlog position: ${JSON.stringify(position)}`);
  return position;
}

function countEvents(steps: readonly SourceTransaction[]): number {
  return steps.reduce((sum, step) => sum + step.events.length, 0);
}

describeWithServices(['mariadb'], 'MySQL source: stream positions and resume', () => {
  let mysqlDb: MysqlTestDatabase;
  let source: MysqlSource;
  let sourceUser: Readonly<{ user: string; url: Secret }> = { user: '', url: new Secret('') };

  beforeAll(async () => {
    mysqlDb = await createMysqlDatabase('mysql_resume');
    await mysqlDb.query('CREATE TABLE items (id int PRIMARY KEY, note varchar(20))');
    await mysqlDb.query('CREATE TABLE other (id int PRIMARY KEY)');
    sourceUser = await mysqlDb.createSourceUser();
    source = openSource(mysqlDb, { tables: [ITEMS(mysqlDb)] });
  });

  afterAll(async () => {
    await source?.close();
    await mysqlDb?.drop();
  });

  it('records the binlog end with a GTID position that agrees with it', async () => {
    const start = binlog(await source.startPosition());
    expect(start.gtidSet).toMatch(/^0-1001-\d+$/);
    expect(start.file).toMatch(/\.\d+$/);
    expect(start.eventIndex).toBe(0);
    const [status] = await mysqlDb.rows('SELECT BINLOG_GTID_POS(?, ?) AS gtid', [
      start.file,
      start.pos,
    ]);
    expect(status?.['gtid']).toBe(start.gtidSet);
  });

  it('yields one step per transaction, ignores other tables, and resumes from a mid-stream resumeFrom exactly', async () => {
    const start = await source.startPosition();
    const stream = collectStream(source, start);
    for (let id = 1; id <= 6; id += 1) {
      await mysqlDb.query(`INSERT INTO items VALUES (${id}, 'n${id}')`);
      await mysqlDb.query(`INSERT INTO other VALUES (${id})`);
    }
    await mysqlDb.query(
      "BEGIN; UPDATE items SET note = 'x' WHERE id <= 2; DELETE FROM items WHERE id = 3; COMMIT",
    );
    await stream.until(
      'seven transactions',
      (steps) => steps.filter((step) => step.events.length > 0).length >= 7,
    );
    await stream.stop();
    const steps = stream.steps.filter((step) => step.events.length > 0);
    expect(steps.map((step) => step.events.length)).toEqual([1, 1, 1, 1, 1, 1, 3]);
    expect(ids(stream.events())).toEqual([1, 2, 3, 4, 5, 6, 1, 2, 3]);
    expect(stream.events().map((event) => event.op)).toEqual([
      'c',
      'c',
      'c',
      'c',
      'c',
      'c',
      'u',
      'u',
      'd',
    ]);
    // Every event's position: GTID set after its transaction, end offset, index in transaction.
    for (const step of steps) {
      const resume = binlog(step.resumeFrom);
      step.events.forEach((event, index) => {
        expect(event.source.position).toEqual({ ...resume, eventIndex: index });
      });
    }
    const positions = stream.events().map((event) => event.source.position);
    for (let index = 1; index < positions.length; index += 1) {
      const [previous, current] = [positions[index - 1], positions[index]];
      if (previous === undefined || current === undefined) continue;
      expect(comparePositions(previous, current)).toBe(-1);
    }

    // Resume after the third transaction, by GTID and by file/offset: exactly what followed.
    const middle = binlog(steps[2]?.resumeFrom);
    const after = stream.events().slice(3);
    for (const from of [middle, { ...middle, gtidSet: '' }]) {
      const resumed = collectStream(source, from);
      await resumed.until('the rest', (got) => countEvents(got) >= after.length);
      // Nothing more arrives: a heartbeat comes after it instead.
      await resumed.until('a heartbeat', (got) => got.at(-1)?.events.length === 0);
      await resumed.stop();
      expect(resumed.events().map((event) => [event.op, event.before, event.after])).toEqual(
        after.map((event) => [event.op, event.before, event.after]),
      );
      expect(
        resumed
          .events()
          .map((event) => event.source.position.kind === 'mysql' && event.source.position.pos),
      ).toEqual(
        after.map((event) => event.source.position.kind === 'mysql' && event.source.position.pos),
      );
    }
  });

  it('splits a large transaction into steps, only the last one resumable', async () => {
    await mysqlDb.query('DELETE FROM items');
    const start = await source.startPosition();
    const stream = collectStream(source, start);
    await mysqlDb.query("INSERT INTO items SELECT seq, 'bulk' FROM seq_1_to_4500");
    await stream.until('4500 rows', (steps) => countEvents(steps) >= 4500);
    await stream.stop();
    const steps = stream.steps.filter((step) => step.events.some((event) => event.op === 'c'));
    expect(steps.map((step) => step.events.length)).toEqual([2000, 2000, 500]);
    expect(steps.map((step) => step.resumeFrom === null)).toEqual([true, true, false]);
    const events = steps.flatMap((step) => step.events);
    expect(events.map((event) => binlog(event.source.position).eventIndex)).toEqual(
      Array.from({ length: 4500 }, (_, index) => index),
    );
    const last = binlog(steps[2]?.resumeFrom);
    expect(events.every((event) => binlog(event.source.position).gtidSet === last.gtidSet)).toBe(
      true,
    );
    // Split steps carry the transaction's start offset, the last step its end offset.
    const [firstPos, lastPos] = [
      binlog(events[0]?.source.position).pos,
      binlog(events[4499]?.source.position).pos,
    ];
    expect(firstPos).toBeLessThan(lastPos);
    expect(lastPos).toBe(last.pos);
  });

  it('reconnects after the binlog connection is killed, losing and repeating nothing', async () => {
    await mysqlDb.query('DELETE FROM items');
    const { logger, lines } = capturingLogger();
    const source = openSource(mysqlDb, { logger, url: sourceUser.url, tables: [ITEMS(mysqlDb)] });
    const start = await source.startPosition();
    const stream = collectStream(source, start);
    await mysqlDb.query("INSERT INTO items VALUES (1, 'before')");
    await stream.until('the first insert', (steps) => countEvents(steps) >= 1);
    await killBinlogDumps(mysqlDb, sourceUser.user);
    await mysqlDb.query("INSERT INTO items VALUES (2, 'after')");
    await mysqlDb.query("UPDATE items SET note = 'after' WHERE id = 1");
    await stream.until('the changes after the kill', (steps) => countEvents(steps) >= 3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await stream.stop();
    await source.close();
    expect(
      stream.events().map((event) => [event.op, (event.after ?? event.before)?.['id']]),
    ).toEqual([
      ['c', 1],
      ['c', 2],
      ['u', 1],
    ]);
    const reconnects = lines().filter(
      (line) => line['msg'] === 'binlog connection lost; reconnecting',
    );
    expect(reconnects).toHaveLength(1);
  });

  it('reconnects in the middle of a split transaction without handing out a change twice', async () => {
    // 60,000 rows of 500 bytes: far more than the queue holds and the sockets buffer, so the
    // server still has part of the transaction to send when the connection is killed.
    await mysqlDb.query('CREATE TABLE wide (id int PRIMARY KEY, pad varchar(500))');
    const { logger, lines } = capturingLogger();
    const plan = { ...ITEMS(mysqlDb), id: { schema: mysqlDb.name, table: 'wide' } };
    const source = openSource(mysqlDb, { logger, url: sourceUser.url, tables: [plan] });
    const start = await source.startPosition();
    await mysqlDb.query("INSERT INTO wide SELECT seq, REPEAT('x', 500) FROM seq_1_to_60000");
    const controller = new AbortController();
    const seen: ChangeEvent[] = [];
    let killed = false;
    for await (const step of source.streamChanges(start, controller.signal)) {
      seen.push(...step.events);
      // The consumer holds back after the first step, so the queue fills and the connection is
      // paused mid-transaction; then the server kills it.
      if (!killed) {
        killed = true;
        await new Promise((resolve) => setTimeout(resolve, 500));
        await killBinlogDumps(mysqlDb, sourceUser.user);
      }
      // The transaction's resume point: its last step (which may carry no change itself).
      if (step.resumeFrom !== null && binlog(step.resumeFrom).gtidSet !== binlog(start).gtidSet)
        break;
    }
    controller.abort();
    await source.close();
    // The connection was lost with part of the transaction handed out already.
    const [reconnect] = lines().filter(
      (line) => line['msg'] === 'binlog connection lost; reconnecting',
    );
    expect(reconnect?.['partial']).toMatchObject({ handedOut: expect.any(Number) });
    expect(seen.length).toBe(60_000);
    expect(new Set(seen.map((event) => binlog(event.source.position).eventIndex)).size).toBe(
      60_000,
    );
    expect(ids(seen)).toEqual(Array.from({ length: 60_000 }, (_, index) => index + 1));
  });

  it('sends heartbeats with the last position while idle, advanced by other tables', async () => {
    const start = binlog(await source.startPosition());
    const stream = collectStream(source, start);
    await stream.until('a heartbeat', (steps) => steps.length >= 1);
    expect(stream.steps[0]).toEqual({ events: [], resumeFrom: { ...start, eventIndex: 0 } });
    await mysqlDb.query('INSERT INTO other VALUES (1000)');
    const [{ gtid } = {}] = await mysqlDb.rows('SELECT @@gtid_binlog_pos AS gtid');
    await stream.until('a heartbeat past the other table', (steps) =>
      steps.some((step) => step.events.length === 0 && binlog(step.resumeFrom).gtidSet === gtid),
    );
    await stream.stop();
    expect(stream.events()).toEqual([]);
  });

  it('follows a binlog rotation while idle, up to the binlog end', async () => {
    const start = binlog(await source.startPosition());
    const stream = collectStream(source, start);
    await stream.until('a heartbeat', (steps) => steps.length >= 1);
    await mysqlDb.query('FLUSH BINARY LOGS');
    const [status] = await mysqlDb.rows('SHOW MASTER STATUS');
    const file = String(status?.['File']);
    const end = Number(status?.['Position']);
    expect(file).not.toBe(start.file);
    // Without a transaction after the rotation, only the rotation and the new file's header
    // can move the heartbeat's position there.
    await stream.until(`a heartbeat at ${file}:${end}`, (steps) =>
      steps.some((step) => {
        const at = binlog(step.resumeFrom);
        return step.events.length === 0 && at.file === file && at.pos >= end;
      }),
    );
    await stream.stop();
    expect(stream.events()).toEqual([]);
  });
});

/** Kills the server's binlog dump threads of `user`: this test's streams, no other suite's. */
async function killBinlogDumps(database: MysqlTestDatabase, user: string): Promise<void> {
  const threads = await database.rows(
    "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE COMMAND = 'Binlog Dump' AND USER = ?",
    [user],
  );
  expect(threads.length).toBeGreaterThan(0);
  for (const { id } of threads) await database.query(`KILL CONNECTION ${Number(id)}`);
}
