/**
 * Cutover step: native logical replication copies rows but not sequence values, so every
 * target sequence (serial and identity ones included) is moved past what the source handed out
 * and past the largest value its owning column holds on the target.
 */
import { quoteIdent, quoteTable, type Logger } from '@database-replicator/core';
import type pg from 'pg';
import { listSequences, type PostgresSequenceInfo } from '../introspect.js';
import { queryReplication } from './replication-query.js';
import { chooseSequenceValue } from './sequence-value.js';

/** What happened to one source sequence on the target. */
export type SequenceAdvance = Readonly<{
  schema: string;
  name: string;
  /**
   * `advanced`: set with `setval`; `unchanged`: already far enough or never used;
   * `missing-on-target`: no sequence of that name on the target (reported, skipped).
   */
  action: 'advanced' | 'unchanged' | 'missing-on-target';
  /** The source's `last_value`; null when never called. */
  sourceValue: string | null;
  /** `max`/`min` of the owning column on the target; null without one or without rows. */
  columnValue: string | null;
  /** The target's `last_value` before; null when never called or missing. */
  before: string | null;
  /** The target's `last_value` after; equals `before` unless advanced. */
  after: string | null;
}>;

type TargetSequenceRow = {
  schema: string;
  name: string;
  last_value: string | null;
  increment_by: string;
  min_value: string;
  max_value: string;
};

const TARGET_SEQUENCES_SQL = `
SELECT schemaname AS schema, sequencename AS name, last_value::text AS last_value,
       increment_by::text AS increment_by, min_value::text AS min_value, max_value::text AS max_value
  FROM pg_sequences`;

const INTEGER = /^-?[0-9]+$/;

/**
 * Sets every target sequence that also exists on the source to at least the source's value and
 * the extreme of its owning column on the target (`setval(…, true)`); never moves one backwards.
 *
 * @throws ReplicatorError `REPL_REPLICATION_QUERY_FAILED` naming the sequence when reading or
 *   `setval` fails (privileges, a value outside the sequence's range).
 */
export async function advanceSequences(
  source: pg.ClientBase,
  target: pg.ClientBase,
  logger?: Logger,
): Promise<readonly SequenceAdvance[]> {
  const sourceSequences = await listSequences(source);
  const owners = new Map((await listSequences(target)).map((s) => [key(s.schema, s.name), s]));
  const rows = await queryReplication<TargetSequenceRow>(
    target,
    'target',
    'reading sequences',
    TARGET_SEQUENCES_SQL,
  );
  const targets = new Map(rows.map((row) => [key(row.schema, row.name), row]));
  const results: SequenceAdvance[] = [];
  for (const sequence of sourceSequences) {
    const row = targets.get(key(sequence.schema, sequence.name));
    const result =
      row === undefined
        ? missing(sequence)
        : await advanceOne(target, sequence, row, owners.get(key(row.schema, row.name)));
    logger?.info(
      {
        sequence: `${result.schema}.${result.name}`,
        action: result.action,
        before: result.before,
        after: result.after,
      },
      'sequence checked',
    );
    results.push(result);
  }
  return Object.freeze(results);
}

async function advanceOne(
  target: pg.ClientBase,
  sequence: PostgresSequenceInfo,
  row: TargetSequenceRow,
  owner: PostgresSequenceInfo | undefined,
): Promise<SequenceAdvance> {
  const ascending = BigInt(row.increment_by) > 0n;
  const columnValue = await columnExtreme(target, owner, ascending);
  const value = chooseSequenceValue({
    ascending,
    sourceValue: sequence.lastValue,
    targetValue: row.last_value,
    columnValue,
    minValue: row.min_value,
    maxValue: row.max_value,
  });
  const base = {
    schema: row.schema,
    name: row.name,
    sourceValue: sequence.lastValue,
    columnValue,
    before: row.last_value,
  };
  if (value === null) return Object.freeze({ ...base, action: 'unchanged', after: row.last_value });
  const name = quoteTable({ schema: row.schema, table: row.name });
  await queryReplication(
    target,
    'target',
    `advancing sequence ${name} to ${value}`,
    'SELECT setval($1::regclass, $2::bigint, true)',
    [name, value],
  );
  return Object.freeze({ ...base, action: 'advanced', after: value });
}

async function columnExtreme(
  target: pg.ClientBase,
  owner: PostgresSequenceInfo | undefined,
  ascending: boolean,
): Promise<string | null> {
  if (owner?.ownedBy == null) return null;
  const { schema, table, column } = owner.ownedBy;
  const rows = await queryReplication<{ value: string | null }>(
    target,
    'target',
    `reading the ${ascending ? 'largest' : 'smallest'} ${column} of ${schema}.${table}`,
    `SELECT ${ascending ? 'max' : 'min'}(${quoteIdent(column)})::text AS value FROM ${quoteTable({ schema, table })}`,
  );
  const value = rows[0]?.value ?? null;
  // A sequence may be OWNED BY a column of any type; only whole numbers bound its values.
  return value !== null && INTEGER.test(value) ? value : null;
}

function missing(sequence: PostgresSequenceInfo): SequenceAdvance {
  return Object.freeze({
    schema: sequence.schema,
    name: sequence.name,
    action: 'missing-on-target',
    sourceValue: sequence.lastValue,
    columnValue: null,
    before: null,
    after: null,
  });
}

function key(schema: string, name: string): string {
  return JSON.stringify([schema, name]);
}
