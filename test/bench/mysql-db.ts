/**
 * MariaDB connections from MYSQL_URL. `dateStrings` keeps DATETIME(6) as text (a JS Date would
 * drop the microseconds); DECIMAL comes back as strings by default.
 */
import { Readable } from 'node:stream';
import { createConnection, type Connection } from 'mysql2/promise';
import { portOf } from './endpoints.js';

/** Connects to `database` ('' for none) on the server of `url`. */
export async function connectMysql(url: URL, database: string): Promise<Connection> {
  const connection = await createConnection({
    host: url.hostname,
    port: portOf(url, 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    ...(database === '' ? {} : { database }),
    dateStrings: true,
    supportBigNumbers: true,
    charset: 'utf8mb4',
    // LOAD DATA LOCAL: the "file" is whatever stream the query names (see loadTsv).
    infileStreamFactory: () => Readable.from([]),
  });
  connection.on('error', () => undefined); // a dropped connection fails the next query instead
  return connection;
}

/** Runs `fn` with a fresh connection, closing it afterwards. */
export async function withMysql<T>(
  url: URL,
  database: string,
  fn: (c: Connection) => Promise<T>,
): Promise<T> {
  const connection = await connectMysql(url, database);
  try {
    return await fn(connection);
  } finally {
    await connection.end();
  }
}

/** Quotes a MariaDB identifier. */
export function quoteMysql(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}
