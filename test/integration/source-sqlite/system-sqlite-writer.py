"""Writes to a SQLite file with capture installed through Python's sqlite3 module, i.e. the
system SQLite (3.40 on Debian 12): inserts, updates (key changes included) and deletes of every
storage class and edge value. Prints the SQLite version. Usage: system-sqlite-writer.py FILE"""
import random
import sqlite3
import struct
import sys

db = sqlite3.connect(sys.argv[1])
print(sqlite3.sqlite_version)


def bits(hex_bits):
    return struct.unpack('>d', bytes.fromhex(hex_bits))[0]


# Subnormals, -0.0, infinities, the extremes, and doubles whose 15-digit text does not round-trip.
EDGE_REALS = [
    bits('0000000000000001'), bits('8000000000000001'), bits('000fffffffffffff'),
    bits('0010000000000000'), bits('0000000000012345'), -0.0, 0.0,
    float('inf'), float('-inf'), bits('7fefffffffffffff'), bits('ffefffffffffffff'),
    0.1 + 0.2, 1 / 3, 0.1, 2.0 ** 53 + 2, -(2.0 ** 63), 1e23, -1.1223840335108415e-181,
    123456.78901234567,
]
rng = random.Random(8)


def random_real():
    while True:
        value = struct.unpack('<d', rng.randbytes(8))[0]
        if value == value:
            return value


REALS = EDGE_REALS + [random_real() for _ in range(120)]
INTS = [-(2 ** 63), 2 ** 63 - 1, 0, -1, 2 ** 53 + 1, -(2 ** 31), 42]
BLOBS = [bytes(range(256)), b'', b'\x00', b'\xff\xfe', None]
TEXTS = ['héllo wörld 🌍', '日本語テキスト', 'line\nbreak\ttab \\ "q" \'s\'', '', 'ключ', None]
UNTYPED = [7, 2.5, 'free text ✓', None, -(2 ** 63), bits('0000000000000001')]

with db:
    for i, real in enumerate(REALS):
        db.execute(
            'INSERT INTO kinds (id, r, d, i, big, b, t, u, n) VALUES (?,?,?,?,?,?,?,?,?)',
            (100 + i, real, REALS[-1 - i], INTS[i % len(INTS)], INTS[-1 - i % len(INTS)],
             BLOBS[i % len(BLOBS)], TEXTS[i % len(TEXTS)], UNTYPED[i % len(UNTYPED)],
             INTS[i % len(INTS)] if i % 2 else (real if real not in (float('inf'), float('-inf')) else None)),
        )
    db.execute('UPDATE kinds SET r = d, d = r, t = t || \'✓\' WHERE id % 3 = 0')
    db.execute('UPDATE kinds SET id = id + 1000 WHERE id % 5 = 0')
    db.execute('DELETE FROM kinds WHERE id % 7 = 0')
    db.execute('UPDATE kinds SET big = ?, r = ? WHERE id = 1', (-(2 ** 63), bits('0000000000000002')))
    db.execute('DELETE FROM kinds WHERE id = 2')

with db:
    for i in range(30):
        db.execute('INSERT INTO pairs (a, b, v) VALUES (?,?,?)', (TEXTS[i % 5] or 'k', i, REALS[i]))
        db.execute('INSERT INTO notes (body) VALUES (?)', (TEXTS[i % len(TEXTS)],))
    db.execute('UPDATE pairs SET b = b + 100, v = -v WHERE b % 4 = 0')
    db.execute('DELETE FROM pairs WHERE b % 3 = 0')
    db.execute("UPDATE notes SET body = 'changed' WHERE rowid % 4 = 0")
    db.execute('DELETE FROM notes WHERE rowid % 5 = 0')

WIDE = [row[1] for row in db.execute('SELECT cid, name FROM pragma_table_info(\'wide\') ORDER BY cid')]


def wide_value(column, row):
    index = int(column[1:])
    kind = index % 6
    if (row + index) % 11 == 0:
        return None
    if kind in (0, 5):
        return REALS[(row * 7 + index) % len(REALS)]
    if kind == 1:
        return INTS[(row + index) % len(INTS)]
    if kind == 2:
        return f'{TEXTS[(row + index) % 5]}#{row}.{index}'
    if kind == 3:
        return bytes([(row * index + j) % 256 for j in range(index % 9)])
    return UNTYPED[(row + index) % len(UNTYPED)]


with db:
    columns = WIDE[1:]
    marks = ', '.join('?' for _ in WIDE)
    for row in range(1, 26):
        values = [row] + [wide_value(column, row) for column in columns]
        db.execute(f'INSERT INTO wide ({", ".join(WIDE)}) VALUES ({marks})', values)
    db.execute('UPDATE wide SET c1 = c7, c6 = ?, c159 = ? WHERE id % 2 = 0', (bits('000fffffffffffff'), 'upd'))
    db.execute('UPDATE wide SET id = id + 100 WHERE id % 5 = 0')
    db.execute('DELETE FROM wide WHERE id % 3 = 0')

print(db.execute('SELECT count(*) FROM kinds').fetchone()[0])
db.close()
