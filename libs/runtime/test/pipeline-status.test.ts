/**
 * Rates and ETAs of `status` from successive readings: no rate from one reading, the rate over
 * the window, a restarted count starting over, and a job's tables built from store rows.
 */
import { describe, expect, it } from 'vitest';
import {
  RateTracker,
  UNKNOWN_LAG,
  buildPipelineJobStatus,
  etaSeconds,
} from '@database-replicator/runtime';

describe('RateTracker', () => {
  it('gives no rate from one reading, then the rate since the oldest reading in the window', () => {
    const rates = new RateTracker(10_000);
    expect(rates.record('t', 0, 0)).toBeNull();
    expect(rates.record('t', 1_000, 1_000)).toBe(1_000);
    expect(rates.record('t', 5_000, 2_000)).toBe(2_500);
    // Readings older than the window are dropped: the rate follows the recent pace.
    expect(rates.record('t', 6_000, 12_000)).toBe(100);
  });

  it('starts over when the count goes down (a restarted snapshot)', () => {
    const rates = new RateTracker();
    rates.record('t', 500, 0);
    expect(rates.record('t', 100, 1_000)).toBeNull();
    expect(rates.record('t', 300, 2_000)).toBe(200);
  });

  it('computes the ETA, unknown without a positive rate', () => {
    expect(etaSeconds(100, 1_100, 250)).toBe(4);
    expect(etaSeconds(100, 1_100, 0)).toBeNull();
    expect(etaSeconds(100, 1_100, null)).toBeNull();
  });
});

describe('buildPipelineJobStatus', () => {
  it('fills rate and ETA for a copying table, none for a streaming one, estimate >= rows', () => {
    const rates = new RateTracker();
    const job = {
      jobId: 'j1',
      sourceKind: 'postgres' as const,
      sourceName: 'src',
      tables: { pending: 0, snapshot: 1, snapshot_done: 0, streaming: 1, failed: 0 },
      rowsCopied: 0,
      estimatedRows: 0,
      updatedAt: '2025-01-01T00:00:00.000Z',
    };
    const table = (name: string, phase: 'snapshot' | 'streaming', rows: number, est: number) => ({
      schema: 'public',
      table: name,
      phase,
      rowsCopied: rows,
      estimatedRows: est,
      lastError: null,
      updatedAt: '2025-01-01T00:00:00.000Z',
    });
    const facts = { job, lag: UNKNOWN_LAG, deadLetters: null, rates };
    buildPipelineJobStatus({
      ...facts,
      tables: [table('a', 'snapshot', 0, 10_000), table('b', 'streaming', 50, 10)],
      nowMs: 0,
    });
    const status = buildPipelineJobStatus({
      ...facts,
      tables: [table('a', 'snapshot', 2_000, 10_000), table('b', 'streaming', 50, 10)],
      nowMs: 2_000,
    });
    expect(status.tables).toEqual([
      expect.objectContaining({ table: 'a', ratePerSecond: 1_000, etaSeconds: 8 }),
      expect.objectContaining({
        table: 'b',
        estimatedRows: 50,
        ratePerSecond: 0,
        etaSeconds: null,
      }),
    ]);
  });
});
