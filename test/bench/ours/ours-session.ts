/**
 * Scenarios `ours-init-<source>`, `ours-backlog-<source>`, `ours-lag-<source>`, `ours-verify-<source>`:
 * database-replicator on the same data and workloads as the baselines.
 *
 * Two shapes of replication are supported, so the runner needs no change when a source moves
 * from one to the other:
 *   server-side  `init --enable-sync` / `sync` exit 0 once replication runs inside PostgreSQL
 *                (the native path: a subscription on the target);
 *   process      `init --enable-sync` keeps running as the replicator once the copy is done,
 *                and `sync` runs until stopped (the pipeline path).
 *
 * States: fresh -> replicating (init succeeded; `#process` holds the replicator if it is a
 * process) -> stopped (for a backlog: the process got SIGTERM, or the target's subscriptions
 * were disabled) -> replicating (`sync`) -> closed (process stopped, subscriptions in the target
 * database dropped, target database and state removed, the source's slots and publications
 * dropped). Later scenarios need init to have succeeded; until then each reports why not.
 *
 *   init     `init --enable-sync -y --jobs N`: wall time until it exits 0 (or, for a process,
 *            until the target holds every source row), peak RSS of its process tree.
 *   backlog  replication stopped, a backlog written, `sync` started: time until every sentinel
 *            row of the backlog is on the target.
 *   lag      the fixed-rate workload while replication runs; commit-to-visible lag p50/p99.
 *   verify   `verify --json`; exit 0 means source and target match.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from 'pg';
import { sumCounts, tablesDiffering } from '../baselines/copy-check.js';
import { backlogFor, type BenchContext } from '../bench-context.js';
import { PG_BENCH_DATABASE } from '../dataset/postgres.js';
import { withDatabase } from '../endpoints.js';
import {
  connectPg,
  countTables,
  disableSubscriptionsIn,
  dropDatabase,
  dropPublicationsIn,
  dropSlotsOf,
  dropSubscriptionsIn,
  recreateDatabase,
} from '../pg-db.js';
import type { ChildOutcome, MeasuredChild } from '../process/child-process.js';
import { NotAvailable, type Measurement } from '../result.js';
import type { SourceKind } from '../source-kind.js';
import { sourceCounts } from '../source-counts.js';
import { percentile } from '../stats.js';
import { oursTargetDatabase } from '../target-databases.js';
import { runBacklog, runFixedRate } from '../workload/drive.js';
import { LagProbe } from '../workload/lag-probe.js';
import { openWorkload } from '../workload/open-workload.js';
import {
  assertReplicatorSucceeded,
  runReplicator,
  startReplicator,
  type ReplicatorTarget,
} from './replicator-cli.js';
import { applyWorkerRunning, ordersKey, sentinelsVisible } from '../target-probe.js';
import { clearKafkaJobState, kafkaBroker } from './kafka-job-state.js';
import { replicatorSourceUrl } from './source-url.js';

const HOUR_MS = 60 * 60_000;
const COPY_POLL_MS = 2000;
const SENTINEL_POLL_MS = 100;
const UNLOGGED_POLL_MS = 10_000;
/**
 * How long a command that finished its work gets to exit before it counts as a long-running
 * replicator: server-side `init`/`sync` return a moment after the data is there.
 */
const EXIT_GRACE_MS = 15_000;

/** The outcome if `child` has exited, else null (does not wait). */
async function exitedOutcome(child: MeasuredChild): Promise<ChildOutcome | null> {
  return Promise.race([child.done, sleep(0).then(() => null)]);
}

export class OursSession {
  readonly #ctx: BenchContext;
  readonly #source: SourceKind;
  readonly #targetDb: string;
  readonly #cli: ReplicatorTarget;
  #initFailure = 'ours-init did not run';
  #target: Client | null = null;
  /** The replicator process, when replication is a process (see the module comment). */
  #process: MeasuredChild | null = null;

  constructor(ctx: BenchContext, source: SourceKind) {
    this.#ctx = ctx;
    this.#source = source;
    this.#targetDb = oursTargetDatabase(source);
    this.#cli = {
      sourceUrl: replicatorSourceUrl(ctx, source),
      targetUrl: withDatabase(ctx.endpoints.pgTarget, this.#targetDb),
      stateDir: join(ctx.workDir, 'ours-state', source),
      jobs: ctx.options.jobs,
      route: ctx.options.oursRoute,
    };
  }

  #requireInit(): Client {
    if (this.#target === null)
      throw new NotAvailable(`needs ours-init-${this.#source}: ${this.#initFailure}`);
    return this.#target;
  }

  /** True once the target holds as many rows per table as the source (a quiet source: copy done). */
  async #copyComplete(
    target: Client,
    expected: Readonly<Record<string, number>>,
  ): Promise<boolean> {
    const copied = await countTables(target, Object.keys(expected));
    return tablesDiffering(expected, copied).length === 0;
  }

  async init(): Promise<Measurement> {
    const { pgTarget } = this.#ctx.endpoints;
    await rm(this.#cli.stateDir, { recursive: true, force: true });
    await mkdir(this.#cli.stateDir, { recursive: true });
    await recreateDatabase(pgTarget, this.#targetDb);
    const broker = kafkaBroker(this.#cli.route);
    if (broker !== undefined) await clearKafkaJobState(broker);
    const target = await connectPg(pgTarget, this.#targetDb, 'dr-bench-ours');
    // Counted once needed: a command that is not implemented exits before the first poll, and
    // counting a FerretDB source takes a while.
    let counted: Record<string, number> | null = null;
    const expectedCounts = async (): Promise<Record<string, number>> =>
      (counted ??= await sourceCounts(this.#ctx, this.#source));
    const child = startReplicator(this.#cli, [
      'init',
      '--enable-sync',
      '-y',
      '--jobs',
      String(this.#ctx.options.jobs),
      ...this.#cli.route,
    ]);
    const started = performance.now();
    // The pipeline logs this once every table is copied (on the in-process bus: applied, keys
    // and indexes built); counting rows on the target only from then on keeps the count's own
    // load off the copy. A native init has no such line: it exits once the copy is done.
    let logged = false;
    const snapshotLogged = child
      .stderrLineSeen((line) => line.includes('"msg":"snapshot done"'))
      .then(() => {
        logged = true;
        return null;
      });
    let endMs: number | null = null; // set when the copy was done before the process ended
    try {
      let unloggedCountAt = UNLOGGED_POLL_MS;
      for (;;) {
        const exited = await Promise.race([
          child.done,
          logged ? sleep(SENTINEL_POLL_MS).then(() => null) : snapshotLogged,
          sleep(COPY_POLL_MS).then(() => null),
        ]);
        if (exited !== null) {
          assertReplicatorSucceeded('init --enable-sync', exited);
          if (!(await this.#copyComplete(target, await expectedCounts())))
            throw new Error('init --enable-sync exited 0 but the target lacks rows');
          break;
        }
        const waited = performance.now() - started;
        if (waited > 2 * HOUR_MS) throw new Error('init did not finish within two hours');
        // Without the line (another route, or its wording changed) rows are counted now and then.
        if (!logged) {
          if (waited < unloggedCountAt) continue;
          unloggedCountAt = waited + UNLOGGED_POLL_MS;
        }
        // Through Kafka the line means sent, not applied: the loader may still be at work.
        const countStarted = performance.now();
        if (await this.#copyComplete(target, await expectedCounts())) {
          const copiedMs = countStarted - started;
          const exitedLater = await Promise.race([
            child.done,
            sleep(EXIT_GRACE_MS).then(() => null),
          ]);
          if (exitedLater === null) {
            this.#process = child; // the replicator runs on as the sync process
            endMs = copiedMs;
          } else {
            assertReplicatorSucceeded('init --enable-sync', exitedLater);
          }
          break;
        }
      }
    } catch (error) {
      this.#initFailure = error instanceof Error ? error.message : String(error);
      await child.stop(10_000);
      await target.end();
      throw error;
    }
    const wallMs = endMs ?? (await child.done).wallMs;
    this.#target = target;
    return {
      wallSeconds: wallMs / 1000,
      count: sumCounts(await expectedCounts()),
      unit: 'rows',
      bytes: this.#ctx.datasets.get(this.#source)?.sizeBytes ?? null,
      peakRssBytes: child.sampler?.peakBytes() ?? null,
      lag: null,
      notes: [
        `init --enable-sync -y --jobs ${this.#ctx.options.jobs}: copy, then replication ${this.#process === null ? 'running in PostgreSQL' : 'running in our process'}`,
      ],
    };
  }

  /** Stops replication without losing its position: SIGTERM to our process, or subscriptions disabled. */
  async #stopReplication(): Promise<void> {
    const child = this.#process;
    this.#process = null;
    if (child !== null) {
      await child.stop(30_000);
      return;
    }
    await disableSubscriptionsIn(this.#ctx.endpoints.pgTarget, this.#targetDb);
  }

  /**
   * Fails when our replicator process failed. An exit 0 means replication was handed to the
   * server; whether it really runs is what the lag probe and the sentinels check.
   */
  async #assertProcessHealthy(): Promise<void> {
    if (this.#process === null) return;
    const exited = await exitedOutcome(this.#process);
    if (exited !== null) {
      this.#process = null;
      assertReplicatorSucceeded('sync', exited);
    }
  }

  async backlog(): Promise<Measurement> {
    const target = this.#requireInit();
    await this.#stopReplication();
    const workload = await openWorkload(this.#ctx, this.#source);
    const written = await runBacklog(
      workload,
      this.#ctx.specs[this.#source],
      this.#ctx.cursors.get(this.#source),
      backlogFor(this.#ctx, this.#source),
    ).finally(() => workload.close());
    this.#ctx.cursors.set(this.#source, written.cursor);
    const started = performance.now();
    const sync = startReplicator(this.#cli, ['sync', ...this.#cli.route]);
    let syncing = true; // until `sync` exits 0: then replication runs in PostgreSQL
    let workerMs: number | null = null; // when a subscription's apply worker came up, if any
    try {
      for (;;) {
        if (workerMs === null && (await applyWorkerRunning(target)))
          workerMs = performance.now() - started;
        if (await sentinelsVisible(target, written.sentinels, this.#source === 'mongodb')) break;
        if (syncing) {
          const exited = await exitedOutcome(sync);
          if (exited !== null) {
            assertReplicatorSucceeded('sync', exited);
            syncing = false;
          }
        }
        if (performance.now() - started > HOUR_MS)
          throw new Error('the backlog was not applied within an hour');
        await sleep(SENTINEL_POLL_MS);
      }
    } catch (error) {
      await sync.stop(10_000); // no orphaned replicator when the scenario fails
      throw error;
    }
    const wallMs = performance.now() - started;
    const exitedLater = syncing
      ? await Promise.race([sync.done, sleep(EXIT_GRACE_MS).then(() => null)])
      : await sync.done;
    if (exitedLater === null) this.#process = sync;
    else assertReplicatorSucceeded('sync', exitedLater);
    return {
      wallSeconds: wallMs / 1000,
      count: written.rowOps,
      unit: 'changes',
      bytes: null,
      peakRssBytes: sync.sampler?.peakBytes() ?? null,
      lag: null,
      notes: [
        `backlog of ${written.changes} changes written in ${written.seconds.toFixed(1)} s while replication was stopped; timed from \`sync\` until every sentinel row is on the target`,
        ...(workerMs === null
          ? []
          : [`subscription apply worker up at ${(workerMs / 1000).toFixed(1)} s`]),
      ],
    };
  }

  async lag(): Promise<Measurement> {
    const target = this.#requireInit();
    this.#process?.sampler?.resetPeak();
    const { table, key } = await ordersKey(target);
    const probeClient = await connectPg(
      this.#ctx.endpoints.pgTarget,
      this.#targetDb,
      'dr-bench-lag-probe',
    );
    const workload = await openWorkload(this.#ctx, this.#source);
    try {
      const probe = new LagProbe(probeClient, table, key);
      probe.start();
      const { lagRate, lagSeconds } = this.#ctx.options;
      const run = await runFixedRate(
        workload,
        this.#ctx.specs[this.#source],
        this.#ctx.cursors.get(this.#source),
        lagRate,
        lagSeconds * 1000,
        (id, at) => probe.record(id, at),
      );
      this.#ctx.cursors.set(this.#source, run.cursor);
      const samples = await probe.finish(60_000);
      await this.#assertProcessHealthy();
      if (samples.unseen > 0)
        throw new Error(
          `${samples.unseen} commits were not visible on the target 60 s after the workload`,
        );
      return {
        wallSeconds: run.seconds,
        count: run.rowOps,
        unit: 'changes',
        bytes: null,
        peakRssBytes: this.#process?.sampler?.peakBytes() ?? null,
        lag: {
          p50Ms: percentile(samples.lagsMs, 50) ?? 0,
          p99Ms: percentile(samples.lagsMs, 99) ?? 0,
          samples: samples.lagsMs.length,
        },
        notes: [
          `${lagRate} changes/s asked, ${(run.changes / run.seconds).toFixed(0)} achieved; replication ${this.#process === null ? 'in PostgreSQL' : 'in our process'}`,
        ],
      };
    } finally {
      await workload.close();
      await probeClient.end();
    }
  }

  async verify(): Promise<Measurement> {
    this.#requireInit();
    const outcome = await runReplicator(this.#cli, ['verify', '--json'], 2 * HOUR_MS);
    if (outcome.exitCode === 1)
      throw new Error(`verify found differences: ${outcome.stdoutTail.slice(-500)}`);
    assertReplicatorSucceeded('verify', outcome);
    const counts = await sourceCounts(this.#ctx, this.#source);
    return {
      wallSeconds: outcome.wallMs / 1000,
      count: sumCounts(counts),
      unit: 'rows',
      bytes: this.#ctx.datasets.get(this.#source)?.sizeBytes ?? null,
      peakRssBytes: outcome.peakRssBytes,
      lag: null,
      notes: ['verify --json exited 0: every table matches'],
    };
  }

  /**
   * Stops our process, drops the subscriptions in the target database and the database, our state,
   * and on a PostgreSQL source the slots and publications of `bench` (a leaked slot pins WAL).
   */
  async close(): Promise<void> {
    const { pgSource, pgTarget } = this.#ctx.endpoints;
    if (this.#process !== null) await this.#process.stop(30_000);
    this.#process = null;
    if (this.#target !== null) await this.#target.end();
    this.#target = null;
    await dropSubscriptionsIn(pgTarget, this.#targetDb);
    await dropDatabase(pgTarget, this.#targetDb);
    await rm(this.#cli.stateDir, { recursive: true, force: true });
    if (this.#source === 'postgres') {
      await dropSlotsOf(pgSource, PG_BENCH_DATABASE);
      await dropPublicationsIn(pgSource, PG_BENCH_DATABASE);
    }
  }
}
