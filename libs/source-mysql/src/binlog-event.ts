/**
 * Narrowing of zongji's event union by event name.
 */
import type { AnyBinlogEvent, BinlogEventByName, BinlogEventName } from '@vlasky/zongji';

/**
 * True when `eventName`, the `getEventName()` of `event` read once by the caller, is `name`:
 * zongji builds the name anew on every call, and the stream asks several times per event.
 */
export function isNamedBinlogEvent<N extends BinlogEventName>(
  _event: AnyBinlogEvent,
  eventName: string,
  name: N,
): _event is BinlogEventByName<N> {
  return eventName === name;
}
