import type { BusMessage } from './bus.js';

/**
 * Bytes a message takes in a bounded buffer: UTF-8 key, value (its `local` form's estimate when
 * it has one, so the value is never encoded just to be counted), header names and values.
 */
export function messageSizeBytes(message: BusMessage): number {
  const value =
    message.local === undefined ? Buffer.byteLength(message.value ?? '') : message.local.sizeBytes;
  let bytes = Buffer.byteLength(message.key ?? '') + value;
  for (const [name, text] of Object.entries(message.headers ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(text);
  }
  return bytes;
}
