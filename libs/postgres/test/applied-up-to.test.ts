/**
 * The exact "applied up to S" rule of verify's catch-up (applied-up-to.ts), without servers: the
 * checkpoint must reach S and every partition it sent to must have applied its last message;
 * the first covering checkpoint is kept; a stopped extractor (stale checkpoint, no embedded
 * pipeline connected) is decided by what it sent alone; positions of another binlog never count.
 */
import { describe, expect, it } from 'vitest';
import type { SourcePosition } from '@database-replicator/core';
import {
  AppliedUpTo,
  STALE_CHECKPOINT_MS,
  partitionRef,
  type AppliedState,
  type ExtractorProgressState,
  type SentPartitionPosition,
} from '@database-replicator/postgres';

const TOPIC = 'dr.job.src.app.items';

function binlog(pos: number, eventIndex = 0, file = 'mysql-bin.000001'): SourcePosition {
  return { kind: 'mysql', gtidSet: '', file, pos, eventIndex };
}

function seq(n: number): SourcePosition {
  return { kind: 'sqlite', sequence: String(n) };
}

function sent(partition: number, position: SourcePosition): SentPartitionPosition {
  return { topic: TOPIC, partition, position };
}

function extractor(
  stream: SourcePosition,
  sentUpTo: readonly SentPartitionPosition[] | undefined,
  ageMs = 500,
): ExtractorProgressState {
  return { id: 'job/embedded', stream, sentUpTo, ageMs };
}

function state(
  extractors: readonly ExtractorProgressState[],
  applied: readonly [number, SourcePosition][],
  pipelineConnected = true,
): AppliedState {
  return {
    extractors,
    applied: new Map(applied.map(([partition, at]) => [partitionRef(TOPIC, partition), at])),
    pipelineConnected,
  };
}

describe('applied up to a source position', () => {
  it('needs the checkpoint at S and every partition applied up to its last message', () => {
    const wanted = binlog(1000);
    const sentUpTo = [sent(0, binlog(900, 2)), sent(3, binlog(1000, 1))];
    // The extractor has not read the binlog up to S yet: whatever the loader did, not done.
    expect(
      new AppliedUpTo(wanted).check(
        state(
          [extractor(binlog(950), sentUpTo)],
          [
            [0, binlog(900, 2)],
            [3, binlog(1000, 1)],
          ],
        ),
      ),
    ).toBe(false);
    // At S, but partition 3's last message (1000, event 1) is not applied yet.
    expect(
      new AppliedUpTo(wanted).check(
        state(
          [extractor(binlog(1000), sentUpTo)],
          [
            [0, binlog(900, 2)],
            [3, binlog(1000, 0)],
          ],
        ),
      ),
    ).toBe(false);
    // A partition without a stored position has applied nothing.
    expect(
      new AppliedUpTo(wanted).check(
        state([extractor(binlog(1000), sentUpTo)], [[0, binlog(900, 2)]]),
      ),
    ).toBe(false);
    expect(
      new AppliedUpTo(wanted).check(
        state(
          [extractor(binlog(1200), sentUpTo)],
          [
            [0, binlog(900, 2)],
            [3, binlog(1100, 0)],
          ],
        ),
      ),
    ).toBe(true);
  });

  it('keeps the first checkpoint at S instead of chasing newer ones', () => {
    const wait = new AppliedUpTo(seq(10));
    const first = extractor(seq(12), [sent(0, seq(11)), sent(1, seq(12))]);
    expect(wait.check(state([first], [[0, seq(11)]]))).toBe(false);
    // The writer went on: the newest checkpoint names later messages that are not applied yet,
    // but the target has applied what the first covering checkpoint had sent.
    const later = extractor(seq(40), [sent(0, seq(39)), sent(1, seq(40))]);
    expect(
      wait.check(
        state(
          [later],
          [
            [0, seq(11)],
            [1, seq(12)],
          ],
        ),
      ),
    ).toBe(true);
    // A fresh wait for the same position has only the newest checkpoint to go by.
    expect(
      new AppliedUpTo(seq(10)).check(
        state(
          [later],
          [
            [0, seq(11)],
            [1, seq(12)],
          ],
        ),
      ),
    ).toBe(false);
  });

  it('decides a stopped extractor by what it sent, but not while an embedded pipeline is connected', () => {
    const wanted = seq(50);
    const stale = STALE_CHECKPOINT_MS + 1;
    const stopped = extractor(seq(20), [sent(0, seq(20))], stale);
    // Changes after 20 (other tables') will never be read: what was sent is all there is.
    expect(new AppliedUpTo(wanted).check(state([stopped], [[0, seq(20)]], false))).toBe(true);
    expect(new AppliedUpTo(wanted).check(state([stopped], [[0, seq(19)]], false))).toBe(false);
    // Connected: an embedded pipeline's checkpoint waits for its loader, so it only looks stale.
    expect(new AppliedUpTo(wanted).check(state([stopped], [[0, seq(20)]], true))).toBe(false);
    // Fresh checkpoint: the extractor runs and has not reached S.
    const running = extractor(seq(20), [sent(0, seq(20))], 900);
    expect(new AppliedUpTo(wanted).check(state([running], [[0, seq(20)]], false))).toBe(false);
    // Written before sentUpTo existed: only a stopped extractor can be decided.
    const old = extractor(seq(60), undefined, 900);
    expect(new AppliedUpTo(wanted).check(state([old], [], true))).toBe(false);
    const oldStopped = extractor(seq(20), undefined, stale);
    expect(new AppliedUpTo(wanted).check(state([oldStopped], [], false))).toBe(true);
  });

  it('needs every extractor of the job, and an empty sentUpTo needs only the checkpoint', () => {
    const wanted = seq(5);
    const idle = extractor(seq(5), []);
    expect(new AppliedUpTo(wanted).check(state([idle], []))).toBe(true);
    const other = { ...extractor(seq(4), []), id: 'job/second' };
    expect(new AppliedUpTo(wanted).check(state([idle, other], []))).toBe(false);
  });

  it('never counts a position of another binlog as reached', () => {
    const wanted = binlog(100, 0, 'mysql-bin.000002');
    const foreign = extractor(binlog(5000, 0, 'other-bin.000009'), []);
    expect(new AppliedUpTo(wanted).check(state([foreign], []))).toBe(false);
    // Files of one sequence are ordered by number, past six digits too.
    const rotated = extractor(binlog(4, 0, 'mysql-bin.1000000'), [
      sent(0, binlog(90, 0, 'mysql-bin.999999')),
    ]);
    expect(
      new AppliedUpTo(binlog(100, 0, 'mysql-bin.999999')).check(
        state([rotated], [[0, binlog(7, 0, 'mysql-bin.1000000')]]),
      ),
    ).toBe(true);
    expect(
      new AppliedUpTo(binlog(100, 0, 'mysql-bin.999999')).check(
        state([rotated], [[0, binlog(7, 0, 'other-bin.1000000')]]),
      ),
    ).toBe(false);
  });
});
