/**
 * Errors across NATS. The coordinator answers a failed call with the error's code, message, fix
 * and details, and whether it is transient; the client throws it again as a ReplicatorError with
 * the same code, so a caller handles a remote store like a local one. A transient remote failure
 * (the coordinator's database restarting) becomes REPL_COORDINATOR_UNAVAILABLE, like a
 * coordinator that does not answer at all: both are worth retrying.
 */
import {
  isErrorCode,
  isReplicatorError,
  isTransientError,
  redactText,
  replicatorError,
  type ErrorCode,
  type ReplicatorError,
} from '@database-replicator/core';
import { z } from 'zod';
import type { WireError } from './wire-schemas.js';

/** The reply payload of a failed call. */
export function toWireError(error: unknown): WireError {
  const transient = isTransientError(error);
  if (isReplicatorError(error)) {
    return {
      code: error.code,
      message: error.message,
      fix: error.fix,
      ...(error.details === undefined ? {} : { details: error.details }),
      transient,
    };
  }
  const reason = error instanceof Error ? error.message : String(error);
  return {
    code: 'REPL_COORDINATOR_STORE_FAILED',
    message: redactText(`the coordinator's job store failed: ${reason}`),
    transient,
  };
}

/** The error a client throws for a failed call's reply. */
export function fromWireError(subject: string, wire: WireError): ReplicatorError {
  const details = wire.details ?? {};
  if (wire.transient) {
    return replicatorError(
      'REPL_COORDINATOR_UNAVAILABLE',
      `the coordinator failed transiently on ${subject}: ${wire.message}`,
      { details: { ...details, subject, remoteCode: wire.code } },
    );
  }
  const code: ErrorCode = isErrorCode(wire.code) ? wire.code : 'REPL_COORDINATOR_STORE_FAILED';
  return replicatorError(code, wire.message, {
    ...(wire.fix === undefined ? {} : { fix: wire.fix }),
    ...(wire.details === undefined ? {} : { details: wire.details }),
  });
}

/** A request or reply that is not JSON or does not match its schema (`cause`: the ZodError). */
export function messageInvalid(
  subject: string,
  what: 'request' | 'reply',
  cause: unknown,
): ReplicatorError {
  const issue = cause instanceof z.ZodError ? cause.issues[0] : undefined;
  const reason =
    issue !== undefined
      ? ` at ${issue.path.length === 0 ? what : issue.path.join('.')}: ${issue.message}`
      : `: ${cause instanceof Error ? cause.message : String(cause)}`;
  return replicatorError(
    'REPL_COORDINATOR_MESSAGE_INVALID',
    `invalid ${what} on ${subject}${reason}`,
    { details: { subject }, cause },
  );
}
