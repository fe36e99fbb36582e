/**
 * Shared by the loader suites: change events as an extractor writes them, Kafka topics with a
 * unique prefix per test (dropped afterwards), the loader service as a child process
 * (`node services/loader/bin/loader.js`, configured through its environment only), and the
 * target's bookkeeping read back with plain SQL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  eventTopic,
  formatLsn,
  serializeChangeEvent,
  type ChangeEvent,
  type ChangeRow,
} from '@database-replicator/core';
import { partitionForKey, type BusMessage } from '@database-replicator/bus';
import kafkajs from 'kafkajs';
import { requiredEnv } from '../../support/describe-with-services.js';
import { queryOnce } from '../../support/postgres-databases.js';

const { Kafka, logLevel } = kafkajs;

/** The committed bin of services/loader (run `npm run build` first). */
export const LOADER_BIN = fileURLToPath(
  new URL('../../../services/loader/bin/loader.js', import.meta.url),
);

/** A topic prefix no other test uses. */
export function uniquePrefix(label: string): string {
  return `lt_${label}_${randomBytes(4).toString('hex')}`;
}

/** The event topic of `table` (source `src`, schema `public`). */
export function tableTopic(prefix: string, table: string): string {
  return eventTopic(prefix, 'src', 'public', table);
}

/** A streamed insert of `row` into `public.<table>` at source position `seq`. */
export function insertEvent(table: string, row: ChangeRow, seq: number): ChangeEvent {
  return {
    op: 'c',
    before: null,
    after: row,
    ts_ms: 0,
    source: {
      connector: 'postgresql',
      name: 'src',
      db: 'app',
      schema: 'public',
      table,
      snapshot: 'false',
      // Increasing with seq, so every partition carries increasing positions, as from a source.
      position: { kind: 'postgres', lsn: formatLsn(BigInt(seq) * 64n), txIndex: 0 },
      ts_ms: 0,
    },
  };
}

/** The bus message of an insert into `public.items(id, v)`: key `{"id":n}`. */
export function itemMessage(id: number, seq = id): BusMessage {
  return {
    key: JSON.stringify({ id }),
    value: serializeChangeEvent(insertEvent('items', { id, v: `v-${id}` }, seq)),
  };
}

/** Messages per partition of `messages` on a topic of `partitions` partitions. */
export function countPerPartition(
  messages: readonly BusMessage[],
  partitions: number,
): Map<number, number> {
  const counts = new Map<number, number>();
  for (const message of messages) {
    const partition = partitionForKey(message.key ?? '', partitions);
    counts.set(partition, (counts.get(partition) ?? 0) + 1);
  }
  return counts;
}

/** A kafkajs admin that deletes the topics of a prefix. */
export async function kafkaAdmin() {
  const admin = new Kafka({
    brokers: requiredEnv('KAFKA_BROKERS').split(','),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  return {
    dropPrefix: async (prefix: string): Promise<void> => {
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
      if (topics.length > 0) await admin.deleteTopics({ topics });
    },
    /**
     * Moves `groupId`'s committed offsets of `topic` back to the start, once the group has no
     * live member (a killed member stays until its session times out).
     */
    rewindGroup: async (groupId: string, topic: string): Promise<void> => {
      await waitFor(`group ${groupId} to be empty`, async () => {
        const { groups } = await admin.describeGroups([groupId]);
        return groups[0]?.state === 'Empty';
      });
      await admin.resetOffsets({ groupId, topic, earliest: true });
    },
    close: () => admin.disconnect(),
  };
}

/**
 * The items table with an audit of every row write: a trigger records each INSERT and UPDATE,
 * so an event written twice (a replay that was not skipped) leaves two audit rows for its id.
 */
export async function createAuditedItems(targetUrl: string): Promise<void> {
  await queryOnce(
    targetUrl,
    `CREATE TABLE public.items (id bigint PRIMARY KEY, v text NOT NULL);
     CREATE SCHEMA audit;
     CREATE TABLE audit.writes (id bigint NOT NULL, op text NOT NULL);
     CREATE FUNCTION audit.record() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN INSERT INTO audit.writes VALUES (NEW.id, TG_OP); RETURN NULL; END $$;
     CREATE TRIGGER audit AFTER INSERT OR UPDATE ON public.items
       FOR EACH ROW EXECUTE FUNCTION audit.record();`,
  );
}

/** Stored next offsets of `group` by partition of `topic`. */
export async function storedOffsets(
  targetUrl: string,
  group: string,
  topic: string,
): Promise<Map<number, number>> {
  const { rows } = await queryOnce(
    targetUrl,
    `SELECT partition, next_offset::int AS next FROM _replicator.offsets
      WHERE consumer_group = $1 AND topic = $2`,
    [group, topic],
  );
  return new Map(rows.map((row: { partition: number; next: number }) => [row.partition, row.next]));
}

/** Polls `check` every 200 ms until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** One parsed JSON log line of a child. */
export type LogLine = Readonly<Record<string, unknown>>;

/** A loader service child process and its parsed log lines. */
export class LoaderProcess {
  readonly lines: LogLine[] = [];
  readonly exited: Promise<number | null>;
  readonly #child: ChildProcess;
  #buffer = '';

  constructor(env: Readonly<Record<string, string>>) {
    // Only what the child needs, plus PATH: its settings (the target URL included) come from
    // the environment, never argv.
    this.#child = spawn(process.execPath, [LOADER_BIN], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.#child.stderr?.setEncoding('utf8');
    this.#child.stderr?.on('data', (chunk: string) => this.#read(chunk));
    this.exited = new Promise((resolve) => this.#child.once('exit', (code) => resolve(code)));
  }

  /** The first log line with message `msg` (and matching `fields`), waiting up to `timeoutMs`. */
  async waitForLog(msg: string, timeoutMs = 30_000): Promise<LogLine> {
    let found: LogLine | undefined;
    await waitFor(
      `log "${msg}"`,
      () => {
        found = this.lines.find((line) => line['msg'] === msg);
        return found !== undefined;
      },
      timeoutMs,
    );
    if (found === undefined) throw new Error(`no log "${msg}"`);
    return found;
  }

  /** The HTTP port it logged. */
  async port(): Promise<number> {
    const line = await this.waitForLog('http server listening');
    const port = line['port'];
    if (typeof port !== 'number') throw new Error('the listening log line has no port');
    return port;
  }

  /** GETs `path` from its HTTP server. */
  async get(path: string): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`http://127.0.0.1:${await this.port()}${path}`);
    return { status: response.status, body: await response.json() };
  }

  /** Partitions of `topic` it reports as committed. */
  async partitionsOf(topic: string): Promise<Set<number>> {
    const { body } = await this.get('/status');
    const partitions =
      typeof body === 'object' && body !== null && 'partitions' in body ? body.partitions : [];
    const result = new Set<number>();
    for (const entry of Array.isArray(partitions) ? partitions : []) {
      if (entry?.topic === topic && typeof entry.partition === 'number')
        result.add(entry.partition);
    }
    return result;
  }

  /** The counts it reports. */
  async stats(): Promise<{ applied: number; skipped: number; deadLettered: number }> {
    const { body } = await this.get('/status');
    const stats = typeof body === 'object' && body !== null && 'stats' in body ? body.stats : {};
    const count = (name: string): number => Number(Reflect.get(Object(stats), name) ?? NaN);
    return {
      applied: count('applied'),
      skipped: count('skipped'),
      deadLettered: count('deadLettered'),
    };
  }

  /** kill -9. */
  async kill9(): Promise<void> {
    this.#child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, then the exit code. */
  async stop(): Promise<number | null> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill('SIGTERM');
    }
    return this.exited;
  }

  /** Everything it logged, for a failing assertion's message. */
  get output(): string {
    return this.lines.map((line) => JSON.stringify(line)).join('\n');
  }

  #read(chunk: string): void {
    this.#buffer += chunk;
    const parts = this.#buffer.split('\n');
    this.#buffer = parts.pop() ?? '';
    for (const part of parts) {
      if (part.trim() === '') continue;
      try {
        this.lines.push(JSON.parse(part));
      } catch {
        this.lines.push({ msg: 'unparsed', text: part });
      }
    }
  }
}

/** The environment of a loader child. */
export function loaderEnv(
  options: Readonly<{
    targetUrl: string;
    prefix: string;
    group: string;
    extra?: Readonly<Record<string, string>>;
  }>,
): Record<string, string> {
  return {
    DR_TARGET_URL: options.targetUrl,
    DR_BUS: `kafka://${requiredEnv('KAFKA_BROKERS')}`,
    DR_TOPIC_PREFIX: options.prefix,
    DR_CONSUMER_GROUP: options.group,
    DR_HTTP_PORT: '0',
    DR_TOPIC_POLL_MS: '500',
    DR_LOG_LEVEL: 'info',
    ...options.extra,
  };
}
