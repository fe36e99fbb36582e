/**
 * The state of a refresh-mode source on disk (sources without a change stream compare each table
 * with it every interval; libs/source-mongodb README, "Refresh mode", describes the design): for
 * each table, every key the target may hold and the hash of each version of it the target may
 * hold. Keys and hashes are text the source chooses. Files, all JSON lines:
 *
 * - `snapshot-<table digest>.jsonl`: `[id, hash]` of each snapshot page, appended (and
 *   synced) before the page is handed out; position 0 is the union of these files.
 * - `delta-<n>.jsonl`: `[collection, id, hash]` of every upsert of refresh cycle n, appended
 *   (and synced) before the events are handed out: a write-ahead log of what the target may hold
 *   once some of the cycle's events are applied.
 * - `state-<n>.jsonl`: the complete scan of cycle n, written when the cycle ends, before its
 *   position is handed out.
 *
 * Resuming from position n loads state-n (or the snapshot files for 0) plus every later delta and
 * state file: the union of every version the target may hold, so a document that changed and
 * changed back while nothing was checkpointed is still sent again. Acknowledging n deletes what
 * position n no longer needs.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** Per table (`tableKey`), per key text: the hash, or hashes, the target may hold. */
export type RefreshState = Map<string, Map<string, string | string[]>>;

/** A loaded state and the first unused cycle number. */
export type LoadedRefreshState = Readonly<{ state: RefreshState; nextCycle: bigint }>;

const MARKER = 'refresh-state.json';
const FILE = /^(snapshot|delta|state)-([0-9a-f]+|\d+)\.jsonl$/;
const LINES_PER_WRITE = 10_000;

/** What a source's store reports in its own terms. */
export type RefreshStateStoreOptions = Readonly<{
  /** The error for a state that is gone (cycle `cycle` of directory `dir`), with the source's code. */
  missing: (cycle: bigint, dir: string) => Error;
}>;

/** The refresh state files of one source, in `dir`. */
export class RefreshStateStore {
  readonly #dir: string;
  readonly #missingError: RefreshStateStoreOptions['missing'];

  constructor(dir: string, options: RefreshStateStoreOptions) {
    this.#dir = dir;
    this.#missingError = options.missing;
  }

  /** Starts a job: removes every earlier file and writes the marker. */
  async reset(): Promise<void> {
    await rm(this.#dir, { recursive: true, force: true });
    await mkdir(this.#dir, { recursive: true });
    await this.#writeLines(MARKER, [JSON.stringify({ version: 1 })]);
  }

  /** Records the versions a snapshot page of `table` (a `tableKey`) hands out. */
  async appendSnapshot(
    table: string,
    entries: readonly Readonly<{ id: string; hash: string }>[],
  ): Promise<void> {
    const lines = entries.map((entry) => JSON.stringify([entry.id, entry.hash]));
    await this.#appendLines(`snapshot-${digest(table)}.jsonl`, lines);
  }

  /** Records the upserts of cycle `cycle` about to be handed out. */
  async appendDelta(
    cycle: bigint,
    entries: readonly (readonly [string, string, string])[],
  ): Promise<void> {
    await this.#appendLines(
      `delta-${cycle}.jsonl`,
      entries.map((entry) => JSON.stringify(entry)),
    );
  }

  /** Writes the complete state of cycle `cycle` atomically. */
  async writeState(
    cycle: bigint,
    state: ReadonlyMap<string, ReadonlyMap<string, string | string[]>>,
  ): Promise<void> {
    const name = `state-${cycle}.jsonl`;
    const handle = await open(path.join(this.#dir, `${name}.tmp`), 'w');
    try {
      let lines: string[] = [];
      for (const [table, ids] of state) {
        for (const [id, hashes] of ids) {
          for (const hash of typeof hashes === 'string' ? [hashes] : hashes) {
            lines.push(JSON.stringify([table, id, hash]));
          }
          if (lines.length >= LINES_PER_WRITE) {
            await handle.write(`${lines.join('\n')}\n`);
            lines = [];
          }
        }
      }
      if (lines.length > 0) await handle.write(`${lines.join('\n')}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(path.join(this.#dir, `${name}.tmp`), path.join(this.#dir, name));
  }

  /**
   * The union of what the target may hold at position `cycle`, for the tables `tables`.
   *
   * @throws the `missing` error of the options when the files of `cycle` are gone.
   */
  async load(cycle: bigint, tables: readonly string[]): Promise<LoadedRefreshState> {
    const files = await this.#files();
    const state: RefreshState = new Map(tables.map((table) => [table, new Map()]));
    const byDigest = new Map(tables.map((table) => [digest(table), table]));
    if (!files.some((file) => file.name === MARKER)) throw this.#missing(cycle);
    if (cycle > 0n && !files.some((file) => file.kind === 'state' && file.cycle === cycle)) {
      throw this.#missing(cycle);
    }
    let last = cycle;
    for (const file of files) {
      if (file.kind === 'snapshot' && cycle === 0n) {
        const table = byDigest.get(file.suffix);
        if (table !== undefined) await this.#readInto(file.name, state, table);
      } else if ((file.kind === 'delta' || file.kind === 'state') && file.cycle >= cycle) {
        if (file.kind === 'state' || file.cycle > cycle) await this.#readInto(file.name, state);
        if (file.cycle > last) last = file.cycle;
      }
    }
    return { state, nextCycle: last + 1n };
  }

  /** Position `cycle` is checkpointed: deletes the files only earlier positions need. */
  async prune(cycle: bigint): Promise<void> {
    for (const file of await this.#files()) {
      const stale =
        (file.kind === 'snapshot' && cycle > 0n) ||
        (file.kind === 'state' && file.cycle < cycle) ||
        (file.kind === 'delta' && file.cycle <= cycle);
      if (stale) await rm(path.join(this.#dir, file.name), { force: true });
    }
  }

  async #files(): Promise<{ name: string; kind: string; suffix: string; cycle: bigint }[]> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch {
      // A missing directory holds no state: load() reports it as missing.
      return [];
    }
    return names.map((name) => {
      const match = FILE.exec(name);
      const suffix = match?.[2] ?? '';
      const kind = match?.[1] ?? (name === MARKER ? 'marker' : 'other');
      return {
        name,
        kind,
        suffix,
        cycle: kind === 'snapshot' || suffix === '' ? -1n : BigInt(suffix),
      };
    });
  }

  async #readInto(name: string, state: RefreshState, table?: string): Promise<void> {
    const lines = createInterface({
      input: createReadStream(path.join(this.#dir, name)),
      crlfDelay: Infinity,
    });
    for await (const line of lines) {
      const entry = parseLine(line);
      // A torn last line was never followed by its events: skipping it loses nothing.
      if (entry === undefined) continue;
      const [owner, id, hash] = table === undefined ? entry : [table, ...entry];
      if (owner === undefined || id === undefined || hash === undefined) continue;
      const ids = state.get(owner);
      if (ids !== undefined) addHash(ids, id, hash);
    }
  }

  async #appendLines(name: string, lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    // A snapshot may be read before the job's reset() (a source read without a job).
    await mkdir(this.#dir, { recursive: true });
    await this.#writeLines(name, lines, 'a');
  }

  async #writeLines(name: string, lines: readonly string[], flags = 'w'): Promise<void> {
    const handle = await open(path.join(this.#dir, name), flags);
    try {
      await handle.write(`${lines.join('\n')}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  #missing(cycle: bigint): Error {
    return this.#missingError(cycle, this.#dir);
  }
}

/** Adds `hash` to the versions of `id`. */
export function addHash(ids: Map<string, string | string[]>, id: string, hash: string): void {
  const known = ids.get(id);
  if (known === undefined) ids.set(id, hash);
  else if (typeof known === 'string') {
    if (known !== hash) ids.set(id, [known, hash]);
  } else if (!known.includes(hash)) known.push(hash);
}

function parseLine(line: string): string[] | undefined {
  try {
    const value: unknown = JSON.parse(line);
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) return undefined;
    return value.map(String);
  } catch {
    return undefined;
  }
}

function digest(table: string): string {
  return createHash('sha256').update(table).digest('hex').slice(0, 16);
}
