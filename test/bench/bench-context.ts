/**
 * What every scenario runner is handed: options, servers, the dataset spec, the work directory and
 * the secrets for child processes, the datasets generated, and where each source's workload stands.
 */
import type { GeneratedDataset } from './dataset/generated-dataset.js';
import type { DatasetSpec } from './dataset/spec.js';
import type { Endpoints } from './endpoints.js';
import type { BenchOptions } from './options.js';
import type { SourceKind } from './source-kind.js';
import type { WorkloadCursor } from './workload/plan.js';

export type BenchContext = Readonly<{
  options: BenchOptions;
  endpoints: Endpoints;
  /** The dataset spec per source (MongoDB may run at a smaller scale). */
  specs: Readonly<Record<SourceKind, DatasetSpec>>;
  /** Scratch space: the SQLite file, pg_dump's directory, our CLI's state. */
  workDir: string;
  /** A 0700 directory of this run holding files with passwords. */
  secretsDir: string;
  /** A pgpass file (0600) for the source and target clusters. */
  pgPassFile: string;
  sqlitePath: string;
  datasets: ReadonlyMap<SourceKind, GeneratedDataset>;
  cursors: WorkloadCursors;
  log: (message: string) => void;
}>;

/** Where each source's workload stands; workloads on one source continue where the last stopped. */
export class WorkloadCursors {
  readonly #cursors = new Map<SourceKind, WorkloadCursor>();

  constructor(initial: ReadonlyMap<SourceKind, WorkloadCursor>) {
    for (const [source, cursor] of initial) this.#cursors.set(source, cursor);
  }

  get(source: SourceKind): WorkloadCursor {
    const cursor = this.#cursors.get(source);
    if (cursor === undefined)
      throw new Error(`no workload cursor for ${source}: its dataset was not generated`);
    return cursor;
  }

  set(source: SourceKind, cursor: WorkloadCursor): void {
    this.#cursors.set(source, cursor);
  }
}

/** The generated dataset of `source`; throws when it was not generated. */
export function datasetOf(ctx: BenchContext, source: SourceKind): GeneratedDataset {
  const dataset = ctx.datasets.get(source);
  if (dataset === undefined) throw new Error(`the ${source} dataset was not generated`);
  return dataset;
}

/** Changes in a backlog on `source`: --backlog, scaled down with the MongoDB dataset's scale. */
export function backlogFor(ctx: BenchContext, source: SourceKind): number {
  const ratio = ctx.specs[source].scale / ctx.options.scale;
  return Math.max(100, Math.round(ctx.options.backlog * ratio));
}
