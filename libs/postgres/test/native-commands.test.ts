import { Secret } from '@database-replicator/core';
import { describe, expect, it } from 'vitest';
import {
  buildConninfo,
  buildDumpArguments,
  buildRestoreArguments,
  quoteConninfoValue,
} from '@database-replicator/postgres';

describe('buildDumpArguments', () => {
  const args = buildDumpArguments({
    directory: '/state/dump',
    jobs: 3,
    snapshot: '00000003-0000001B-1',
    excludeTables: [
      { schema: 'public', table: 'a*b?' },
      { schema: 'My.Schema', table: 'T"x' },
    ],
    excludeTableData: [{ schema: 'public', table: 'Events' }],
  });

  it('dumps in parallel under the snapshot, without publications and subscriptions', () => {
    expect(args).toEqual(
      expect.arrayContaining([
        '--format=directory',
        '--jobs=3',
        '--snapshot=00000003-0000001B-1',
        '--file=/state/dump',
        '--no-publications',
        '--no-subscriptions',
      ]),
    );
  });

  it('turns table names into exact patterns: every part double-quoted, quotes doubled', () => {
    expect(args).toContain('--exclude-table="public"."a*b?"');
    expect(args).toContain('--exclude-table="My.Schema"."T""x"');
    expect(args).toContain('--exclude-table-data="public"."Events"');
  });
});

describe('buildRestoreArguments', () => {
  it('restores one section, stops at the first error, names the database as a conninfo', () => {
    const args = buildRestoreArguments({
      directory: '/state/dump',
      database: "we'ird=db",
      jobs: 2,
      section: 'pre-data',
      clean: true,
      keepOwners: false,
    });
    expect(args).toEqual([
      '--format=directory',
      '--jobs=2',
      '--section=pre-data',
      '--exit-on-error',
      "--dbname=dbname='we\\'ird=db'",
      '--clean',
      '--if-exists',
      '--no-owner',
      '--no-privileges',
      '/state/dump',
    ]);
  });

  it('keeps owners and does not clean unless asked', () => {
    const args = buildRestoreArguments({
      directory: '/d',
      database: 'db',
      jobs: 1,
      section: 'data',
      clean: false,
      keepOwners: true,
    });
    expect(args).not.toContain('--clean');
    expect(args).not.toContain('--no-owner');
  });
});

describe('buildConninfo', () => {
  it('builds a libpq conninfo with quoted values and TLS parameters, as a Secret', () => {
    const conninfo = buildConninfo(
      new Secret(
        "postgresql://app%20user:p%40ss'w\\rd@db.internal:6543/shop?sslmode=require&foo=bar",
      ),
      'other db',
    );
    expect(String(conninfo)).toBe('[redacted]');
    expect(conninfo.reveal()).toBe(
      "host='db.internal' port='6543' dbname='other db' user='app user' password='p@ss\\'w\\\\rd' sslmode='require'",
    );
  });

  it('leaves out user and password the URL does not have', () => {
    expect(buildConninfo(new Secret('postgres://[::1]/x'), 'x').reveal()).toBe(
      "host='::1' port='5432' dbname='x'",
    );
  });

  it('quotes values the libpq way', () => {
    expect(quoteConninfoValue("a'b\\c")).toBe("'a\\'b\\\\c'");
  });
});
