/**
 * Row values as pure functions of (spec, row number). Each column has its own hash stream, so
 * adding a column never changes the others, and any engine can recompute any row to check it.
 */
import { fillPseudoRandom, hash32, pick } from './prng.js';
import {
  DOCUMENT_BODY_CHARS,
  DOCUMENT_CONTENT_BYTES,
  tableRowCounts,
  type CustomerRow,
  type DatasetSpec,
  type DocumentRow,
  type EventRow,
  type OrderItemRow,
  type OrderRow,
} from './spec.js';

/** 2024-01-01T00:00:00Z; rows are spread forward from here. */
const BASE_US = 1_704_067_200_000_000;

const WORDS = (
  'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar ' +
  'papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu amber basalt cobalt ' +
  'dune ember fjord granite harbor iris jade kelp lagoon meadow nectar onyx pebble quartz ridge ' +
  'saffron tundra umber velvet willow yarrow zephyr copper marble cedar maple birch aspen'
).split(' ');
const FIRST_NAMES =
  'Ada Alan Barbara Claude Dennis Edsger Frances Grace Hedy Ivan Joan Ken Leslie Margaret Niklaus Radia'.split(
    ' ',
  );
const LAST_NAMES =
  'Lovelace Turing Liskov Shannon Ritchie Dijkstra Allen Hopper Lamarr Sutherland Clarke Thompson Lamport Hamilton Wirth Perlman'.split(
    ' ',
  );
const COUNTRIES = 'DE FR NL BE LU AT CH IT ES PT PL CZ SE NO DK FI'.split(' ');
const STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded'];
const CHANNELS = ['web', 'mobile', 'store', 'phone'];
const TAGS = ['promo', 'bulk', 'gift', 'express', 'fragile', 'b2b', 'repeat', 'vip'];
const EVENT_KINDS = ['created', 'paid', 'packed', 'shipped', 'delivered', 'returned'];
const EVENT_SOURCES = ['api', 'web', 'batch', 'webhook'];
const LANGS = ['en', 'de', 'fr', 'es', 'it', 'nl'];

/** One stream number per column; never renumber (it would change the data). */
const S = {
  customerFirst: 1,
  customerLast: 2,
  customerCountry: 3,
  customerCreated: 4,
  orderCustomer: 10,
  orderQuantity: 11,
  orderStatus: 12,
  orderAmount: 13,
  orderNote: 14,
  orderCreated: 15,
  orderChannel: 16,
  orderPriority: 17,
  orderGift: 18,
  orderTags: 19,
  itemSku: 30,
  itemQuantity: 31,
  itemPrice: 32,
  eventKind: 40,
  eventOccurred: 41,
  eventPayload: 42,
  documentTitle: 50,
  documentAuthor: 51,
  documentVersion: 52,
  documentLang: 53,
  documentPages: 54,
  documentChecksum: 55,
  documentCreated: 56,
  documentBody: 57,
  documentContent: 58,
  change: 70,
} as const;

/** The stream the workload planner draws from (workload/plan.ts). */
export const CHANGE_STREAM = S.change;

/** Space-separated words from a hash stream, between `minChars` and `maxChars` long. */
export function words(
  seed: number,
  stream: number,
  index: number,
  minChars: number,
  maxChars: number,
): string {
  let text = '';
  for (let k = 0; text.length < minChars; k++) {
    const word = WORDS[pick(seed, stream, index * 16 + k, WORDS.length)] ?? 'alpha';
    if (text.length + 1 + word.length > maxChars) break;
    text = text.length === 0 ? word : `${text} ${word}`;
  }
  return text;
}

export function customerRow(spec: DatasetSpec, id: number): CustomerRow {
  const { seed } = spec;
  const first = FIRST_NAMES[pick(seed, S.customerFirst, id, FIRST_NAMES.length)] ?? 'Ada';
  return {
    id,
    name: `${first} ${LAST_NAMES[pick(seed, S.customerLast, id, LAST_NAMES.length)] ?? 'Lovelace'}`,
    email: `${first.toLowerCase()}.${id}@example.test`,
    country: COUNTRIES[pick(seed, S.customerCountry, id, COUNTRIES.length)] ?? 'DE',
    createdAtUs: BASE_US + id * 311_000_000 + pick(seed, S.customerCreated, id, 1_000_000),
  };
}

export function orderRow(spec: DatasetSpec, id: number): OrderRow {
  const { seed } = spec;
  const customers = tableRowCounts(spec).customers;
  const tagCount = pick(seed, S.orderTags, id, 3);
  const tags: string[] = [];
  for (let k = 0; k < tagCount; k++)
    tags.push(TAGS[pick(seed, S.orderTags, id * 4 + k + 1, TAGS.length)] ?? 'promo');
  return {
    id,
    customerId: pick(seed, S.orderCustomer, id, customers) + 1,
    quantity: pick(seed, S.orderQuantity, id, 20) + 1,
    status: STATUSES[pick(seed, S.orderStatus, id, STATUSES.length)] ?? 'pending',
    amountCents: 100 + pick(seed, S.orderAmount, id, 9_999_900),
    // One order in 20 has no note: NULLs must survive every tool.
    note: pick(seed, S.orderNote, id, 20) === 0 ? null : words(seed, S.orderNote, id, 55, 64),
    createdAtUs: BASE_US + id * 37_000_000 + pick(seed, S.orderCreated, id, 1_000_000),
    attrs: {
      channel: CHANNELS[pick(seed, S.orderChannel, id, CHANNELS.length)] ?? 'web',
      priority: pick(seed, S.orderPriority, id, 5),
      gift: pick(seed, S.orderGift, id, 8) === 0,
      tags,
    },
  };
}

/** Item `j` (1-based) belongs to order ceil(j/2), as line 1 or 2. */
export function orderItemRow(spec: DatasetSpec, j: number): OrderItemRow {
  return orderItemFor(spec, Math.floor((j - 1) / 2) + 1, ((j - 1) % 2) + 1);
}

export function orderItemFor(spec: DatasetSpec, orderId: number, lineNo: number): OrderItemRow {
  const { seed } = spec;
  const key = orderId * 4 + lineNo;
  return {
    orderId,
    lineNo,
    sku: `SKU-${String(pick(seed, S.itemSku, key, 1_000_000)).padStart(6, '0')}`,
    quantity: pick(seed, S.itemQuantity, key, 5) + 1,
    unitPriceCents: 50 + pick(seed, S.itemPrice, key, 499_950),
  };
}

/** The order an initial event `seq` refers to: a stride through 1..N, unique unless 7919 divides N. */
export function eventOrderId(spec: DatasetSpec, seq: number): number {
  return (((seq - 1) * 7919) % spec.scale) + 1;
}

export function eventRow(
  spec: DatasetSpec,
  seq: number,
  orderId = eventOrderId(spec, seq),
): EventRow {
  const { seed } = spec;
  const h = hash32(seed, S.eventPayload, seq);
  return {
    seq,
    orderId,
    kind: EVENT_KINDS[pick(seed, S.eventKind, seq, EVENT_KINDS.length)] ?? 'created',
    occurredAtUs: BASE_US + seq * 61_000_000 + pick(seed, S.eventOccurred, seq, 1_000_000),
    payload:
      h % 10 === 0
        ? null
        : {
            source: EVENT_SOURCES[h % EVENT_SOURCES.length] ?? 'api',
            attempt: ((h >>> 8) % 4) + 1,
            ok: (h >>> 16) % 5 !== 0,
          },
  };
}

export function documentRow(spec: DatasetSpec, id: number): DocumentRow {
  const { seed } = spec;
  const body = Buffer.allocUnsafe(DOCUMENT_BODY_CHARS);
  fillPseudoRandom(body, hash32(seed, S.documentBody, id));
  // Letters and spaces only: incompressible enough that pglz gives up and TOAST stores it out of line.
  for (let i = 0; i < body.length; i++) {
    const b = body[i] ?? 0;
    body[i] = b % 7 === 0 ? 0x20 : 0x61 + (b % 26);
  }
  const content = Buffer.allocUnsafe(DOCUMENT_CONTENT_BYTES);
  fillPseudoRandom(content, hash32(seed, S.documentContent, id));
  const createdAtUs = BASE_US + id * 3_600_000_000 + pick(seed, S.documentCreated, id, 1_000_000);
  return {
    id,
    title: words(seed, S.documentTitle, id, 30, 60),
    author: `${FIRST_NAMES[pick(seed, S.documentAuthor, id, FIRST_NAMES.length)] ?? 'Ada'} ${LAST_NAMES[pick(seed, S.documentAuthor, id + 1, LAST_NAMES.length)] ?? 'Lovelace'}`,
    version: pick(seed, S.documentVersion, id, 9) + 1,
    lang: LANGS[pick(seed, S.documentLang, id, LANGS.length)] ?? 'en',
    pageCount: pick(seed, S.documentPages, id, 400) + 1,
    checksum:
      hash32(seed, S.documentChecksum, id).toString(16).padStart(8, '0') +
      hash32(seed, S.documentChecksum, id + 0x40000000)
        .toString(16)
        .padStart(8, '0'),
    createdAtUs,
    updatedAtUs: createdAtUs + pick(seed, S.documentCreated, id + 0x40000000, 86_400_000_000),
    body: body.toString('latin1'),
    content,
  };
}
