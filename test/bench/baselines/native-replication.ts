/**
 * Baselines `native-initial-sync`, `native-backlog-apply` and `native-live-lag`: PostgreSQL's own
 * logical replication from the source `bench` into a target database.
 *
 * States: none -> subscribed (initial sync done: every table 'r' in pg_subscription_rel) ->
 * backlog applied -> lag measured -> closed (subscription, its slot and the publication dropped,
 * target database dropped). `close()` works from any state and is always called.
 *
 * The subscription reads its password from a pgpass file handed to the target server's OS user
 * (passfile= in the conninfo), so no password is stored in pg_subscription.
 */
import { mkdtemp, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { escapeIdentifier, escapeLiteral, type Client } from 'pg';
import type { BenchContext } from '../bench-context.js';
import { PG_BENCH_DATABASE } from '../dataset/postgres.js';
import { TABLES } from '../dataset/spec.js';
import {
  connectPg,
  countTables,
  dropDatabase,
  dropSlotsOf,
  qualified,
  recreateDatabase,
  withPg,
} from '../pg-db.js';
import { copySchema } from '../pg-tools.js';
import { NotAvailable, type Measurement } from '../result.js';
import { giveTo, removeDir, writePgPassFile } from '../secret-files.js';
import { waitFor } from '../poll.js';
import { percentile } from '../stats.js';
import { NATIVE_PUBLICATION, NATIVE_SUBSCRIPTION, TARGET_DATABASES } from '../target-databases.js';
import { runBacklog, runFixedRate } from '../workload/drive.js';
import { LagProbe } from '../workload/lag-probe.js';
import { PostgresWorkload } from '../workload/postgres.js';
import { sentinelsVisible } from '../target-probe.js';
import { assertSameCounts, sumCounts } from './copy-check.js';

const TARGET_DB = TARGET_DATABASES.native;
const PUBLICATION = NATIVE_PUBLICATION;
const SUBSCRIPTION = NATIVE_SUBSCRIPTION;
function seconds(ms: number | null): string {
  return ms === null ? '?' : (ms / 1000).toFixed(1);
}

/** A conninfo value, single-quoted with backslash escapes (libpq's rules). */
function conninfoValue(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

export class NativeReplication {
  readonly #ctx: BenchContext;
  #target: Client | null = null;
  #passDir: string | null = null;
  #subscribed = false;

  constructor(ctx: BenchContext) {
    this.#ctx = ctx;
  }

  /** A pgpass file the target server process can read: owned by the data directory's owner. */
  async #serverPassFile(target: Client): Promise<string> {
    const dir =
      (await target.query<{ d: string }>("SELECT current_setting('data_directory') AS d")).rows[0]
        ?.d ?? '';
    const owner = await stat(dir).catch((error: unknown) => {
      throw new NotAvailable(
        "cannot see the target's data directory to hand its server a pgpass file (needs the target on this machine)",
        { cause: error },
      );
    });
    this.#passDir = await mkdtemp(join(this.#ctx.workDir, 'server-pgpass-'));
    const file = await writePgPassFile(this.#passDir, 'pgpass', [this.#ctx.endpoints.pgSource]);
    await giveTo([this.#passDir, file], owner.uid, owner.gid);
    return file;
  }

  async #subscriptionState(): Promise<{ total: number; ready: number; errors: number }> {
    const target = this.#requireTarget();
    const rel = await target.query<{ total: number; ready: number }>(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE sr.srsubstate = 'r')::int AS ready
         FROM pg_subscription_rel sr JOIN pg_subscription s ON s.oid = sr.srsubid WHERE s.subname = $1`,
      [SUBSCRIPTION],
    );
    const stats = await target.query<{ errors: number }>(
      'SELECT (apply_error_count + sync_error_count)::int AS errors FROM pg_stat_subscription_stats WHERE subname = $1',
      [SUBSCRIPTION],
    );
    return {
      total: rel.rows[0]?.total ?? 0,
      ready: rel.rows[0]?.ready ?? 0,
      errors: stats.rows[0]?.errors ?? 0,
    };
  }

  #requireTarget(): Client {
    if (this.#target === null)
      throw new NotAvailable('needs native-initial-sync, which did not complete');
    return this.#target;
  }

  async #assertConverged(what: string): Promise<Record<string, number>> {
    const source = await withPg(this.#ctx.endpoints.pgSource, PG_BENCH_DATABASE, (c) =>
      countTables(c, TABLES),
    );
    const target = await countTables(this.#requireTarget(), TABLES);
    assertSameCounts(what, source, target);
    return source;
  }

  async initialSync(): Promise<Measurement> {
    const { pgSource, pgTarget } = this.#ctx.endpoints;
    await recreateDatabase(pgTarget, TARGET_DB);
    await copySchema(this.#ctx.pgPassFile, pgSource, PG_BENCH_DATABASE, pgTarget, TARGET_DB, 'all');
    this.#target = await connectPg(pgTarget, TARGET_DB, 'dr-bench-native');
    const passFile = await this.#serverPassFile(this.#target);
    await withPg(pgSource, PG_BENCH_DATABASE, (c) =>
      c.query(`CREATE PUBLICATION ${escapeIdentifier(PUBLICATION)} FOR ALL TABLES`),
    );
    const conninfo = [
      `host=${conninfoValue(pgSource.hostname)}`,
      `port=${conninfoValue(pgSource.port || '5432')}`,
      `dbname=${conninfoValue(PG_BENCH_DATABASE)}`,
      `user=${conninfoValue(decodeURIComponent(pgSource.username))}`,
      `passfile=${conninfoValue(passFile)}`,
    ].join(' ');
    const started = performance.now();
    await this.#target.query(
      `CREATE SUBSCRIPTION ${escapeIdentifier(SUBSCRIPTION)} CONNECTION ${escapeLiteral(conninfo)}
         PUBLICATION ${escapeIdentifier(PUBLICATION)} WITH (copy_data = true)`,
    );
    this.#subscribed = true;
    await waitFor('every table to reach state r (ready)', 60 * 60_000, async () => {
      const s = await this.#subscriptionState();
      if (s.errors > 0)
        throw new Error(
          `the subscription reported ${s.errors} error(s); see the target server's log`,
        );
      return s.total === TABLES.length && s.ready === s.total;
    });
    const wallMs = performance.now() - started;
    const source = await this.#assertConverged('native initial sync');
    return {
      wallSeconds: wallMs / 1000,
      count: sumCounts(source),
      unit: 'rows',
      bytes: this.#ctx.datasets.get('postgres')?.sizeBytes ?? null,
      peakRssBytes: null,
      lag: null,
      notes: [
        'until every table is r (ready) in pg_subscription_rel; schema copied first, not timed',
      ],
    };
  }

  async #slotLsn(source: Client): Promise<{ active: boolean; confirmed: string | null }> {
    const r = await source.query<{ active: boolean; confirmed: string | null }>(
      'SELECT active, confirmed_flush_lsn::text AS confirmed FROM pg_replication_slots WHERE slot_name = $1',
      [SUBSCRIPTION],
    );
    const row = r.rows[0];
    if (row === undefined)
      throw new Error(`replication slot ${SUBSCRIPTION} vanished from the source`);
    return row;
  }

  async backlogApply(): Promise<Measurement> {
    const target = this.#requireTarget();
    const { pgSource } = this.#ctx.endpoints;
    const spec = this.#ctx.specs.postgres;
    const source = await connectPg(pgSource, 'postgres', 'dr-bench-native-monitor');
    try {
      await target.query(`ALTER SUBSCRIPTION ${escapeIdentifier(SUBSCRIPTION)} DISABLE`);
      await waitFor(
        'the subscription to let go of its slot',
        60_000,
        async () => !(await this.#slotLsn(source)).active,
      );
      const startLsn = (await this.#slotLsn(source)).confirmed;
      const workload = await PostgresWorkload.open(pgSource, PG_BENCH_DATABASE);
      const written = await runBacklog(
        workload,
        spec,
        this.#ctx.cursors.get('postgres'),
        this.#ctx.options.backlog,
      ).finally(() => workload.close());
      this.#ctx.cursors.set('postgres', written.cursor);
      const end = await source.query<{ lsn: string; bytes: string }>(
        'SELECT pg_current_wal_lsn()::text AS lsn, pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint AS bytes',
        [startLsn ?? '0/0'],
      );
      const endLsn = end.rows[0]?.lsn ?? '0/0';
      const started = performance.now();
      await target.query(`ALTER SUBSCRIPTION ${escapeIdentifier(SUBSCRIPTION)} ENABLE`);
      // Also noted: when the apply worker started (the launcher may hold it back up to
      // wal_retrieve_retry_interval, 5 s, after the last start) and when the sentinels showed.
      let workerMs: number | null = null;
      let visibleMs: number | null = null;
      await waitFor(`confirmed_flush_lsn to reach ${endLsn}`, 60 * 60_000, async () => {
        const now = performance.now() - started;
        if (workerMs === null) {
          const w = await target.query(
            'SELECT 1 FROM pg_stat_subscription WHERE subname = $1 AND pid IS NOT NULL',
            [SUBSCRIPTION],
          );
          if ((w.rowCount ?? 0) > 0) workerMs = now;
        }
        if (visibleMs === null && (await sentinelsVisible(target, written.sentinels, false)))
          visibleMs = now;
        const r = await source.query<{ done: boolean }>(
          'SELECT confirmed_flush_lsn >= $2::pg_lsn AS done FROM pg_replication_slots WHERE slot_name = $1',
          [SUBSCRIPTION, endLsn],
        );
        return r.rows[0]?.done === true;
      });
      const wallMs = performance.now() - started;
      await this.#assertConverged('native backlog apply');
      return {
        wallSeconds: wallMs / 1000,
        count: written.rowOps,
        unit: 'changes',
        bytes: Number(end.rows[0]?.bytes ?? 0),
        peakRssBytes: null,
        lag: null,
        notes: [
          `backlog of ${written.changes} changes written in ${written.seconds.toFixed(1)} s, subscription disabled`,
          `timed from ENABLE until the slot confirmed the WAL position after the backlog; apply worker up at ${seconds(workerMs)} s, sentinel rows visible at ${seconds(visibleMs)} s`,
          'MB/s: WAL applied per second',
        ],
      };
    } finally {
      await source.end();
    }
  }

  async liveLag(): Promise<Measurement> {
    const target = this.#requireTarget();
    const { options } = this.#ctx;
    const probeClient = await connectPg(
      this.#ctx.endpoints.pgTarget,
      TARGET_DB,
      'dr-bench-lag-probe',
    );
    const workload = await PostgresWorkload.open(this.#ctx.endpoints.pgSource, PG_BENCH_DATABASE);
    try {
      const probe = new LagProbe(probeClient, qualified('public', 'orders'), 'id');
      probe.start();
      const run = await runFixedRate(
        workload,
        this.#ctx.specs.postgres,
        this.#ctx.cursors.get('postgres'),
        options.lagRate,
        options.lagSeconds * 1000,
        (id, at) => probe.record(id, at),
      );
      this.#ctx.cursors.set('postgres', run.cursor);
      const samples = await probe.finish(60_000);
      if (samples.unseen > 0)
        throw new Error(
          `${samples.unseen} commits were not visible on the target 60 s after the workload`,
        );
      await target.query('SELECT 1'); // the subscription's database is still reachable
      return {
        wallSeconds: run.seconds,
        count: run.rowOps,
        unit: 'changes',
        bytes: null,
        peakRssBytes: null,
        lag: {
          p50Ms: percentile(samples.lagsMs, 50) ?? 0,
          p99Ms: percentile(samples.lagsMs, 99) ?? 0,
          samples: samples.lagsMs.length,
        },
        notes: [
          `${options.lagRate} changes/s asked, ${(run.changes / run.seconds).toFixed(0)} achieved; lag from commit to visible on the target (20 ms polls)`,
        ],
      };
    } finally {
      await workload.close();
      await probeClient.end();
    }
  }

  /** Drops the subscription (and with it the slot on the source), the publication and the target database. */
  async close(): Promise<void> {
    const { pgSource, pgTarget } = this.#ctx.endpoints;
    try {
      if (this.#target !== null) {
        if (this.#subscribed) await this.#dropSubscription(this.#target);
        await this.#target.end();
        this.#target = null;
      }
    } finally {
      await withPg(pgSource, PG_BENCH_DATABASE, (c) =>
        c.query(`DROP PUBLICATION IF EXISTS ${escapeIdentifier(PUBLICATION)}`),
      );
      await dropDatabase(pgTarget, TARGET_DB);
      if (this.#passDir !== null) await removeDir(this.#passDir);
    }
  }

  /**
   * DROP SUBSCRIPTION also drops the slot on the source, through a connection of its own. When
   * that fails, detach the slot, drop the subscription, and drop the slot from here: a leaked
   * slot would pin the source's WAL.
   */
  async #dropSubscription(target: Client): Promise<void> {
    const name = escapeIdentifier(SUBSCRIPTION);
    try {
      await target.query(`DROP SUBSCRIPTION IF EXISTS ${name}`);
    } catch {
      await target.query(`ALTER SUBSCRIPTION ${name} DISABLE`);
      await target.query(`ALTER SUBSCRIPTION ${name} SET (slot_name = NONE)`);
      await target.query(`DROP SUBSCRIPTION ${name}`);
      await dropSlotsOf(this.#ctx.endpoints.pgSource, PG_BENCH_DATABASE);
    }
  }
}
