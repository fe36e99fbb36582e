/**
 * The Prometheus text exposition format 0.0.4 as the registry renders it: HELP/TYPE lines,
 * escaping of help texts and label values, special sample values, counters that never go down,
 * cumulative histogram buckets ending at +Inf with _sum and _count, collectors run before a
 * render, and the names the format refuses.
 */
import { describe, expect, it } from 'vitest';
import { isReplicatorError } from '@database-replicator/core';
import {
  MetricsRegistry,
  PROMETHEUS_CONTENT_TYPE,
  escapeHelp,
  escapeLabelValue,
  formatSampleValue,
} from '@database-replicator/runtime';

describe('exposition helpers', () => {
  it('escapes backslash, double quote and line feed in label values', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
  });

  it('escapes backslash and line feed in help, leaving double quotes', () => {
    expect(escapeHelp('rows "done"\\per\ntable')).toBe('rows "done"\\\\per\\ntable');
  });

  it('writes special values the way Prometheus parses them', () => {
    expect(formatSampleValue(Infinity)).toBe('+Inf');
    expect(formatSampleValue(-Infinity)).toBe('-Inf');
    expect(formatSampleValue(Number.NaN)).toBe('NaN');
    expect(formatSampleValue(0.25)).toBe('0.25');
    expect(formatSampleValue(12)).toBe('12');
  });

  it('names the 0.0.4 content type', () => {
    expect(PROMETHEUS_CONTENT_TYPE).toBe('text/plain; version=0.0.4; charset=utf-8');
  });
});

describe('MetricsRegistry', () => {
  it('renders counters and gauges with HELP, TYPE and escaped labels, in registration order', async () => {
    const registry = new MetricsRegistry();
    const rows = registry.counter('dr_rows_total', 'Rows\\applied\nby table.', ['table']);
    const lag = registry.gauge('dr_lag_events', 'Messages behind.');
    rows.inc({ table: 'public."Odd\\Name"' }, 3);
    rows.inc({ table: 'public.items' });
    rows.inc({ table: 'public.items' }, 2);
    lag.set({}, 7);
    expect(await registry.render()).toBe(
      [
        '# HELP dr_rows_total Rows\\\\applied\\nby table.',
        '# TYPE dr_rows_total counter',
        'dr_rows_total{table="public.\\"Odd\\\\Name\\""} 3',
        'dr_rows_total{table="public.items"} 3',
        '# HELP dr_lag_events Messages behind.',
        '# TYPE dr_lag_events gauge',
        'dr_lag_events 7',
        '',
      ].join('\n'),
    );
  });

  it('never lets a counter go down', async () => {
    const registry = new MetricsRegistry();
    const errors = registry.counter('dr_errors_total', 'Errors.', ['code']);
    errors.inc({ code: 'X' }, 2);
    errors.inc({ code: 'X' }, -5);
    errors.inc({ code: 'X' }, Number.NaN);
    expect(errors.value({ code: 'X' })).toBe(2);
  });

  it('renders a histogram as cumulative buckets, +Inf equal to _count, then _sum and _count', async () => {
    const registry = new MetricsRegistry();
    const latency = registry.histogram('dr_apply_seconds', 'Apply time.', [0.5, 0.1, 1], ['table']);
    for (const value of [0.05, 0.1, 0.3, 0.7, 4]) latency.observe({ table: 't' }, value);
    const text = await registry.render();
    expect(text.split('\n')).toEqual([
      '# HELP dr_apply_seconds Apply time.',
      '# TYPE dr_apply_seconds histogram',
      'dr_apply_seconds_bucket{table="t",le="0.1"} 2',
      'dr_apply_seconds_bucket{table="t",le="0.5"} 3',
      'dr_apply_seconds_bucket{table="t",le="1"} 4',
      'dr_apply_seconds_bucket{table="t",le="+Inf"} 5',
      'dr_apply_seconds_sum{table="t"} 5.15',
      'dr_apply_seconds_count{table="t"} 5',
      '',
    ]);
  });

  it('runs collectors before rendering and keeps rendering when one fails', async () => {
    const failures: unknown[] = [];
    const registry = new MetricsRegistry({ onCollectError: (error) => failures.push(error) });
    const gauge = registry.gauge('dr_job_tables', 'Tables.', ['phase']);
    let reads = 0;
    registry.onCollect(() => {
      throw new Error('store down');
    });
    registry.onCollect(async () => {
      reads += 1;
      gauge.reset();
      gauge.set({ phase: 'snapshot' }, reads);
    });
    await registry.render();
    expect(await registry.render()).toContain('dr_job_tables{phase="snapshot"} 2\n');
    expect(failures).toHaveLength(2);
  });

  it('renders nothing without metrics and only HELP/TYPE for a metric without series', async () => {
    expect(await new MetricsRegistry().render()).toBe('');
    const registry = new MetricsRegistry();
    registry.counter('dr_batches_total', 'Batches.');
    expect(await registry.render()).toBe(
      '# HELP dr_batches_total Batches.\n# TYPE dr_batches_total counter\n',
    );
  });

  it('refuses invalid and duplicate names with REPL_METRIC_INVALID', () => {
    const registry = new MetricsRegistry();
    registry.counter('dr_ok_total', 'Fine.');
    const attempts = [
      () => registry.counter('dr_ok_total', 'Again.'),
      () => registry.gauge('1starts_with_digit', 'Bad.'),
      () => registry.gauge('dr-dash', 'Bad.'),
      () => registry.gauge('dr_bad_label', 'Bad.', ['__reserved']),
      () => registry.histogram('dr_bad_le', 'Bad.', [1], ['le']),
    ];
    for (const attempt of attempts) {
      let caught: unknown;
      try {
        attempt();
      } catch (error) {
        caught = error;
      }
      expect(isReplicatorError(caught, 'REPL_METRIC_INVALID')).toBe(true);
    }
  });
});
