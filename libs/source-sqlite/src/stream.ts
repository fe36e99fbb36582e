/**
 * The change stream: polls the changelog in sequence order, at most `maxBatchRows` rows per poll,
 * and yields each poll's rows as one transaction step whose `resumeFrom` is the last row's
 * sequence. Sequences grow by exactly one per change (capture.ts), so a jump means changes were
 * pruned before this reader saw them (another job acknowledged them, or capture was removed and
 * installed again): the stream stops with an error instead of silently skipping them.
 *
 * States: polling → (rows) yield step → polling; polling → (no rows) sleep, yielding a heartbeat
 * at most every `heartbeatIntervalMs` → polling; any state → (signal aborted) done.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import { replicatorError, type ChangeEvent } from '@database-replicator/core';
import type { SourceTransaction } from '@database-replicator/pipeline';
import { currentSequence, isCaptureInstalled, oldestSequence } from './capture.js';
import { changelogEvent, type EventOrigin } from './changelog-event.js';
import { ChangelogReader, type ChangelogEntry } from './changelog-reader.js';
import { CHANGELOG_TABLE } from './constants.js';
import type { SqliteTableInfo } from './introspect.js';
import { sqliteCall } from './open-sqlite.js';
import { sqlitePosition } from './position.js';

/** What the stream reads from and how often. */
export type SqliteStreamContext = Readonly<{
  db: Database.Database;
  file: string;
  tables: ReadonlyMap<string, SqliteTableInfo>;
  origin: EventOrigin;
  pollIntervalMs: number;
  maxBatchRows: number;
  heartbeatIntervalMs: number;
}>;

/**
 * Streams changes after sequence `from` until `signal` aborts.
 *
 * @throws ReplicatorError `REPL_SQLITE_CAPTURE_MISSING` (no changelog), `REPL_SQLITE_CHANGELOG_GAP`
 *   (changes after `from` are gone), and the errors of `changelogEvent`.
 */
export async function* streamSqliteChanges(
  context: SqliteStreamContext,
  from: bigint,
  signal: AbortSignal,
): AsyncGenerator<SourceTransaction> {
  const { db, file } = context;
  const reader = sqliteCall(file, 'preparing the changelog poll', () => {
    assertCaptureInstalled(db, file);
    const newest = currentSequence(db);
    if (newest < from) throw gap(file, from, `the changelog ends at ${newest}`);
    // Pruning never goes past an acknowledged checkpoint: an oldest row above the next sequence
    // means someone else trimmed it (another job, a manual DELETE) or capture was installed again.
    const oldest = oldestSequence(db);
    if (oldest !== null && oldest > from + 1n) {
      throw gap(file, from, `the oldest change kept is ${oldest}`);
    }
    return new ChangelogReader(db);
  });
  let last = from;
  let lastYieldMs = Date.now();
  while (!signal.aborted) {
    const rows = pollRows(context, reader, last);
    const events: ChangeEvent[] = [];
    const nowMs = Date.now();
    for (const entry of rows) {
      if (entry.seq !== last + 1n) throw gap(file, last, `the next change is ${entry.seq}`);
      last = entry.seq;
      const event = changelogEvent(entry, context.tables.get(entry.tbl), context.origin, nowMs);
      if (event !== undefined) events.push(event);
    }
    if (rows.length > 0 || nowMs - lastYieldMs >= context.heartbeatIntervalMs) {
      lastYieldMs = nowMs;
      yield Object.freeze({ events: Object.freeze(events), resumeFrom: sqlitePosition(last) });
    }
    if (rows.length < context.maxBatchRows) await pause(context.pollIntervalMs, signal);
  }
}

function pollRows(
  context: SqliteStreamContext,
  reader: ChangelogReader,
  after: bigint,
): ChangelogEntry[] {
  try {
    return sqliteCall(context.file, 'polling the changelog', () =>
      reader.read(after, context.maxBatchRows),
    );
  } catch (error) {
    // Removing capture drops the table under the prepared poll: say so rather than "no such table".
    assertCaptureInstalled(context.db, context.file);
    throw error;
  }
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (error) {
    // An abort ends the wait early; the loop then sees the aborted signal and stops.
    if (!signal.aborted) throw error;
  }
}

function assertCaptureInstalled(db: Database.Database, file: string): void {
  if (isCaptureInstalled(db)) return;
  throw replicatorError(
    'REPL_SQLITE_CAPTURE_MISSING',
    `SQLite source ${file} has no change capture (table ${CHANGELOG_TABLE} is missing)`,
    { details: { file } },
  );
}

function gap(file: string, after: bigint, found: string): Error {
  return replicatorError(
    'REPL_SQLITE_CHANGELOG_GAP',
    `The changelog of SQLite source ${file} no longer holds the changes after sequence ${after}: ${found}`,
    { details: { file, sequence: after.toString() } },
  );
}
