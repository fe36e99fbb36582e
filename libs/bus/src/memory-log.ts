/**
 * The storage of one in-process topic partition: records from `baseOffset` to `nextOffset - 1`.
 * Records below every subscribed group's committed offset are trimmed; what is left is the
 * uncommitted backlog that the bus bounds in messages and bytes.
 */
import type { BusHeaders, BusMessage, LocalValue } from './bus.js';

/**
 * A stored record; `offset` is a plain number in process (2^53 messages is out of reach). A
 * message with a `local` form is stored as that form alone (`value` is `null` then): its text is
 * made only if a consumer reads it.
 */
export type MemoryRecord = Readonly<{
  offset: number;
  key: string | null;
  value: string | null;
  local: LocalValue | undefined;
  headers: BusHeaders;
  bytes: number;
}>;

const NO_HEADERS: BusHeaders = Object.freeze({});

export class MemoryLog {
  #records: MemoryRecord[] = [];
  #baseOffset = 0;
  #nextOffset = 0;
  #bytes = 0;

  get baseOffset(): number {
    return this.#baseOffset;
  }
  get nextOffset(): number {
    return this.#nextOffset;
  }
  get length(): number {
    return this.#records.length;
  }
  get bytes(): number {
    return this.#bytes;
  }

  append(message: BusMessage, bytes: number): void {
    this.#records.push(
      Object.freeze({
        offset: this.#nextOffset,
        key: message.key,
        value: message.local === undefined ? message.value : null,
        local: message.local,
        headers: message.headers === undefined ? NO_HEADERS : Object.freeze({ ...message.headers }),
        bytes,
      }),
    );
    this.#nextOffset += 1;
    this.#bytes += bytes;
  }

  /** Up to `max` records from `offset` on (clamped to what is retained). */
  read(offset: number, max: number): readonly MemoryRecord[] {
    const start = Math.max(offset, this.#baseOffset) - this.#baseOffset;
    return this.#records.slice(start, start + max);
  }

  /** Drops the records below `offset`. */
  trim(offset: number): void {
    const count = Math.min(offset, this.#nextOffset) - this.#baseOffset;
    if (count <= 0) return;
    for (const record of this.#records.splice(0, count)) this.#bytes -= record.bytes;
    this.#baseOffset += count;
  }
}
