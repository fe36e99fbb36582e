import { describe, expect, it } from 'vitest';
import { detectSourceKind } from '@database-replicator/core';

describe('detectSourceKind', () => {
  it.each([
    ['postgresql://app:pw@db/shop', 'postgres'],
    ['postgres://db/shop', 'postgres'],
    ['POSTGRESQL://db/shop', 'postgres'],
    ['mysql://root:pw@127.0.0.1/app', 'mysql'],
    ['mariadb://root@localhost/app', 'mysql'],
    ['mongodb://u:pw@h1,h2/db?replicaSet=rs0', 'mongodb'],
    ['mongodb+srv://u:pw@cluster0.example.net/db', 'mongodb'],
    ['sqlite:///var/lib/app.db', 'sqlite'],
    ['./data/app.db', 'sqlite'],
    ['/srv/app.sqlite', 'sqlite'],
    ['app.SQLITE3', 'sqlite'],
    ['C:\\data\\app.db', 'sqlite'],
  ] as const)('%s → %s', (url, kind) => {
    expect(detectSourceKind(url)).toBe(kind);
  });

  it.each(['oracle://scott:tiger@db/orcl', 'http://example.com', 'app.csv', '', 'postgresql'])(
    'rejects %j with REPL_CONFIG_SOURCE_SCHEME',
    (url) => {
      expect(() => detectSourceKind(url)).toThrow(
        expect.objectContaining({
          code: 'REPL_CONFIG_SOURCE_SCHEME',
          message: expect.stringContaining('postgresql://'),
        }),
      );
    },
  );

  it('shows the URL redacted in the error', () => {
    try {
      detectSourceKind('oracle://scott:tiger-pw@db/orcl');
      expect.unreachable();
    } catch (error) {
      const text = String(error) + JSON.stringify(error);
      expect(text).not.toContain('tiger-pw');
      expect(text).toContain('oracle://scott:***@db/orcl');
    }
  });
});
