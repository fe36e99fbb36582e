/**
 * pgoutput messages (as pg-logical-replication decodes them, values left as text) → stream
 * steps: one step per transaction resuming at its commit end, events with exact positions and
 * valid envelopes, unchanged TOAST columns listed and omitted, large transactions split, and
 * heartbeats only between transactions, forward, and at most once per interval.
 */
import { describe, expect, it } from 'vitest';
import { isReplicatorError, parseChangeEvent } from '@database-replicator/core';
import type { SourceTransaction } from '@database-replicator/pipeline';
import type { Pgoutput } from 'pg-logical-replication';
import {
  PgoutputTransactionAssembler,
  lsnBefore,
  type StreamItem,
} from '@database-replicator/source-postgres';

const relation: Pgoutput.MessageRelation = {
  tag: 'relation',
  relationOid: 16384,
  schema: 'public',
  name: 'items',
  replicaIdentity: 'default',
  keyColumns: ['id'],
  columns: [
    {
      name: 'id',
      flags: 1,
      typeOid: 20,
      typeMod: -1,
      typeSchema: null,
      typeName: null,
      parser: (v: unknown) => v,
    },
    {
      name: 'qty',
      flags: 0,
      typeOid: 23,
      typeMod: -1,
      typeSchema: null,
      typeName: null,
      parser: (v: unknown) => v,
    },
    {
      name: 'body',
      flags: 0,
      typeOid: 25,
      typeMod: -1,
      typeSchema: null,
      typeName: null,
      parser: (v: unknown) => v,
    },
  ],
};

// 2024-01-02T03:04:05.678901Z in microseconds since the Unix epoch.
const COMMIT_TIME = 1704164645678901n;

const message = (m: Pgoutput.Message): StreamItem => ({
  kind: 'message',
  message: m,
});
const begin = (lsn: string) =>
  message({ tag: 'begin', commitLsn: lsn, commitTime: COMMIT_TIME, xid: 1 });
const commit = (lsn: string, end: string) =>
  message({ tag: 'commit', flags: 0, commitLsn: lsn, commitEndLsn: end, commitTime: COMMIT_TIME });
const insert = (id: number) =>
  message({ tag: 'insert', relation, new: { id: String(id), qty: '1', body: 'x' } });
const keepalive = (walEnd: string): StreamItem => ({ kind: 'keepalive', walEnd });

function assembler(options: { maxStepEvents?: number; heartbeatIntervalMs?: number } = {}) {
  return new PgoutputTransactionAssembler({
    sourceName: 'src',
    database: 'app',
    fromLsn: '0/1000',
    ...options,
  });
}

function run(
  a: PgoutputTransactionAssembler,
  items: StreamItem[],
  nowMs = 5000,
): SourceTransaction[] {
  return items.flatMap((item) => [...a.push(item, nowMs)]);
}

describe('PgoutputTransactionAssembler', () => {
  it('turns a committed transaction into one step resuming at its commit end', () => {
    const steps = run(assembler(), [
      begin('00000000/00002000'),
      message(relation),
      insert(1),
      message({
        tag: 'update',
        relation,
        key: null,
        old: null,
        new: { id: '1', qty: '2', body: undefined },
      }),
      message({ tag: 'delete', relation, key: { id: '1' }, old: null }),
      commit('00000000/00002000', '00000000/00002030'),
    ]);
    expect(steps).toHaveLength(1);
    const [step] = steps;
    expect(step?.resumeFrom).toEqual({ kind: 'postgres', lsn: '0/2030', txIndex: 0 });
    const events = step?.events ?? [];
    expect(events.map((e) => e.op)).toEqual(['c', 'u', 'd']);
    expect(events.map((e) => e.source.position)).toEqual(
      [0, 1, 2].map((txIndex) => ({ kind: 'postgres', lsn: '0/2000', txIndex })),
    );
    for (const event of events) {
      expect(parseChangeEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
      expect(event.source).toMatchObject({
        connector: 'postgresql',
        name: 'src',
        db: 'app',
        schema: 'public',
        table: 'items',
        snapshot: 'false',
        ts_ms: 1704164645678,
      });
      expect(event.ts_ms).toBe(5000);
    }
    expect(events[0]?.after).toEqual({ id: '1', qty: 1, body: 'x' });
    expect(events[1]?.after).toEqual({ id: '1', qty: 2 });
    expect(events[1]?.unchanged_columns).toEqual(['body']);
    expect(events[1]?.before).toBeNull();
    expect(events[2]?.before).toEqual({ id: '1' });
  });

  it('carries the old key of a key-changing update and the whole old row under REPLICA IDENTITY FULL', () => {
    const [step] = run(assembler(), [
      begin('0/2000'),
      message({
        tag: 'update',
        relation,
        key: { id: '1' },
        old: null,
        new: { id: '2', qty: '1', body: 'x' },
      }),
      message({
        tag: 'update',
        relation,
        key: null,
        old: { id: '2', qty: '1', body: 'x' },
        new: { id: '2', qty: '5', body: 'x' },
      }),
      commit('0/2000', '0/2100'),
    ]);
    expect(step?.events[0]?.before).toEqual({ id: '1' });
    expect(step?.events[1]?.before).toEqual({ id: '2', qty: 1, body: 'x' });
  });

  it('emits one truncate event per truncated table', () => {
    const other = { ...relation, relationOid: 16390, name: 'others' };
    const [step] = run(assembler(), [
      begin('0/2000'),
      message({
        tag: 'truncate',
        cascade: false,
        restartIdentity: false,
        relations: [relation, other],
      }),
      commit('0/2000', '0/2100'),
    ]);
    expect(step?.events.map((e) => [e.op, e.source.table, e.before, e.after])).toEqual([
      ['t', 'items', null, null],
      ['t', 'others', null, null],
    ]);
  });

  it('splits a large transaction into bounded steps; only the last one resumes', () => {
    const items = [begin('0/2000'), ...[1, 2, 3, 4, 5].map(insert), commit('0/2000', '0/2100')];
    const steps = run(assembler({ maxStepEvents: 2 }), items);
    expect(
      steps.map((s) => [
        s.events.length,
        s.resumeFrom?.kind === 'postgres' ? s.resumeFrom.lsn : null,
      ]),
    ).toEqual([
      [2, null],
      [2, null],
      [1, '0/2100'],
    ]);
    expect(
      steps.flatMap((s) =>
        s.events.map((e) =>
          e.source.position.kind === 'postgres' ? e.source.position.txIndex : -1,
        ),
      ),
    ).toEqual([0, 1, 2, 3, 4]);
  });

  it('ends a transaction split exactly at the bound with an empty resuming step', () => {
    const steps = run(assembler({ maxStepEvents: 2 }), [
      begin('0/2000'),
      insert(1),
      insert(2),
      commit('0/2000', '0/2100'),
    ]);
    expect(steps.map((s) => [s.events.length, s.resumeFrom === null])).toEqual([
      [2, true],
      [0, false],
    ]);
  });

  it('sends heartbeats between transactions only, forward only, at most once per interval', () => {
    const a = assembler({ heartbeatIntervalMs: 1000 });
    expect(a.push(keepalive('0/F00'), 0)).toEqual([]); // not after the start position
    expect(a.push(keepalive('0/3000'), 0)).toEqual([
      { events: [], resumeFrom: { kind: 'postgres', lsn: '0/3000', txIndex: 0 } },
    ]);
    expect(a.push(keepalive('0/3100'), 500)).toEqual([]); // within the interval
    expect(a.push(keepalive('0/3100'), 1000)).toHaveLength(1);
    expect(a.push(keepalive('0/3100'), 5000)).toEqual([]); // nothing new
    a.push(begin('0/4000'), 6000);
    expect(a.push(keepalive('0/4100'), 6000)).toEqual([]); // inside a transaction
  });

  it('treats a transaction without changes of selected tables as a heartbeat', () => {
    const a = assembler({ heartbeatIntervalMs: 1000 });
    expect(run(a, [begin('0/2000'), commit('0/2000', '0/2100')], 0)).toEqual([
      { events: [], resumeFrom: { kind: 'postgres', lsn: '0/2100', txIndex: 0 } },
    ]);
    expect(run(a, [begin('0/2200'), commit('0/2200', '0/2300')], 10)).toEqual([]);
  });

  it('refuses messages out of protocol order', () => {
    const code = (items: StreamItem[]) => {
      try {
        run(assembler(), items);
      } catch (error) {
        return isReplicatorError(error) ? error.code : 'other';
      }
      return undefined;
    };
    expect(code([commit('0/2000', '0/2100')])).toBe('REPL_SOURCE_STREAM_FAILED');
    expect(code([insert(1)])).toBe('REPL_SOURCE_STREAM_FAILED');
    expect(code([begin('0/2000'), begin('0/2100')])).toBe('REPL_SOURCE_STREAM_FAILED');
  });
});

describe('lsnBefore', () => {
  it('is one byte earlier, carrying across the halves', () => {
    expect(lsnBefore('0/2030')).toBe('0/202F');
    expect(lsnBefore('1/0')).toBe('0/FFFFFFFF');
    expect(lsnBefore('0/0')).toBe('0/0');
  });
});
