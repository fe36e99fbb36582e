/**
 * The generic verifier against an in-memory engine: a fake TableChecksummer over a sorted array
 * of rows, ordered numerically per key column (so text order and key order disagree, as they do
 * for real integer keys). The fake counts queries so the tests can prove work stays bounded.
 */
import { describe, expect, it } from 'vitest';
import {
  verifyTables,
  type KeyRange,
  type RangeChecksum,
  type ReplicationProgress,
  type RowHash,
  type RowKey,
  type TableChecksummer,
  type VerifyOptions,
  type VerifyTableInput,
} from '@database-replicator/pipeline';

type FakeRow = { key: number[]; value: string | null };

function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function hashOf(row: FakeRow): bigint {
  // FNV-1a over the row's text; sums of these are order-independent like the SQL version.
  let h = 0xcbf29ce484222325n;
  for (const ch of JSON.stringify(row)) {
    h ^= BigInt(ch.codePointAt(0) ?? 0);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

/** An in-memory table side; `rows` may be changed between calls like a live database. */
class FakeSide implements TableChecksummer {
  rows: FakeRow[];
  calls = { hashRange: 0, keyAt: 0, rowHashes: 0, rowsFetched: 0 };
  inFlight = 0;
  failOn: keyof FakeSide['calls'] | undefined;

  constructor(rows: FakeRow[]) {
    this.rows = [...rows].sort((a, b) => compareKeys(a.key, b.key));
  }

  private inRange(range: KeyRange): FakeRow[] {
    const after = range.after?.map(Number);
    const upTo = range.upTo?.map(Number);
    return this.rows.filter(
      (r) =>
        (after === undefined || compareKeys(r.key, after) > 0) &&
        (upTo === undefined || compareKeys(r.key, upTo) <= 0),
    );
  }

  private async query<T>(name: keyof FakeSide['calls'], body: () => T): Promise<T> {
    this.calls[name] += 1;
    this.inFlight += 1;
    try {
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (this.failOn === name) throw new Error(`fake ${name} failed`);
      return body();
    } finally {
      this.inFlight -= 1;
    }
  }

  async *planBoundaries(chunkRows: number): AsyncGenerator<RowKey> {
    for (let i = chunkRows - 1; i < this.rows.length; i += chunkRows) {
      const row = this.rows[i];
      if (row !== undefined) yield row.key.map(String);
    }
  }

  hashRange(range: KeyRange): Promise<RangeChecksum> {
    return this.query('hashRange', () => {
      const rows = this.inRange(range);
      return { rows: rows.length, hash: rows.reduce((s, r) => s + hashOf(r), 0n).toString() };
    });
  }

  keyAt(range: KeyRange, offset: number): Promise<RowKey | null> {
    return this.query('keyAt', () => this.inRange(range)[offset]?.key.map(String) ?? null);
  }

  rowHashes(range: KeyRange): Promise<readonly RowHash[]> {
    return this.query('rowHashes', () => {
      const rows = this.inRange(range);
      this.calls.rowsFetched += rows.length;
      return rows.map((r) => ({ key: r.key.map(String), hash: hashOf(r).toString() }));
    });
  }
}

function numbered(count: number, from = 1): FakeRow[] {
  return Array.from({ length: count }, (_, i) => ({ key: [from + i], value: `v${from + i}` }));
}

function table(
  source: FakeSide,
  target: FakeSide | null,
  keyColumns: readonly string[] = ['id'],
): VerifyTableInput {
  return { table: 'public.t', keyColumns, source, target };
}

const SMALL: VerifyOptions = { chunkRows: 100, leafRows: 8, concurrency: 3 };

async function verifyOne(input: VerifyTableInput, options: VerifyOptions = SMALL) {
  const report = await verifyTables([input], options);
  const [result] = report.tables;
  if (result === undefined) throw new Error('no result');
  return { report, result };
}

describe('verifyTables', () => {
  it('reports identical tables as ok, with the row counts of both sides', async () => {
    const { report, result } = await verifyOne(
      table(new FakeSide(numbered(1000)), new FakeSide(numbered(1000))),
    );
    expect(report.ok).toBe(true);
    expect(result).toMatchObject({
      status: 'ok',
      sourceRows: 1000,
      targetRows: 1000,
      ranges: 11,
      mismatchedRanges: 0,
      missing: [],
      extra: [],
      different: [],
    });
  });

  it('names exactly the changed, missing and extra keys, reading few rows', async () => {
    const sourceRows = numbered(1000);
    const targetRows = numbered(1000)
      .filter((r) => r.key[0] !== 250)
      .map((r) => (r.key[0] === 777 ? { ...r, value: 'changed' } : r));
    targetRows.push({ key: [10_000], value: 'only on target' }, { key: [505.5], value: 'x' });
    const source = new FakeSide(sourceRows);
    const target = new FakeSide(targetRows);
    const { report, result } = await verifyOne(table(source, target));
    expect(report.ok).toBe(false);
    expect(result.status).toBe('different');
    expect(result.missing).toEqual([{ id: '250' }]);
    expect(result.different).toEqual([{ id: '777' }]);
    expect(result.extra).toEqual([{ id: '505.5' }, { id: '10000' }]);
    expect(result.truncated).toBe(false);
    expect(result.sourceRows).toBe(1000);
    expect(result.targetRows).toBe(1001);
    // Bisection narrowed four ranges down to leaves: nowhere near the 1000 rows of a full read.
    expect(source.calls.rowsFetched).toBeLessThanOrEqual(4 * 8);
  });

  it('plans ranges by walking keyAt when the source side has no planBoundaries', async () => {
    const source = new FakeSide(numbered(1000));
    const keysetOnly: TableChecksummer = {
      hashRange: (range) => source.hashRange(range),
      keyAt: (range, offset) => source.keyAt(range, offset),
      rowHashes: (range) => source.rowHashes(range),
    };
    const target = new FakeSide(numbered(1000).filter((r) => r.key[0] !== 640));
    const { result } = await verifyOne({ ...table(source, target), source: keysetOnly });
    expect(result).toMatchObject({ status: 'different', ranges: 11, missing: [{ id: '640' }] });
    // Ten boundaries, each one keyAt from the previous, plus the end: the walk found them all.
    expect(source.calls.keyAt).toBeGreaterThanOrEqual(11);
  });

  it('treats empty tables on both sides as equal', async () => {
    const { report, result } = await verifyOne(table(new FakeSide([]), new FakeSide([])));
    expect(report.ok).toBe(true);
    expect(result).toMatchObject({ status: 'ok', sourceRows: 0, targetRows: 0, ranges: 1 });
  });

  it('finds rows only the target has, below and above the source key range (open ends)', async () => {
    const target = numbered(300, 1);
    target.push({ key: [-5], value: 'low' }, { key: [9999], value: 'high' });
    const { result } = await verifyOne(table(new FakeSide(numbered(300)), new FakeSide(target)));
    expect(result.extra).toEqual([{ id: '-5' }, { id: '9999' }]);
    expect(result.missing).toEqual([]);
    expect(result.different).toEqual([]);
  });

  it('finds every row of a non-empty target table whose source table is empty', async () => {
    const { result } = await verifyOne(table(new FakeSide([]), new FakeSide(numbered(20))));
    expect(result.status).toBe('different');
    expect(result.extra).toHaveLength(20);
    expect(result.sourceRows).toBe(0);
  });

  it('works with composite keys, naming every key column', async () => {
    const rows: FakeRow[] = [];
    for (let a = 1; a <= 30; a += 1) {
      for (let b = 1; b <= 30; b += 1) rows.push({ key: [a, b], value: `${a}/${b}` });
    }
    const target = rows
      .filter((r) => !(r.key[0] === 7 && r.key[1] === 30))
      .map((r) => (r.key[0] === 12 && r.key[1] === 1 ? { ...r, value: null } : r));
    target.push({ key: [30, 31], value: 'extra' });
    const { result } = await verifyOne(table(new FakeSide(rows), new FakeSide(target), ['a', 'b']));
    expect(result.missing).toEqual([{ a: '7', b: '30' }]);
    expect(result.different).toEqual([{ a: '12', b: '1' }]);
    expect(result.extra).toEqual([{ a: '30', b: '31' }]);
  });

  it('lists every key as missing when the target lacks the table, up to the cap', async () => {
    const { result } = await verifyOne(table(new FakeSide(numbered(50)), null), {
      ...SMALL,
      maxKeysPerTable: 10,
    });
    expect(result.status).toBe('missing-table');
    expect(result.targetRows).toBeNull();
    expect(result.sourceRows).toBe(50);
    expect(result.missing).toHaveLength(10);
    expect(result.missing[0]).toEqual({ id: '1' });
    expect(result.truncated).toBe(true);
  });

  it('caps the listed keys per table, says so, and stops narrowing early', async () => {
    const target = numbered(1000).map((r) => ({ ...r, value: 'all changed' }));
    const source = new FakeSide(numbered(1000));
    const { result } = await verifyOne(table(source, new FakeSide(target)), {
      ...SMALL,
      maxKeysPerTable: 25,
    });
    expect(result.different).toHaveLength(25);
    expect(result.different[0]).toEqual({ id: '1' });
    expect(result.truncated).toBe(true);
    // Narrowing stopped soon after the cap: a few leaves (of 8 rows) per task slot, not the
    // 1000 rows that all differ.
    expect(source.calls.rowsFetched).toBeLessThanOrEqual(3 * 3 * 8);
  });

  it('compares a table without a key as a whole, and says so', async () => {
    const same = await verifyOne(table(new FakeSide(numbered(10)), new FakeSide(numbered(10)), []));
    expect(same.result.status).toBe('ok');
    expect(same.result.notes).toContain('no key: whole-table check only');
    const changed = numbered(10).map((r) => (r.key[0] === 3 ? { ...r, value: '' } : r));
    const differ = await verifyOne(table(new FakeSide(numbered(10)), new FakeSide(changed), []));
    expect(differ.result.status).toBe('different');
    expect(differ.result.different).toEqual([]);
    expect(differ.result.notes).toContain('no key: whole-table check only');
  });

  it('passes through blocked tables without reading them', async () => {
    const source = new FakeSide(numbered(10));
    const report = await verifyTables([
      {
        ...table(source, new FakeSide([])),
        blocked: { status: 'skipped', note: 'schema only' },
      },
    ]);
    expect(report.ok).toBe(true);
    expect(report.tables[0]).toMatchObject({ status: 'skipped', notes: ['schema only'] });
    expect(source.calls.hashRange).toBe(0);
  });

  it('keeps tables in input order and is not ok if any differs', async () => {
    const report = await verifyTables(
      [
        { ...table(new FakeSide(numbered(5)), new FakeSide(numbered(5))), table: 'a' },
        { ...table(new FakeSide(numbered(5)), new FakeSide(numbered(4))), table: 'b' },
        { ...table(new FakeSide([]), new FakeSide([])), table: 'c' },
      ],
      { concurrency: 2 },
    );
    expect(report.tables.map((t) => [t.table, t.status])).toEqual([
      ['a', 'ok'],
      ['b', 'different'],
      ['c', 'ok'],
    ]);
    expect(report.tables[1]?.missing).toEqual([{ id: '5' }]);
    expect(report.ok).toBe(false);
  });

  it('stops on the first failure and leaves no query running', async () => {
    const source = new FakeSide(numbered(1000));
    const target = new FakeSide(numbered(1000));
    target.failOn = 'hashRange';
    await expect(verifyOne(table(source, target))).rejects.toThrow('fake hashRange failed');
    expect(source.inFlight).toBe(0);
    expect(target.inFlight).toBe(0);
    // Work stopped early: not every one of the 11 ranges was even started.
    expect(target.calls.hashRange).toBeLessThan(11);
  });

  it('rejects nonsensical options', async () => {
    await expect(verifyTables([], { chunkRows: 0 })).rejects.toMatchObject({
      code: 'REPL_CONFIG_INVALID',
    });
  });
});

/**
 * A change stream that lags: changes made on the source reach the target only when the
 * verifier waits for them (or never, for `stuck` changes).
 */
class FakeStream implements ReplicationProgress {
  position = 0;
  waits = 0;
  readonly pending: { at: number; apply: () => void }[] = [];

  change(source: () => void, target: () => void): void {
    source();
    this.position += 1;
    this.pending.push({ at: this.position, apply: target });
  }

  sourcePosition(): Promise<string> {
    return Promise.resolve(String(this.position));
  }

  waitUntilApplied(position: string): Promise<boolean> {
    this.waits += 1;
    const upTo = Number(position);
    while (this.pending.length > 0 && (this.pending[0]?.at ?? Infinity) <= upTo) {
      this.pending.shift()?.apply();
    }
    return Promise.resolve(true);
  }
}

describe('verifyTables while changes stream', () => {
  function setRow(side: FakeSide, id: number, value: string | null) {
    side.rows = side.rows.map((r) => (r.key[0] === id ? { ...r, value } : r));
  }

  it('drops mismatches that the change stream resolves, keeps persistent ones', async () => {
    const source = new FakeSide(numbered(1000));
    const target = new FakeSide(numbered(1000));
    const stream = new FakeStream();
    // In flight: changed on the source, not yet applied on the target.
    stream.change(
      () => setRow(source, 123, 'new'),
      () => setRow(target, 123, 'new'),
    );
    // Persistent: changed directly on the target.
    setRow(target, 600, 'drift');
    const { result } = await verifyOne(table(source, target), { ...SMALL, progress: stream });
    expect(result.different).toEqual([{ id: '600' }]);
    expect(result.mismatchedRanges).toBe(1);
    expect(stream.waits).toBeGreaterThan(0);
  });

  it('reports ok when every mismatch was in flight', async () => {
    const source = new FakeSide(numbered(300));
    const target = new FakeSide(numbered(300));
    const stream = new FakeStream();
    stream.change(
      () => source.rows.push({ key: [301], value: 'inserted' }),
      () => target.rows.push({ key: [301], value: 'inserted' }),
    );
    const { result } = await verifyOne(table(source, target), { ...SMALL, progress: stream });
    expect(result.status).toBe('ok');
    expect(result.sourceRows).toBe(301);
    expect(result.targetRows).toBe(301);
  });

  it('reports in-flight changes as differences when no stream is known', async () => {
    const source = new FakeSide(numbered(300));
    const target = new FakeSide(numbered(300));
    setRow(source, 42, 'not yet replicated');
    const { result } = await verifyOne(table(source, target));
    expect(result.different).toEqual([{ id: '42' }]);
  });

  it('drops a key that changes during bisection and is applied on the next wait', async () => {
    const source = new FakeSide(numbered(1000));
    const target = new FakeSide(numbered(1000));
    setRow(target, 900, 'drift');
    const stream = new FakeStream();
    let injected = false;
    // After the range re-check, a new change arrives on the source in the same range.
    const keyAt = source.keyAt.bind(source);
    source.keyAt = (range, offset) => {
      if (!injected) {
        injected = true;
        stream.change(
          () => setRow(source, 905, 'late'),
          () => setRow(target, 905, 'late'),
        );
      }
      return keyAt(range, offset);
    };
    const { result } = await verifyOne(table(source, target), { ...SMALL, progress: stream });
    expect(injected).toBe(true);
    expect(result.different).toEqual([{ id: '900' }]);
  });

  it('drops a key that differs only on the second read of a leaf', async () => {
    const source = new FakeSide(numbered(1000));
    const target = new FakeSide(numbered(1000));
    setRow(target, 900, 'drift');
    const stream = new FakeStream();
    const wait = stream.waitUntilApplied.bind(stream);
    // Each catch-up lets a new source change in, which the next read sees in flight.
    let next = 850;
    stream.waitUntilApplied = async (position) => {
      const applied = await wait(position);
      const id = next;
      next += 1;
      stream.change(
        () => setRow(source, id, 'in flight'),
        () => setRow(target, id, 'in flight'),
      );
      return applied;
    };
    // Ranges of 100 rows are leaves already, so 850 and 900 are read together.
    const { result } = await verifyOne(table(source, target), {
      ...SMALL,
      leafRows: 1000,
      progress: stream,
    });
    expect(result.different).toEqual([{ id: '900' }]);
    expect(stream.waits).toBe(2);
  });

  it('notes when the stream does not catch up in time, and still reports', async () => {
    const source = new FakeSide(numbered(100));
    const target = new FakeSide(numbered(100));
    setRow(source, 7, 'stuck');
    const stuck: ReplicationProgress = {
      sourcePosition: () => Promise.resolve('1'),
      waitUntilApplied: () => Promise.resolve(false),
    };
    const { result } = await verifyOne(table(source, target), {
      ...SMALL,
      progress: stuck,
      catchUpTimeoutMs: 5000,
    });
    expect(result.different).toEqual([{ id: '7' }]);
    expect(result.notes.join(' ')).toContain('did not catch up within 5 s');
  });
});
