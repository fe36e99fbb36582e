/**
 * A job's incarnation (sql/000006.sql): made with the job's row, so a job started over on a new
 * or emptied target gets a new one. The loader skips messages stamped with an incarnation that
 * no job of its target has.
 */
import { quoteTable } from '@database-replicator/core';
import type pg from 'pg';
import { JOBS_TABLE } from './job-schema.js';

/** Whether a job of the target has `incarnation`. */
export async function isJobIncarnation(
  client: pg.ClientBase,
  incarnation: string,
): Promise<boolean> {
  const { rows } = await client.query<{ found: boolean }>(
    `SELECT EXISTS (SELECT FROM ${quoteTable(JOBS_TABLE)} WHERE incarnation = $1) AS found`,
    [incarnation],
  );
  return rows[0]?.found === true;
}
