/**
 * Smoke test for the MariaDB server `test/services/run up mariadb` starts: it is a usable CDC
 * source. The binlog is on, row based with full images, and @vlasky/zongji streams inserts,
 * updates and deletes from it, then resumes from a MariaDB GTID position.
 *
 * What zongji 0.9.0 offers for MariaDB GTIDs (checked against its index.js / index.d.ts):
 * - The package is ESM (since 0.6.0), so a plain default import works; no createRequire needed.
 * - start({ gtidSet: '0-1001-42' }) resumes from a MariaDB GTID position (the format of
 *   @@gtid_binlog_pos / @@gtid_current_pos). On MariaDB it sends SET @slave_connect_state=... and
 *   a plain COM_BINLOG_DUMP, so the server finds the binlog file itself and skips everything the
 *   position covers. No mapping of GTIDs to file/position (BINLOG_GTID_POS) is needed.
 * - It sets @mariadb_slave_capability=4, so MariaDB GTID events arrive as 'mariadbgtid' events
 *   (gtid 'domain-server-seq', domainId, serverId, seqNo, standalone, isDdl, ...), replacing the
 *   transaction's BEGIN query event; every later event of the transaction, row events included,
 *   carries the same `event.gtid`.
 * - `zongji.gtidSet` is the running checkpoint: the start position (or, with startAtEnd, the
 *   server's @@gtid_current_pos) advanced by every transaction whose commit it has seen. It is
 *   the string to persist and pass back as start({ gtidSet }). MariadbGtidPosition (exported)
 *   parses positions and answers covers(gtid) without hand-written seqNo comparisons.
 */
import ZongJi, {
  MariadbGtidPosition,
  type AnyBinlogEvent,
  type BinlogEventByName,
  type BinlogEventName,
} from '@vlasky/zongji';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServices, requiredEnv } from '../../support/describe-with-services.js';

type Row = Record<string, unknown>;

/** One row event of the test table, as the replicator would see it. */
interface Change {
  op: 'insert' | 'update' | 'delete';
  gtid: string | undefined;
  rows: Row[] | { before: Row; after: Row }[];
}

function is<N extends BinlogEventName>(
  event: AnyBinlogEvent,
  name: N,
): event is BinlogEventByName<N> {
  return event.getEventName() === name;
}

describeWithServices(['mariadb'], 'mariadb smoke', () => {
  const suffix = `${process.pid}_${Date.now()}`;
  const database = `smoke_mariadb_${suffix}`;
  const table = 'items';
  let connection: mysql.Connection | undefined;
  const streams: ZongJi[] = [];

  function connectionOptions(): mysql.ConnectionOptions {
    const url = new URL(requiredEnv('MYSQL_URL'));
    return {
      host: url.hostname,
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
    };
  }

  function db(): mysql.Connection {
    if (connection === undefined) throw new Error('no MariaDB connection');
    return connection;
  }

  async function scalar(sql: string): Promise<unknown> {
    const [rows] = await db().query<mysql.RowDataPacket[]>(sql);
    const first = rows[0];
    if (first === undefined) throw new Error(`no row from: ${sql}`);
    return Object.values(first)[0];
  }

  /** A ZongJi streaming only our test table, collecting its row changes and GTID events. */
  function openStream(start: { startAtEnd: true } | { gtidSet: string }): {
    zongji: ZongJi;
    changes: Change[];
    gtidEvents: BinlogEventByName<'mariadbgtid'>[];
    errors: Error[];
    ready: Promise<void>;
  } {
    const zongji = new ZongJi(connectionOptions());
    streams.push(zongji);
    const changes: Change[] = [];
    const gtidEvents: BinlogEventByName<'mariadbgtid'>[] = [];
    const errors: Error[] = [];
    zongji.on('binlog', (event) => {
      if (is(event, 'mariadbgtid')) gtidEvents.push(event);
      else if (is(event, 'writerows'))
        changes.push({ op: 'insert', gtid: event.gtid, rows: event.rows });
      else if (is(event, 'updaterows'))
        changes.push({ op: 'update', gtid: event.gtid, rows: event.rows });
      else if (is(event, 'deleterows'))
        changes.push({ op: 'delete', gtid: event.gtid, rows: event.rows });
    });
    const ready = new Promise<void>((resolve, reject) => {
      zongji.once('ready', () => resolve());
      zongji.on('error', (error) => {
        errors.push(error);
        reject(error);
      });
    });
    zongji.start({
      ...start,
      // Unique per stream: MariaDB drops an older dump connection that reuses a server id.
      serverId: 100_000 + Math.floor(Math.random() * 1_000_000),
      includeEvents: ['tablemap', 'writerows', 'updaterows', 'deleterows', 'mariadbgtid'],
      includeSchema: { [database]: [table] },
    });
    return { zongji, changes, gtidEvents, errors, ready };
  }

  async function stopStream(zongji: ZongJi): Promise<void> {
    if (zongji.stopped) return;
    const stopped = new Promise<void>((resolve) => zongji.once('stopped', () => resolve()));
    zongji.stop();
    await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  }

  async function waitFor(
    what: string,
    done: () => boolean,
    describe: () => unknown,
  ): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!done()) {
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(describe())}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  beforeAll(async () => {
    connection = await mysql.createConnection(connectionOptions());
    await db().query(`CREATE DATABASE \`${database}\``);
    await db().query(
      `CREATE TABLE \`${database}\`.\`${table}\` (
         id INT PRIMARY KEY, name VARCHAR(50) NOT NULL, qty INT NOT NULL
       ) ENGINE=InnoDB`,
    );
  });

  afterAll(async () => {
    try {
      await Promise.all(streams.map((z) => stopStream(z)));
    } finally {
      try {
        await connection?.query(`DROP DATABASE IF EXISTS \`${database}\``);
      } finally {
        await connection?.end();
      }
    }
  });

  it('runs 10.11 with a row-based, full-image binlog and server_id 1001', async () => {
    const [rows] = await db().query<mysql.RowDataPacket[]>(
      `SELECT @@log_bin AS log_bin, @@binlog_format AS binlog_format,
              @@binlog_row_image AS binlog_row_image, @@server_id AS server_id,
              @@gtid_strict_mode AS gtid_strict_mode, @@version AS version`,
    );
    const vars = rows[0];
    expect(vars).toMatchObject({
      log_bin: 1,
      binlog_format: 'ROW',
      binlog_row_image: 'FULL',
      server_id: 1001,
      gtid_strict_mode: 1,
    });
    expect(String(vars?.['version'])).toMatch(/^10\.11\./);
    // And as SHOW VARIABLES spells them, which is what operators will compare against.
    const [shown] = await db().query<mysql.RowDataPacket[]>(
      `SHOW GLOBAL VARIABLES WHERE Variable_name IN ('log_bin', 'binlog_format', 'binlog_row_image', 'server_id')`,
    );
    expect(Object.fromEntries(shown.map((r) => [r['Variable_name'], r['Value']]))).toEqual({
      log_bin: 'ON',
      binlog_format: 'ROW',
      binlog_row_image: 'FULL',
      server_id: '1001',
    });
  });

  it('streams insert, update and delete with zongji and resumes from a MariaDB GTID', async () => {
    const qualified = `\`${database}\`.\`${table}\``;

    // First stream, from the end of the binlog.
    const first = openStream({ startAtEnd: true });
    await first.ready;
    await db().query(`INSERT INTO ${qualified} VALUES (1, 'alpha', 10), (2, 'beta', 20)`);
    await db().query(`UPDATE ${qualified} SET qty = 11 WHERE id = 1`);
    await db().query(`DELETE FROM ${qualified} WHERE id = 2`);
    // @@last_gtid is this session's own last transaction; @@gtid_binlog_pos (the resume point a
    // replicator would record) may also cover other sessions' later writes.
    const lastOfFirstBatch = String(await scalar('SELECT @@last_gtid'));
    const checkpoint = String(await scalar('SELECT @@gtid_binlog_pos'));
    expect(checkpoint).toMatch(/^0-1001-\d+$/);
    expect(MariadbGtidPosition.parse(checkpoint).covers(lastOfFirstBatch)).toBe(true);

    await waitFor(
      'the first batch',
      () => first.changes.length >= 3,
      () => first.changes,
    );
    expect(first.errors).toEqual([]);
    expect(first.changes.map(({ op, rows }) => ({ op, rows }))).toEqual([
      {
        op: 'insert',
        rows: [
          { id: 1, name: 'alpha', qty: 10 },
          { id: 2, name: 'beta', qty: 20 },
        ],
      },
      {
        op: 'update',
        rows: [
          { before: { id: 1, name: 'alpha', qty: 10 }, after: { id: 1, name: 'alpha', qty: 11 } },
        ],
      },
      { op: 'delete', rows: [{ id: 2, name: 'beta', qty: 20 }] },
    ]);

    // GTIDs: one MariaDB GTID event per autocommit statement, each row event tagged with it,
    // and the last one is the session's last GTID.
    const firstGtids = first.changes.map((c) => c.gtid);
    expect(firstGtids.every((g) => g !== undefined && /^0-1001-\d+$/.test(g))).toBe(true);
    expect(new Set(firstGtids).size).toBe(3);
    expect(first.gtidEvents.map((e) => e.gtid)).toEqual(expect.arrayContaining(firstGtids));
    for (const event of first.gtidEvents) {
      expect(event).toMatchObject({ domainId: 0, serverId: 1001 });
    }
    expect(firstGtids.at(-1)).toBe(lastOfFirstBatch);
    // zongji's own checkpoint (zongji.gtidSet) covers the last transaction once its commit is seen.
    await waitFor(
      'zongji.gtidSet to cover the first batch',
      () => MariadbGtidPosition.parse(first.zongji.gtidSet ?? '').covers(lastOfFirstBatch),
      () => first.zongji.gtidSet,
    );

    await stopStream(first.zongji);

    // Changes made while nobody streams.
    await db().query(`INSERT INTO ${qualified} VALUES (3, 'gamma', 30)`);
    await db().query(`UPDATE ${qualified} SET name = 'gamma2' WHERE id = 3`);
    await db().query(`DELETE FROM ${qualified} WHERE id = 1`);
    const lastOfSecondBatch = String(await scalar('SELECT @@last_gtid'));

    // Second stream, resumed from the recorded GTID position: exactly the later changes.
    const second = openStream({ gtidSet: checkpoint });
    await second.ready;
    await waitFor(
      'the changes after the checkpoint',
      () => second.changes.some((c) => c.op === 'delete'),
      () => second.changes,
    );
    expect(second.errors).toEqual([]);
    expect(second.changes.map(({ op, rows }) => ({ op, rows }))).toEqual([
      { op: 'insert', rows: [{ id: 3, name: 'gamma', qty: 30 }] },
      {
        op: 'update',
        rows: [
          { before: { id: 3, name: 'gamma', qty: 30 }, after: { id: 3, name: 'gamma2', qty: 30 } },
        ],
      },
      { op: 'delete', rows: [{ id: 1, name: 'alpha', qty: 11 }] },
    ]);
    const resumedFrom = MariadbGtidPosition.parse(checkpoint);
    for (const change of second.changes) {
      expect(resumedFrom.covers(change.gtid)).toBe(false);
      expect(firstGtids).not.toContain(change.gtid);
    }
    expect(second.changes.at(-1)?.gtid).toBe(lastOfSecondBatch);
    await waitFor(
      'the resumed zongji.gtidSet to cover the second batch',
      () => MariadbGtidPosition.parse(second.zongji.gtidSet ?? '').covers(lastOfSecondBatch),
      () => second.zongji.gtidSet,
    );
  });
});
