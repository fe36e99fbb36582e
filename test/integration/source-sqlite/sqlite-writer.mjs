/**
 * A writer process for the SQLite continuous-sync suite: `node sqlite-writer.mjs <file>` keeps
 * inserting, updating and deleting rows of `items` (INTEGER PRIMARY KEY, keys also changed),
 * `lines` (composite key) and `logs` (no primary key: keyed by rowid) in small transactions, as
 * another application would, until SIGTERM; then it finishes its transaction, prints its counts
 * as one JSON line and exits 0. Plain JavaScript so it runs without a build step.
 */
import { Buffer } from 'node:buffer';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: sqlite-writer.mjs <file>');

const db = new Database(file);
db.pragma('busy_timeout = 10000');
db.defaultSafeIntegers(true);

let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
});

const stats = { transactions: 0, inserts: 0, updates: 0, deletes: 0 };
const random = (n) => Math.floor(Math.random() * n);
const text = () => ['alpha', 'beta', 'γάμμα', '', 'emoji 🌍', `n${random(1e6)}`][random(6)];
const real = () => [0.1, -2.5e-10, 1e300, random(1000) / 7, 0][random(5)];
const blob = () =>
  random(4) === 0 ? null : Buffer.from(Array.from({ length: random(8) }, () => random(256)));
const big = () => [9223372036854775807n, -9223372036854775808n, BigInt(random(1e9))][random(3)];

const statements = {
  itemsInsert: db.prepare(
    'INSERT INTO items (name, qty, price, data, note) VALUES (?, ?, ?, ?, ?)',
  ),
  itemsUpdate: db.prepare(
    'UPDATE items SET name = ?, qty = ?, price = ?, data = ?, note = ? WHERE id = (SELECT id FROM items ORDER BY random() LIMIT 1)',
  ),
  itemsMoveKey: db.prepare(
    'UPDATE items SET id = (SELECT max(id) + 1 FROM items) WHERE id = (SELECT id FROM items ORDER BY random() LIMIT 1)',
  ),
  itemsDelete: db.prepare(
    'DELETE FROM items WHERE id = (SELECT id FROM items ORDER BY random() LIMIT 1)',
  ),
  linesUpsert: db.prepare(
    'INSERT INTO lines (order_id, line_no, sku, amount) VALUES (?, ?, ?, ?) ON CONFLICT (order_id, line_no) DO UPDATE SET sku = excluded.sku, amount = excluded.amount',
  ),
  linesDelete: db.prepare('DELETE FROM lines WHERE order_id = ?'),
  logsInsert: db.prepare('INSERT INTO logs (msg, level) VALUES (?, ?)'),
  logsUpdate: db.prepare(
    'UPDATE logs SET msg = ? WHERE rowid = (SELECT rowid FROM logs ORDER BY random() LIMIT 1)',
  ),
  logsDelete: db.prepare(
    'DELETE FROM logs WHERE rowid = (SELECT rowid FROM logs ORDER BY random() LIMIT 1)',
  ),
};

function step() {
  const pick = random(10);
  if (pick < 3) {
    statements.itemsInsert.run(text(), big(), real(), blob(), random(3) === 0 ? null : text());
    stats.inserts += 1;
  } else if (pick < 5) {
    stats.updates += statements.itemsUpdate.run(text(), big(), real(), blob(), text()).changes;
  } else if (pick < 6) {
    stats.updates += statements.itemsMoveKey.run().changes;
  } else if (pick < 7) {
    stats.deletes += statements.itemsDelete.run().changes;
  } else if (pick < 8) {
    statements.linesUpsert.run(random(50), random(5), text(), String(random(100000) / 100));
    stats.inserts += 1;
  } else if (pick < 9) {
    stats.deletes += statements.linesDelete.run(random(50)).changes;
  } else {
    const op = random(3);
    if (op === 0) stats.inserts += statements.logsInsert.run(text(), random(5)).changes;
    else if (op === 1) stats.updates += statements.logsUpdate.run(text()).changes;
    else stats.deletes += statements.logsDelete.run().changes;
  }
}

const transaction = db.transaction((count) => {
  for (let i = 0; i < count; i += 1) step();
});

while (!stopping) {
  transaction.immediate(1 + random(5));
  stats.transactions += 1;
  await sleep(random(3));
}
db.close();
process.stdout.write(`${JSON.stringify(stats)}\n`);
