/**
 * Narrowing of zongji's event union by event name.
 */
import type { AnyBinlogEvent, BinlogEventByName, BinlogEventName } from '@vlasky/zongji';

/** True when `event` is the event named `name` (zongji's `getEventName()`). */
export function isBinlogEvent<N extends BinlogEventName>(
  event: AnyBinlogEvent,
  name: N,
): event is BinlogEventByName<N> {
  return event.getEventName() === name;
}
