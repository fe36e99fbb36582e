import { describe, expect, it } from 'vitest';
import {
  assessSubscriptionPhase,
  chooseSequenceValue,
  laterLsn,
  lsnDistanceBytes,
  measureReplicationLag,
  tableSyncStateOf,
  type LagFacts,
  type SequenceValueFacts,
  type SubscriptionFacts,
  type SubscriptionPhase,
} from '@database-replicator/postgres';

describe('assessSubscriptionPhase', () => {
  const healthy: SubscriptionFacts = {
    enabled: true,
    slotName: 'sub',
    workerRunning: true,
    slot: { active: true, walStatus: 'reserved' },
    applyErrorCount: 0,
  };
  const cases: [string, Partial<SubscriptionFacts>, SubscriptionPhase, RegExp | null][] = [
    ['enabled, worker running, slot active', {}, 'streaming', null],
    [
      'PostgreSQL 12: no wal_status',
      { slot: { active: true, walStatus: null } },
      'streaming',
      null,
    ],
    [
      'extended WAL is still fine',
      { slot: { active: true, walStatus: 'extended' } },
      'streaming',
      null,
    ],
    [
      'unreserved WAL: streaming, with a warning',
      { slot: { active: true, walStatus: 'unreserved' } },
      'streaming',
      /about to lose WAL/,
    ],
    [
      'enabled, no worker yet',
      { workerRunning: false, slot: { active: false, walStatus: 'reserved' } },
      'starting',
      null,
    ],
    [
      'worker running, walsender not yet attached',
      { slot: { active: false, walStatus: 'reserved' } },
      'starting',
      null,
    ],
    [
      'enabled, no worker, apply errors',
      { workerRunning: false, applyErrorCount: 3, slot: { active: false, walStatus: 'reserved' } },
      'starting',
      /failed 3 time/,
    ],
    [
      'disabled',
      { enabled: false, workerRunning: false, slot: { active: false, walStatus: 'reserved' } },
      'disabled',
      null,
    ],
    [
      'detached from its slot',
      { enabled: false, workerRunning: false, slotName: null, slot: null },
      'disabled',
      /slot_name = NONE/,
    ],
    ['slot missing on the source', { slot: null }, 'broken', /does not exist/],
    [
      'slot missing, subscription disabled',
      { enabled: false, workerRunning: false, slot: null },
      'broken',
      /does not exist/,
    ],
    [
      'slot lost its WAL',
      { slot: { active: false, walStatus: 'lost' } },
      'broken',
      /wal_status = lost/,
    ],
  ];
  it.each(cases)('%s → %s', (_label, change, phase, problem) => {
    const result = assessSubscriptionPhase({ ...healthy, ...change });
    expect(result.phase).toBe(phase);
    if (problem === null) {
      expect(result.problem).toBeNull();
      expect(result.fix).toBeNull();
    } else {
      expect(result.problem).toMatch(problem);
      expect(result.fix).toMatch(/\.$/);
    }
  });
});

describe('replication lag arithmetic', () => {
  const base: LagFacts = {
    currentLsn: '0/3000000',
    confirmedFlushLsn: '0/2000000',
    restartLsn: '0/1000000',
    latestEndLsn: null,
    replayLagSeconds: 1.5,
    secondsSinceLatestEnd: 9,
  };

  it('measures lag and retained WAL from the current LSN', () => {
    expect(measureReplicationLag(base)).toEqual({
      appliedLsn: '0/2000000',
      lagBytes: 0x1000000,
      lagSeconds: 1.5,
      walRetainedBytes: 0x2000000,
    });
  });

  it('counts the later of the slot flush and the keepalive end as applied', () => {
    const lag = measureReplicationLag({ ...base, latestEndLsn: '0/2800000' });
    expect(lag.appliedLsn).toBe('0/2800000');
    expect(lag.lagBytes).toBe(0x800000);
  });

  it('reports zero seconds at zero bytes even while the walsender shows an old lag', () => {
    const lag = measureReplicationLag({ ...base, latestEndLsn: '0/3000000' });
    expect(lag).toMatchObject({ lagBytes: 0, lagSeconds: 0 });
  });

  it('never reports negative lag when the applied LSN was read after the current one', () => {
    expect(measureReplicationLag({ ...base, confirmedFlushLsn: '0/3000100' }).lagBytes).toBe(0);
  });

  it('falls back to the time since the last keepalive without a walsender lag', () => {
    expect(measureReplicationLag({ ...base, replayLagSeconds: null }).lagSeconds).toBe(9);
    expect(
      measureReplicationLag({ ...base, replayLagSeconds: null, secondsSinceLatestEnd: null })
        .lagSeconds,
    ).toBeNull();
  });

  it('is unknown without a slot and without a worker', () => {
    expect(
      measureReplicationLag({
        ...base,
        confirmedFlushLsn: null,
        restartLsn: null,
        latestEndLsn: null,
      }),
    ).toEqual({ appliedLsn: null, lagBytes: null, lagSeconds: null, walRetainedBytes: null });
  });

  it('handles LSNs across the 32-bit boundary', () => {
    expect(lsnDistanceBytes('0/FFFFFFF0', '1/10')).toBe(0x20);
    expect(lsnDistanceBytes('1/10', '0/FFFFFFF0')).toBe(0);
    expect(laterLsn('0/ffffffff', '1/0')).toBe('1/0');
    expect(laterLsn(null, '16/b374d848')).toBe('16/B374D848');
    expect(laterLsn(null, null)).toBeNull();
  });
});

describe('chooseSequenceValue', () => {
  const ascending: SequenceValueFacts = {
    ascending: true,
    sourceValue: '100',
    targetValue: null,
    columnValue: '90',
    minValue: '1',
    maxValue: '9223372036854775807',
  };
  const cases: [string, Partial<SequenceValueFacts>, string | null][] = [
    ['source ahead of the rows', {}, '100'],
    ['rows ahead of the source (explicit ids)', { columnValue: '250' }, '250'],
    ['source never called, rows present', { sourceValue: null }, '90'],
    [
      'never called anywhere and no rows: left alone',
      { sourceValue: null, columnValue: null },
      null,
    ],
    ['target already there', { targetValue: '100' }, null],
    ['target ahead: never moved backwards', { targetValue: '500' }, null],
    [
      '64-bit values stay exact',
      { sourceValue: '9223372036854775806', columnValue: null },
      '9223372036854775806',
    ],
    [
      'value before the range: first nextval cannot collide',
      { sourceValue: null, columnValue: '5', minValue: '1000' },
      null,
    ],
    [
      'descending: the smallest value wins',
      {
        ascending: false,
        sourceValue: '-100',
        columnValue: '-250',
        minValue: '-9223372036854775808',
        maxValue: '-1',
      },
      '-250',
    ],
    [
      'descending: value above the range is left alone',
      { ascending: false, sourceValue: null, columnValue: '7', minValue: '-1000', maxValue: '-1' },
      null,
    ],
  ];
  it.each(cases)('%s', (_label, change, expected) => {
    expect(chooseSequenceValue({ ...ascending, ...change })).toBe(expected);
  });
});

describe('tableSyncStateOf', () => {
  it.each([
    ['i', 'init'],
    ['d', 'copying'],
    ['f', 'copied'],
    ['s', 'synchronized'],
    ['r', 'ready'],
    ['x', 'unknown'],
  ])('%s → %s', (code, state) => {
    expect(tableSyncStateOf(code)).toBe(state);
  });
});
