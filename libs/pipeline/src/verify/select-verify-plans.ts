/**
 * The tables a cross-engine verify session compares: the replication's table plans narrowed to
 * `--tables`, and why a planned table is not compared row by row. Shared by the MySQL, SQLite and
 * MongoDB verify sessions, which select tables exactly as their replication does.
 */
import {
  formatTableRef,
  replicatorError,
  resolveTableSelector,
  type TablePlan,
  type TableSelector,
} from '@database-replicator/core';

/** How a source names its tables in messages. */
export type VerifyTableNaming = Readonly<{
  /** Schema (or database) of a selector without one. */
  defaultSchema: string;
  /** What the source's tables are called and where they live, e.g. "collection ... MongoDB source". */
  noun: string;
  /** The source, e.g. "the SQLite source". */
  source: string;
  /** The selector form for the fix, e.g. "[db.]table". */
  form: string;
}>;

/**
 * `plans` narrowed to `selectors` in the selectors' order, or all of them without selectors.
 *
 * @throws ReplicatorError `REPL_CONFIG_TABLE_NOT_FOUND` naming the first selector no plan matches.
 */
export function selectVerifyPlans(
  plans: readonly TablePlan[],
  selectors: readonly TableSelector[] | undefined,
  naming: VerifyTableNaming,
): readonly TablePlan[] {
  if (selectors === undefined) return plans;
  return selectors.map((selector) => {
    const wanted = resolveTableSelector(selector, { schema: naming.defaultSchema });
    const plan = plans.find((p) => p.id.schema === wanted.schema && p.id.table === wanted.table);
    if (plan === undefined) {
      const name = formatTableRef(wanted);
      throw replicatorError(
        'REPL_CONFIG_TABLE_NOT_FOUND',
        `--tables names ${naming.noun} ${name}, which ${naming.source} does not have or the filters leave out`,
        {
          fix: `Correct the name in --tables (${naming.form}), or include it in the filters.`,
          details: { configKey: 'tables', table: name },
        },
      );
    }
    return plan;
  });
}

/** Why a planned table is not compared row by row, or undefined when it is. */
export type VerifyBlock = Readonly<{ status: 'skipped'; note: string }>;

/**
 * Schema-only tables are skipped; so are filtered ones, whose filters the target cannot
 * evaluate (`filteredNote` says why for the source).
 */
export function verifyBlockOf(plan: TablePlan, filteredNote: string): VerifyBlock | undefined {
  if (plan.schemaOnly) return { status: 'skipped', note: 'schema only: rows not compared' };
  if (plan.rowFilters.length + plan.timeFilters.length > 0) {
    return { status: 'skipped', note: filteredNote };
  }
  return undefined;
}
