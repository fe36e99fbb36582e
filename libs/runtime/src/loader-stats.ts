import type { LoaderStats } from '@database-replicator/pipeline';

/** Counts before anything was loaded. */
export const NO_LOADER_STATS: LoaderStats = Object.freeze({
  applied: 0,
  skipped: 0,
  deadLettered: 0,
  tombstones: 0,
  otherIncarnations: 0,
});

/** The sum of two loader counts (e.g. across consumer generations). */
export function addLoaderStats(a: LoaderStats, b: LoaderStats): LoaderStats {
  return Object.freeze({
    applied: a.applied + b.applied,
    skipped: a.skipped + b.skipped,
    deadLettered: a.deadLettered + b.deadLettered,
    tombstones: a.tombstones + b.tombstones,
    otherIncarnations: a.otherIncarnations + b.otherIncarnations,
  });
}
