import type { BusMessage } from './bus.js';

/** Bytes a message takes in a bounded buffer: UTF-8 key, value, header names and values. */
export function messageSizeBytes(message: BusMessage): number {
  let bytes = Buffer.byteLength(message.key ?? '') + Buffer.byteLength(message.value ?? '');
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  return bytes;
}
