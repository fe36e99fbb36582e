import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RefreshStateStore } from '@database-replicator/source-mongodb';

const T = 'shop\u0000orders';
const dirs: string[] = [];

function store(): RefreshStateStore {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dr-mongo-state-'));
  dirs.push(dir);
  return new RefreshStateStore(path.join(dir, 'state'));
}

/** Versions in a fixed order: load reads files in directory order. */
function sorted(ids: Map<string, string | string[]> | undefined): Map<string, string | string[]> {
  return new Map(
    [...(ids ?? new Map<string, string | string[]>())].map(([id, hashes]) => [
      id,
      typeof hashes === 'string' ? hashes : [...hashes].sort(),
    ]),
  );
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('RefreshStateStore', () => {
  it('position 0 is the union of every snapshot page, re-read pages included', async () => {
    const s = store();
    await s.reset();
    await s.appendSnapshot(T, [
      { id: 'a', hash: 'h1' },
      { id: 'b', hash: 'h1' },
    ]);
    await s.appendSnapshot(T, [{ id: 'a', hash: 'h2' }]);
    const loaded = await s.load(0n, [T]);
    expect(sorted(loaded.state.get(T))).toEqual(
      new Map<string, string | string[]>([
        ['a', ['h1', 'h2']],
        ['b', 'h1'],
      ]),
    );
    expect(loaded.nextCycle).toBe(1n);
  });

  it('resuming from a checkpoint adds every version a later, unfinished cycle may have sent', async () => {
    const s = store();
    await s.reset();
    await s.writeState(1n, new Map([[T, new Map([['a', 'h1']])]]));
    await s.appendDelta(2n, [
      [T, 'a', 'h2'],
      [T, 'c', 'h1'],
    ]);
    const loaded = await s.load(1n, [T]);
    expect(sorted(loaded.state.get(T))).toEqual(
      new Map<string, string | string[]>([
        ['a', ['h1', 'h2']],
        ['c', 'h1'],
      ]),
    );
    // Cycle numbers are never reused: the next cycle is after the unfinished one.
    expect(loaded.nextCycle).toBe(3n);
  });

  it('pruning at n keeps what resuming from n needs', async () => {
    const s = store();
    await s.reset();
    await s.appendSnapshot(T, [{ id: 'a', hash: 'h0' }]);
    await s.appendDelta(1n, [[T, 'a', 'h1']]);
    await s.writeState(1n, new Map([[T, new Map([['a', 'h1']])]]));
    await s.prune(1n);
    expect((await s.load(1n, [T])).state.get(T)).toEqual(
      new Map<string, string | string[]>([['a', 'h1']]),
    );
    await expect(s.load(0n, [T])).resolves.toBeDefined();
  });

  it('refuses to resume when the files of the checkpoint are gone', async () => {
    const s = store();
    await expect(s.load(0n, [T])).rejects.toMatchObject({
      code: 'REPL_MONGO_REFRESH_STATE_MISSING',
    });
    await s.reset();
    await expect(s.load(4n, [T])).rejects.toMatchObject({
      code: 'REPL_MONGO_REFRESH_STATE_MISSING',
    });
  });
});
