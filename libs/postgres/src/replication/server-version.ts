/** The server's version number, to branch on catalog columns that newer versions added. */
import type pg from 'pg';

/** `server_version_num` of the connected server, e.g. 150004 for 15.4. */
export async function serverVersionNum(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ version: number }>(
    "SELECT current_setting('server_version_num')::int AS version",
  );
  return rows[0]?.version ?? 0;
}
