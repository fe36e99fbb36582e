import { describe, expect, it } from 'vitest';
import { sqlitePathOf } from '@database-replicator/source-sqlite';
import { isReplicatorError } from '@database-replicator/core';

describe('sqlitePathOf', () => {
  it.each([
    ['sqlite:///var/data/app.db', '/var/data/app.db'],
    ['SQLITE:///var/data/app', '/var/data/app'],
    ['sqlite://data/app.sqlite', 'data/app.sqlite'],
    ['/srv/app.sqlite3', '/srv/app.sqlite3'],
    ['  relative/app.db ', 'relative/app.db'],
  ])('reads %j as %j', (url, path) => {
    expect(sqlitePathOf(url)).toBe(path);
  });

  it('refuses other sources and a URL without a file', () => {
    expect(() => sqlitePathOf('postgresql://h/db')).toThrow(
      expect.objectContaining({ code: 'REPL_CONFIG_SOURCE_SCHEME' }),
    );
    let caught: unknown;
    try {
      sqlitePathOf('sqlite://');
    } catch (error) {
      caught = error;
    }
    expect(isReplicatorError(caught, 'REPL_CONFIG_INVALID')).toBe(true);
  });
});
