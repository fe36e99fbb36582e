import { failed, passed, type CheckOutcome } from './validation-check.js';
import type { ReachedServer, UnreachableServer } from './validation-facts.js';

/** Whether validate could log in; the connection error's message already names host:port/db. */
export function checkConnectivity(side: ReachedServer | UnreachableServer): CheckOutcome {
  if (!side.reached) return failed(side.message, side.fix);
  const { where, user } = side.server;
  return passed(`connected to ${where} as ${user}`);
}
