/**
 * The change workload as a pure function: from a cursor (where the previous run stopped) and a
 * count, the same changes every time. Engines only translate them (workload/<engine>.ts).
 *
 * Mix per 1,000 changes: 250 new orders (the order and its first item line), 300 order updates,
 * 80 order deletes, 100 customer updates, 262 event inserts, 2 event updates, 2 event deletes and
 * 4 document updates that leave the large TOASTed columns untouched (a classic CDC trap). Event
 * updates and deletes match by `order_id`, not the key, so they stay rare.
 *
 * Updates pick orders in 1..N/2 and events in the first half; deletes walk down from the top of the
 * initial ranges, so an update never targets a deleted row and reruns stay disjoint. New rows take
 * ids above the initial ones. A backlog ends with one "sentinels" change inserting a known row
 * into every table: once all are visible on a target, everything before them has been applied.
 */
import {
  CHANGE_STREAM,
  documentRow,
  eventOrderId,
  eventRow,
  customerRow,
  orderItemFor,
  orderRow,
  words,
} from '../dataset/rows.js';
import { pick } from '../dataset/prng.js';
import {
  tableRowCounts,
  type CustomerRow,
  type DatasetSpec,
  type DocumentRow,
  type EventRow,
  type OrderItemRow,
  type OrderRow,
} from '../dataset/spec.js';

/** Where the workload stands: the next ids to insert and delete. Frozen; a run returns a new one. */
export type WorkloadCursor = Readonly<{
  step: number;
  nextOrderId: number;
  nextDeleteOrderId: number;
  nextCustomerId: number;
  nextDocumentId: number;
  nextEventSeq: number;
  nextDeleteEventSeq: number;
}>;

export type Sentinels = Readonly<{
  order: OrderRow;
  item: OrderItemRow;
  customer: CustomerRow;
  event: EventRow;
  document: DocumentRow;
}>;

export type Change =
  | Readonly<{ kind: 'insert-order'; order: OrderRow; item: OrderItemRow }>
  | Readonly<{
      kind: 'update-order';
      id: number;
      status: string;
      amountCents: number;
      note: string;
    }>
  | Readonly<{ kind: 'delete-order'; id: number }>
  | Readonly<{ kind: 'update-customer'; id: number; email: string }>
  | Readonly<{ kind: 'insert-event'; event: EventRow }>
  /** Events have no key: SQL finds the row by its (unique) order_id, MongoDB by `seq`'s ObjectId. */
  | Readonly<{ kind: 'update-event'; seq: number; orderId: number; eventKind: string }>
  | Readonly<{ kind: 'delete-event'; seq: number; orderId: number }>
  | Readonly<{ kind: 'update-document'; id: number; title: string; updatedAtUs: number }>
  | Readonly<{ kind: 'sentinels'; rows: Sentinels }>;

export type ChangeKind = Change['kind'];

/** Cumulative weights (per 1,000) of the mix described above. */
const MIX: readonly (readonly [ChangeKind, number])[] = [
  ['insert-order', 250],
  ['update-order', 550],
  ['delete-order', 630],
  ['update-customer', 730],
  ['insert-event', 992],
  ['update-event', 994],
  ['delete-event', 996],
  ['update-document', 1000],
];

const UPDATE_STATUSES = ['paid', 'shipped', 'delivered', 'cancelled', 'refunded', 'on-hold'];
const UPDATE_EVENT_KINDS = ['corrected', 'retried', 'escalated'];

/** The cursor before any workload has run on a freshly generated dataset. */
export function initialCursor(spec: DatasetSpec): WorkloadCursor {
  const counts = tableRowCounts(spec);
  return Object.freeze({
    step: 0,
    nextOrderId: counts.orders + 1,
    nextDeleteOrderId: counts.orders,
    nextCustomerId: counts.customers + 1,
    nextDocumentId: counts.documents + 1,
    nextEventSeq: counts.events + 1,
    nextDeleteEventSeq: counts.events,
  });
}

function kindAt(spec: DatasetSpec, step: number): ChangeKind {
  const roll = pick(spec.seed, CHANGE_STREAM, step * 8, 1000);
  return MIX.find(([, upTo]) => roll < upTo)?.[0] ?? 'update-order';
}

/** One change at `cursor.step`, and the cursor after it. */
function planOne(spec: DatasetSpec, c: WorkloadCursor): [Change, WorkloadCursor] {
  const counts = tableRowCounts(spec);
  const h = (k: number, bound: number): number =>
    pick(spec.seed, CHANGE_STREAM, c.step * 8 + k, bound);
  const next = { ...c, step: c.step + 1 };
  const half = Math.max(1, Math.floor(counts.orders / 2));
  let kind = kindAt(spec, c.step);
  // Deletes stop at the middle (updates own the lower half); past it, update instead.
  if (kind === 'delete-order' && c.nextDeleteOrderId <= half) kind = 'update-order';
  const eventHalf = Math.max(1, Math.floor(counts.events / 2));
  if (kind === 'delete-event' && c.nextDeleteEventSeq <= eventHalf) kind = 'update-event';
  switch (kind) {
    case 'insert-order': {
      const order = orderRow(spec, c.nextOrderId);
      next.nextOrderId += 1;
      return [{ kind, order, item: orderItemFor(spec, order.id, 1) }, next];
    }
    case 'delete-order':
      next.nextDeleteOrderId -= 1;
      return [{ kind, id: c.nextDeleteOrderId }, next];
    case 'update-customer':
      return [
        { kind, id: h(1, counts.customers) + 1, email: `changed.${c.step}@example.test` },
        next,
      ];
    case 'insert-event': {
      // Refers to the newest order inserted so far (or the last initial one).
      const event = eventRow(spec, c.nextEventSeq, c.nextOrderId - 1);
      next.nextEventSeq += 1;
      return [{ kind, event }, next];
    }
    case 'update-event': {
      const seq = h(1, eventHalf) + 1;
      return [
        {
          kind,
          seq,
          orderId: eventOrderId(spec, seq),
          eventKind: UPDATE_EVENT_KINDS[h(2, UPDATE_EVENT_KINDS.length)] ?? 'corrected',
        },
        next,
      ];
    }
    case 'delete-event':
      next.nextDeleteEventSeq -= 1;
      return [
        { kind, seq: c.nextDeleteEventSeq, orderId: eventOrderId(spec, c.nextDeleteEventSeq) },
        next,
      ];
    case 'update-document': {
      const id = h(1, counts.documents) + 1;
      return [
        {
          kind,
          id,
          title: words(spec.seed, CHANGE_STREAM, c.step, 20, 60),
          updatedAtUs: documentRow(spec, id).updatedAtUs + c.step * 1_000_000,
        },
        next,
      ];
    }
    default:
      return [
        {
          kind: 'update-order',
          id: h(1, half) + 1,
          status: UPDATE_STATUSES[h(2, UPDATE_STATUSES.length)] ?? 'paid',
          amountCents: 100 + h(3, 9_999_900),
          note: words(spec.seed, CHANGE_STREAM, c.step, 40, 64),
        },
        next,
      ];
  }
}

/** The next `count` changes from `cursor`. */
export function planChanges(
  spec: DatasetSpec,
  cursor: WorkloadCursor,
  count: number,
): { changes: Change[]; cursor: WorkloadCursor } {
  const changes: Change[] = [];
  let c = cursor;
  for (let i = 0; i < count; i++) {
    const [change, next] = planOne(spec, c);
    changes.push(change);
    c = next;
  }
  return { changes, cursor: Object.freeze(c) };
}

/** The closing change of a backlog: one new, recognisable row per table. */
export function planSentinels(
  spec: DatasetSpec,
  cursor: WorkloadCursor,
): { change: Change; sentinels: Sentinels; cursor: WorkloadCursor } {
  const order = { ...orderRow(spec, cursor.nextOrderId), status: 'sentinel' };
  const rows: Sentinels = {
    order,
    item: orderItemFor(spec, order.id, 1),
    customer: customerRow(spec, cursor.nextCustomerId),
    event: { ...eventRow(spec, cursor.nextEventSeq, order.id), kind: 'sentinel' },
    document: documentRow(spec, cursor.nextDocumentId),
  };
  return {
    change: { kind: 'sentinels', rows },
    sentinels: rows,
    cursor: Object.freeze({
      ...cursor,
      step: cursor.step + 1,
      nextOrderId: cursor.nextOrderId + 1,
      nextCustomerId: cursor.nextCustomerId + 1,
      nextDocumentId: cursor.nextDocumentId + 1,
      nextEventSeq: cursor.nextEventSeq + 1,
    }),
  };
}

/** The highest order id a batch inserts, or null: what the lag probe waits for on the target. */
export function maxInsertedOrderId(changes: readonly Change[]): number | null {
  let max: number | null = null;
  for (const c of changes) {
    const id =
      c.kind === 'insert-order' ? c.order.id : c.kind === 'sentinels' ? c.rows.order.id : null;
    if (id !== null && (max === null || id > max)) max = id;
  }
  return max;
}
