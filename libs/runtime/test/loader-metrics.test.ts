/**
 * The metrics wrapper around the loader's applier must keep every optional capability: a method
 * it drops silently changes what the loader does when `--metrics-port` is set (no per-row dead
 * letters without the probes, no once-only settling without `settleRefused`).
 */
import { expect, it } from 'vitest';
import type { ChangeApplier } from '@database-replicator/pipeline';
import {
  MetricsRegistry,
  createLoaderMetrics,
  instrumentApplier,
} from '@database-replicator/runtime';

const counts = { applied: 0, skipped: 0, upserts: 0, deletes: 0 };

it('passes every optional applier method through, and measures applies', async () => {
  const calls: string[] = [];
  const applier: ChangeApplier = {
    apply: async () => (calls.push('apply'), counts),
    applyAll: async () => (calls.push('applyAll'), counts),
    applyCopyChunks: async () => (calls.push('applyCopyChunks'), counts),
    findPoison: async () => (calls.push('findPoison'), []),
    findRefusedCopyRows: async () => (calls.push('findRefusedCopyRows'), []),
    settleRefused: async (_message, settle) => (calls.push('settleRefused'), settle()),
  };
  const registry = new MetricsRegistry();
  const instrumented = instrumentApplier(applier, createLoaderMetrics(registry));
  const table = { schema: 'public', table: 't' };
  const batch = { consumerGroup: 'g', table, keyColumns: ['id'], events: [] };
  const copy = { consumerGroup: 'g', table, keyColumns: ['id'], chunks: [] };
  await instrumented.apply(batch);
  await instrumented.applyAll?.([batch]);
  await instrumented.applyCopyChunks(copy);
  await instrumented.findPoison?.(batch);
  await instrumented.findRefusedCopyRows?.(copy);
  const message = { consumerGroup: 'g', topic: 't', partition: 0, offset: '0' };
  await instrumented.settleRefused?.(message, async () => counts);
  expect(calls).toEqual([
    'apply',
    'applyAll',
    'applyCopyChunks',
    'findPoison',
    'findRefusedCopyRows',
    'settleRefused',
  ]);
  expect(await registry.render()).toMatch(/^dr_loader_batches_total\{[^}]*\} 3$/m);
});
