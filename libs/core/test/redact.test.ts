import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Secret, redactText, redactUrl } from '@database-replicator/core';

describe('Secret', () => {
  const secret = new Secret('postgresql://app:hunter2@db/shop');

  it('reveals its value only on request', () => {
    expect(secret.reveal()).toBe('postgresql://app:hunter2@db/shop');
  });

  it('prints as [redacted] everywhere else', () => {
    const outputs = [
      String(secret),
      `${secret}`,
      JSON.stringify({ url: secret }),
      inspect(secret),
      inspect({ nested: { secret } }, { depth: 5 }),
    ];
    for (const output of outputs) {
      expect(output).not.toContain('hunter2');
      expect(output).toContain('[redacted]');
    }
  });

  it('is frozen', () => {
    expect(Object.isFrozen(secret)).toBe(true);
  });
});

describe('redactUrl', () => {
  it.each([
    [
      'postgresql://app:hunter2@db.internal:5432/shop',
      'postgresql://app:***@db.internal:5432/shop',
    ],
    [
      'postgres://app:hunter2@db/shop?sslmode=require',
      'postgres://app:***@db/shop?sslmode=require',
    ],
    ['mysql://root:hunter2@127.0.0.1:3306/app', 'mysql://root:***@127.0.0.1:3306/app'],
    ['mariadb://root:hunter2@localhost/app', 'mariadb://root:***@localhost/app'],
    [
      'mongodb+srv://u:hunter2@cluster0.abc.mongodb.net/db',
      'mongodb+srv://u:***@cluster0.abc.mongodb.net/db',
    ],
    [
      'mongodb://u:hunter2@h1:27017,h2:27017/db?replicaSet=rs0',
      'mongodb://u:***@h1:27017,h2:27017/db?replicaSet=rs0',
    ],
    ['postgresql://:hunter2@db/shop', 'postgresql://:***@db/shop'],
    ['postgresql://app:hun@ter/2@db/shop', 'postgresql://app:***@db/shop'],
    ['postgresql://app:hunter 2@db/shop', 'postgresql://app:***@db/shop'],
    [
      'postgresql://db/shop?user=app&password=hunter2&sslmode=require',
      'postgresql://db/shop?user=app&password=***&sslmode=require',
    ],
    ['host=db user=app password=hunter2 dbname=shop', 'host=db user=app password=*** dbname=shop'],
    ["host=db password='hun ter\\'2' dbname=shop", "host=db password='***' dbname=shop"],
    ['host=db sslpassword=hunter2', 'host=db sslpassword=***'],
  ])('%s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  it('leaves URLs without a password alone', () => {
    for (const url of [
      'postgresql://app@db/shop',
      'postgresql://db:5432/shop',
      'sqlite:///var/app.db',
      './app.db',
    ]) {
      expect(redactUrl(url)).toBe(url);
    }
  });

  it('is idempotent', () => {
    const once = redactUrl('postgresql://app:hunter2@db/shop');
    expect(redactUrl(once)).toBe(once);
  });
});

describe('redactText', () => {
  it('redacts every URL and password pair inside free text', () => {
    const text =
      'copy from postgresql://app:hunter2@src/shop to postgresql://w:s3cret@dst/shop failed; ' +
      'PGPASSWORD=hunter3 MYSQL_PWD=hunter4 {"password": "hunter5"} token: hunter6';
    const redacted = redactText(text);
    for (const secret of ['hunter2', 's3cret', 'hunter3', 'hunter4', 'hunter5', 'hunter6']) {
      expect(redacted).not.toContain(secret);
    }
    expect(redacted).toContain('postgresql://app:***@src/shop');
    expect(redacted).toContain('postgresql://w:***@dst/shop');
    expect(redacted).toContain('"password": "***"');
  });

  it('keeps text without credentials unchanged', () => {
    const text = 'chunk copied: table=public.orders rows=1000 https://example.com/docs';
    expect(redactText(text)).toBe(text);
  });
});
