import { describe, expect, it } from 'vitest';
import { parseDdlStatement, type DdlStatement } from '@database-replicator/source-mysql';

const column = (
  name: string,
  columnType: string,
  extra: Partial<{
    nullable: boolean;
    default: unknown;
    primaryKey: boolean;
    generated: boolean;
    place: unknown;
  }> = {},
) => ({
  name,
  columnType,
  nullable: true,
  default: { kind: 'none' },
  primaryKey: false,
  generated: false,
  place: { kind: 'last' },
  ...extra,
});

function alter(sql: string, database = 'app'): DdlStatement | undefined {
  return parseDdlStatement(sql, database);
}

describe('parseDdlStatement', () => {
  it('reads ADD COLUMN with its type, nullability and default', () => {
    expect(alter("ALTER TABLE orders ADD COLUMN note VARCHAR(20) NOT NULL DEFAULT 'n/a'")).toEqual({
      kind: 'alter_table',
      table: { schema: 'app', table: 'orders' },
      clauses: [
        {
          kind: 'add_column',
          column: column('note', 'varchar(20)', {
            nullable: false,
            default: { kind: 'literal', value: 'n/a' },
          }),
        },
      ],
    });
  });

  it('reads backticks, a database prefix and IF NOT EXISTS', () => {
    expect(
      alter('ALTER TABLE `shop`.`t` ADD COLUMN IF NOT EXISTS `qty` int(10) unsigned AFTER id'),
    ).toEqual({
      kind: 'alter_table',
      table: { schema: 'shop', table: 't' },
      clauses: [
        {
          kind: 'add_column',
          column: column('qty', 'int(10) unsigned', { place: { kind: 'after', column: 'id' } }),
        },
      ],
    });
  });

  it('keeps quoted names with dashes, dots, spaces and doubled backticks', () => {
    const parsed = alter(
      'ALTER TABLE `my-db`.`odd.name table` RENAME COLUMN `a b-c.d` TO `new``name`',
    );
    expect(parsed).toEqual({
      kind: 'alter_table',
      table: { schema: 'my-db', table: 'odd.name table' },
      clauses: [{ kind: 'rename_column', column: 'a b-c.d', newName: 'new`name' }],
    });
  });

  it('skips comments and keeps executable comments', () => {
    const sql = `/* leading */ ALTER TABLE t -- why
      # another
      ADD COLUMN /*!80000 IF NOT EXISTS */ c decimal(12, 2) /* trailing */ NULL`;
    expect(alter(sql)).toEqual({
      kind: 'alter_table',
      table: { schema: 'app', table: 't' },
      clauses: [{ kind: 'add_column', column: column('c', 'decimal(12,2)') }],
    });
  });

  it('splits several clauses and tells the followed ones from the others', () => {
    const parsed = alter(
      "ALTER TABLE t ADD x ENUM('a,b','it''s') DEFAULT NULL, DROP COLUMN y, DROP z, ADD INDEX ix (x), MODIFY w BIGINT NOT NULL, CHANGE COLUMN u v TEXT FIRST, ALGORITHM=INPLACE, LOCK=NONE",
    );
    expect(parsed).toEqual({
      kind: 'alter_table',
      table: { schema: 'app', table: 't' },
      clauses: [
        {
          kind: 'add_column',
          column: column('x', "enum('a,b','it''s')", {
            default: { kind: 'literal', value: null },
          }),
        },
        { kind: 'drop_column', column: 'y' },
        { kind: 'drop_column', column: 'z' },
        { kind: 'other', text: 'ADD INDEX ix ( x )' },
        {
          kind: 'change_column',
          column: 'w',
          definition: column('w', 'bigint', { nullable: false }),
        },
        {
          kind: 'change_column',
          column: 'u',
          definition: column('v', 'text', { place: { kind: 'first' } }),
        },
        { kind: 'option' },
        { kind: 'option' },
      ],
    });
  });

  it('reads type synonyms, negative and expression defaults, and generated columns', () => {
    const parsed = alter(
      'ALTER TABLE t ADD COLUMN b BOOLEAN DEFAULT -1, ADD COLUMN ts TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP(3), ADD g INT AS (b + 1) VIRTUAL',
    );
    expect(parsed?.kind === 'alter_table' ? parsed.clauses : undefined).toEqual([
      {
        kind: 'add_column',
        column: column('b', 'tinyint(1)', { default: { kind: 'literal', value: '-1' } }),
      },
      {
        kind: 'add_column',
        column: column('ts', 'timestamp(3)', {
          default: { kind: 'expression', text: 'CURRENT_TIMESTAMP' },
        }),
      },
      { kind: 'add_column', column: column('g', 'int', { generated: true }) },
    ]);
  });

  it('reads CREATE TABLE columns and the primary key, inline or as a constraint', () => {
    expect(
      parseDdlStatement(
        'CREATE TABLE IF NOT EXISTS `new-t` (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, `name` varchar(10), KEY k (name), CONSTRAINT pk PRIMARY KEY (`id`)) ENGINE=InnoDB',
        'app',
      ),
    ).toEqual({
      kind: 'create_table',
      table: { schema: 'app', table: 'new-t' },
      columns: [
        column('id', 'bigint unsigned', { nullable: false }),
        column('name', 'varchar(10)'),
      ],
      keyColumns: ['id'],
    });
    expect(parseDdlStatement('create table d.t (a int primary key)', 'app')).toMatchObject({
      kind: 'create_table',
      table: { schema: 'd', table: 't' },
      keyColumns: ['a'],
    });
  });

  it('names the tables of other table DDL, and nothing for statements about no table', () => {
    expect(parseDdlStatement('DROP TABLE IF EXISTS a, `b-2`.c', 'app')).toEqual({
      kind: 'table_ddl',
      tables: [
        { schema: 'app', table: 'a' },
        { schema: 'b-2', table: 'c' },
      ],
    });
    expect(parseDdlStatement('RENAME TABLE a TO b, x.c TO x.d', 'app')).toEqual({
      kind: 'table_ddl',
      tables: [
        { schema: 'app', table: 'a' },
        { schema: 'app', table: 'b' },
        { schema: 'x', table: 'c' },
        { schema: 'x', table: 'd' },
      ],
    });
    expect(parseDdlStatement('TRUNCATE t', 'app')).toEqual({
      kind: 'table_ddl',
      tables: [{ schema: 'app', table: 't' }],
    });
    expect(parseDdlStatement('CREATE UNIQUE INDEX i ON `s`.`t` (a)', 'app')).toEqual({
      kind: 'table_ddl',
      tables: [{ schema: 's', table: 't' }],
    });
    expect(parseDdlStatement('DROP INDEX i ON t', 'app')).toEqual({
      kind: 'table_ddl',
      tables: [{ schema: 'app', table: 't' }],
    });
    expect(parseDdlStatement('CREATE DATABASE x', 'app')).toBeUndefined();
    expect(parseDdlStatement('GRANT SELECT ON *.* TO u', 'app')).toBeUndefined();
    expect(parseDdlStatement('CREATE TEMPORARY TABLE t (a int)', 'app')).toBeUndefined();
  });
});
