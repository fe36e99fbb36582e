/**
 * The subscription on the target, attached to the slot init created (create_slot = false,
 * copy_data = false): the data is already there from the dump, and the slot holds every change
 * since the dump's snapshot, so the subscription starts exactly where the copy ends.
 *
 * Its CONNECTION string carries the source password when the source URL has one. PostgreSQL
 * keeps it in pg_subscription.subconninfo on the target (readable by superusers only): that is
 * the server's own catalog, and the one place the password goes. It is never logged by us, and
 * the session turns off statement logging first, so a failed CREATE SUBSCRIPTION does not copy
 * it into the target's server log either.
 */
import { quoteIdent, replicatorError, type Secret } from '@database-replicator/core';
import type pg from 'pg';

/** A subscription as the target's catalog shows it. */
export type SubscriptionState = Readonly<{
  enabled: boolean;
  slotName: string | null;
  /** Apply worker pid; null when it does not run. */
  pid: number | null;
}>;

/** Options of {@link createNativeSubscription}. */
export type CreateSubscriptionOptions = Readonly<{
  name: string;
  /** libpq conninfo of the source database; see the module comment. */
  conninfo: Secret;
  publication: string;
  slot: string;
  database: string;
}>;

/**
 * Creates the subscription, enabled, on the existing slot.
 *
 * @throws ReplicatorError `REPL_NATIVE_SUBSCRIPTION_FAILED` with the server's reason.
 */
export async function createNativeSubscription(
  client: pg.Client,
  options: CreateSubscriptionOptions,
): Promise<void> {
  // Superuser-only settings; a role allowed to create subscriptions without being superuser
  // (pg_create_subscription, 16+) keeps the server's logging as it is.
  for (const setting of ["log_statement = 'none'", "log_min_error_statement = 'panic'"]) {
    await client.query(`SET ${setting}`).catch(() => undefined);
  }
  const sql =
    `CREATE SUBSCRIPTION ${quoteIdent(options.name)}` +
    ` CONNECTION ${client.escapeLiteral(options.conninfo.reveal())}` +
    ` PUBLICATION ${quoteIdent(options.publication)}` +
    ` WITH (create_slot = false, slot_name = ${client.escapeLiteral(options.slot)},` +
    ' copy_data = false, enabled = true)';
  try {
    await client.query(sql);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw replicatorError(
      'REPL_NATIVE_SUBSCRIPTION_FAILED',
      `Cannot create subscription ${options.name} in target database ${options.database}: ${reason}`,
      { details: { database: options.database, subscription: options.name }, cause: error },
    );
  } finally {
    await client.query('RESET log_statement; RESET log_min_error_statement').catch(() => undefined);
  }
}

const SUBSCRIPTION_SQL = `
SELECT s.subenabled AS enabled, s.subslotname AS slot_name,
       (SELECT st.pid FROM pg_stat_subscription st
         WHERE st.subid = s.oid AND st.relid IS NULL AND st.pid IS NOT NULL LIMIT 1) AS pid
  FROM pg_subscription s
 WHERE s.subname = $1
   AND s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())`;

/** The subscription `name` of the connected database, or `undefined`. */
export async function readSubscription(
  client: pg.ClientBase,
  name: string,
): Promise<SubscriptionState | undefined> {
  const { rows } = await client.query<{
    enabled: boolean;
    slot_name: string | null;
    pid: number | null;
  }>(SUBSCRIPTION_SQL, [name]);
  const row = rows[0];
  return row === undefined
    ? undefined
    : Object.freeze({ enabled: row.enabled, slotName: row.slot_name, pid: row.pid });
}

/** Enables a disabled subscription. */
export async function enableSubscription(client: pg.ClientBase, name: string): Promise<void> {
  await client.query(`ALTER SUBSCRIPTION ${quoteIdent(name)} ENABLE`);
}

/**
 * Drops subscription `name` if it exists, detaching it from its slot first, so the drop never
 * reaches for the source (the caller drops the slot itself).
 */
export async function dropSubscriptionIfExists(client: pg.ClientBase, name: string): Promise<void> {
  if ((await readSubscription(client, name)) === undefined) return;
  const quoted = quoteIdent(name);
  await client.query(`ALTER SUBSCRIPTION ${quoted} DISABLE`);
  await client.query(`ALTER SUBSCRIPTION ${quoted} SET (slot_name = NONE)`);
  await client.query(`DROP SUBSCRIPTION ${quoted}`);
}

/** Subscriptions of the connected database whose name starts with `prefix`. */
export async function listSubscriptions(
  client: pg.ClientBase,
  prefix: string,
): Promise<readonly string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT subname AS name FROM pg_subscription
      WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND starts_with(subname, $1) ORDER BY 1`,
    [prefix],
  );
  return rows.map((r) => r.name);
}
