import { describe, expect, it } from 'vitest';
import {
  NATIVE_PHASES,
  advanceNativePhase,
  nextNativeStep,
  resumeNativePhase,
  type NativePhase,
  type NativeResumeAction,
  type NativeStep,
} from '@database-replicator/postgres';

// [phase, step, phase after]
const TRANSITIONS: readonly [NativePhase, NativeStep, NativePhase][] = [
  ['planned', 'publish', 'published'],
  ['published', 'create-slot', 'slot-created'],
  ['slot-created', 'dump', 'dumped'],
  ['dumped', 'restore-globals', 'globals-restored'],
  ['globals-restored', 'restore-pre-data', 'pre-data-restored'],
  ['pre-data-restored', 'restore-data', 'data-restored'],
  ['data-restored', 'restore-filtered', 'filtered-restored'],
  ['filtered-restored', 'restore-post-data', 'post-data-restored'],
  ['post-data-restored', 'subscribe', 'subscribed'],
  ['subscribed', 'confirm-running', 'done'],
  ['post-data-restored', 'release', 'done'],
];

// [checkpointed phase, restore started, resume phase, actions]
const RESUMES: readonly [NativePhase, boolean, NativePhase, NativeResumeAction[]][] = [
  ['planned', false, 'planned', []],
  ['published', false, 'published', ['drop-slot']],
  ['slot-created', false, 'published', ['drop-slot']],
  ['dumped', false, 'dumped', []],
  ['globals-restored', false, 'globals-restored', []],
  ['globals-restored', true, 'globals-restored', ['clean-restore']],
  ['pre-data-restored', true, 'globals-restored', ['clean-restore']],
  ['data-restored', true, 'data-restored', ['truncate-filtered']],
  ['filtered-restored', true, 'filtered-restored', ['clean-post-data']],
  ['post-data-restored', true, 'post-data-restored', []],
  ['subscribed', true, 'subscribed', []],
  ['done', true, 'done', []],
];

describe('native phases', () => {
  it.each(TRANSITIONS)('%s --%s--> %s', (from, step, to) => {
    expect(advanceNativePhase(from, step)).toBe(to);
  });

  it('rejects every step outside its phase', () => {
    const steps = [...new Set(TRANSITIONS.map(([, step]) => step))];
    for (const phase of NATIVE_PHASES) {
      for (const step of steps) {
        const allowed = TRANSITIONS.some(([from, s]) => from === phase && s === step);
        if (!allowed) expect(() => advanceNativePhase(phase, step), `${phase} ${step}`).toThrow();
      }
    }
  });

  it('walks every phase from planned to done, subscribing only with --enable-sync', () => {
    for (const enableSync of [true, false]) {
      const visited: NativePhase[] = [];
      let phase: NativePhase = 'planned';
      for (
        let step = nextNativeStep(phase, enableSync);
        step !== undefined;
        step = nextNativeStep(phase, enableSync)
      ) {
        phase = advanceNativePhase(phase, step);
        visited.push(phase);
      }
      expect(phase).toBe('done');
      expect(visited.includes('subscribed')).toBe(enableSync);
      expect(visited).toHaveLength(enableSync ? 10 : 9);
    }
    expect(nextNativeStep('done', true)).toBeUndefined();
    expect(nextNativeStep('post-data-restored', false)).toBe('release');
  });

  it.each(RESUMES)(
    'resumes %s (restore started: %s) at %s doing %j',
    (phase, started, at, actions) => {
      expect(resumeNativePhase(phase, started)).toEqual({ phase: at, actions });
    },
  );

  it('never resumes after the slot but before the dump finished (the snapshot died)', () => {
    for (const phase of ['published', 'slot-created'] as const) {
      const point = resumeNativePhase(phase, false);
      expect(point.phase).toBe('published');
      expect(point.actions).toContain('drop-slot');
    }
  });
});
