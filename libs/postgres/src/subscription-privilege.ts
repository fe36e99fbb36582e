/**
 * Whether the connected role may create subscriptions: superusers may, and from PostgreSQL 16
 * members of `pg_create_subscription`. Managed services usually grant neither, which is when the
 * CLI replicates through the pipeline instead of native logical replication.
 */
import type pg from 'pg';

/** True if `CREATE SUBSCRIPTION` is allowed to the session's role. */
export async function canCreateSubscription(client: pg.ClientBase): Promise<boolean> {
  const { rows } = await client.query<{ allowed: boolean }>(
    // CASE, not AND: before PostgreSQL 16 the role does not exist and pg_has_role would fail.
    `SELECT r.rolsuper OR CASE
         WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pg_create_subscription')
         THEN pg_has_role(current_user, 'pg_create_subscription', 'MEMBER')
         ELSE false END AS allowed
       FROM pg_roles r WHERE r.rolname = current_user`,
  );
  return rows[0]?.allowed === true;
}
