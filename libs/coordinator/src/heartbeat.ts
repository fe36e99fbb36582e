/**
 * Extractor heartbeats: small JSON messages on `dr.heartbeat.<job>.<extractor>` saying where the
 * extractor's stream is and how many events it sent. They carry progress for status, not state:
 * the checkpoint in the job store stays the record (ARCHITECTURE §4), so a lost heartbeat costs
 * nothing.
 */
import {
  replicatorError,
  sourcePositionSchema,
  type SourcePosition,
} from '@database-replicator/core';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { DEFAULT_HEARTBEAT_PREFIX } from './constants.js';

/** What an extractor reports in a heartbeat. */
export type ExtractorHeartbeat = Readonly<{
  /** Where the stream is (the last position sent); `null` before the stream started. */
  position: SourcePosition | null;
  /** When the extractor sent the heartbeat, ISO 8601. */
  at: string;
  /** Events the extractor sent since it started. */
  events: number;
}>;

/** Options of {@link publishHeartbeat}. */
export type HeartbeatOptions = Readonly<{
  /** Subject prefix. Default `dr.heartbeat`. */
  prefix?: string;
}>;

/** Zod schema of the heartbeat JSON. */
export const heartbeatSchema = z.object({
  position: sourcePositionSchema.nullable(),
  at: z.iso.datetime({ offset: true }),
  events: z.int().nonnegative(),
});

// A subject token: a dot would add a level, `*` and `>` are wildcards, whitespace ends the subject.
const TOKEN = /^[A-Za-z0-9_-]+$/;

/**
 * The subject of `extractorId`'s heartbeats in `jobId`: `<prefix>.<job>.<extractor>`.
 *
 * @throws ReplicatorError `REPL_COORDINATOR_ID_INVALID` when an id is not a subject token.
 */
export function heartbeatSubject(
  jobId: string,
  extractorId: string,
  prefix: string = DEFAULT_HEARTBEAT_PREFIX,
): string {
  checkToken('jobId', jobId);
  checkToken('extractorId', extractorId);
  return `${prefix}.${jobId}.${extractorId}`;
}

function checkToken(field: 'jobId' | 'extractorId', value: string): void {
  if (TOKEN.test(value)) return;
  throw replicatorError(
    'REPL_COORDINATOR_ID_INVALID',
    `${field} ${JSON.stringify(value)} cannot be a NATS subject token (heartbeat subjects)`,
    { details: { [field]: value } },
  );
}

/**
 * Publishes one heartbeat (fire and forget: NATS buffers it and sends it with the next flush).
 * `beat.at` defaults to now.
 *
 * @throws ReplicatorError `REPL_COORDINATOR_ID_INVALID` for an id that is not a subject token,
 *   `REPL_COORDINATOR_UNAVAILABLE` when the connection is closed or draining.
 */
export function publishHeartbeat(
  nc: NatsConnection,
  jobId: string,
  extractorId: string,
  beat: Readonly<{ position: SourcePosition | null; events: number; at?: string }>,
  options: HeartbeatOptions = {},
): void {
  const subject = heartbeatSubject(jobId, extractorId, options.prefix);
  const payload: ExtractorHeartbeat = {
    position: beat.position,
    at: beat.at ?? new Date().toISOString(),
    events: beat.events,
  };
  try {
    nc.publish(subject, JSON.stringify(payload));
  } catch (error) {
    throw replicatorError(
      'REPL_COORDINATOR_UNAVAILABLE',
      `cannot publish a heartbeat on ${subject}: the NATS connection is closed or draining`,
      { details: { subject }, cause: error },
    );
  }
}
