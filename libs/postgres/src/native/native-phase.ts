/**
 * The life of one database on the native path, as a union of phases and a pure transition
 * function (tested as a table in libs/postgres/test/native-phase.test.ts).
 *
 *   planned ─publish→ published ─create-slot→ slot-created ─dump→ dumped
 *     ─restore-globals→ globals-restored ─restore-pre-data→ pre-data-restored
 *     ─restore-data→ data-restored ─restore-filtered→ filtered-restored
 *     ─restore-post-data→ post-data-restored
 *         ─subscribe→ subscribed ─confirm-running→ done     (--enable-sync)
 *         ─release→ done                                     (copy only: slot and publication dropped)
 *
 * A phase is written to the checkpoint only after its step finished, so after a crash the phase
 * names the last step known to be complete. {@link resumeNativePhase} says where a new run picks
 * up: the exported snapshot dies with the process that created the slot, so anything before
 * `dumped` goes back to `published` (slot dropped, dump discarded); a restore step that was cut
 * short is redone from a state it can be redone from.
 */

/** Phases of one database, in order. */
export const NATIVE_PHASES = Object.freeze([
  'planned',
  'published',
  'slot-created',
  'dumped',
  'globals-restored',
  'pre-data-restored',
  'data-restored',
  'filtered-restored',
  'post-data-restored',
  'subscribed',
  'done',
] as const);

/** One of {@link NATIVE_PHASES}. */
export type NativePhase = (typeof NATIVE_PHASES)[number];

/** The steps that move a database from one phase to the next. */
export type NativeStep =
  | 'publish'
  | 'create-slot'
  | 'dump'
  | 'restore-globals'
  | 'restore-pre-data'
  | 'restore-data'
  | 'restore-filtered'
  | 'restore-post-data'
  | 'subscribe'
  | 'confirm-running'
  | 'release';

/** Step → [phase it starts from, phase it ends in]. */
const TRANSITIONS: Readonly<Record<NativeStep, readonly [NativePhase, NativePhase]>> = {
  publish: ['planned', 'published'],
  'create-slot': ['published', 'slot-created'],
  dump: ['slot-created', 'dumped'],
  'restore-globals': ['dumped', 'globals-restored'],
  'restore-pre-data': ['globals-restored', 'pre-data-restored'],
  'restore-data': ['pre-data-restored', 'data-restored'],
  'restore-filtered': ['data-restored', 'filtered-restored'],
  'restore-post-data': ['filtered-restored', 'post-data-restored'],
  subscribe: ['post-data-restored', 'subscribed'],
  'confirm-running': ['subscribed', 'done'],
  release: ['post-data-restored', 'done'],
};

/**
 * The phase after `step` completed in `phase`.
 *
 * @throws Error when `step` cannot run in `phase` (a programming error, never user input).
 */
export function advanceNativePhase(phase: NativePhase, step: NativeStep): NativePhase {
  const [from, to] = TRANSITIONS[step];
  if (from !== phase) throw new Error(`native step ${step} cannot run in phase ${phase}`);
  return to;
}

/** The step leaving each phase, except after the restore, where `enableSync` decides. */
const FORWARD: Readonly<Record<Exclude<NativePhase, 'post-data-restored' | 'done'>, NativeStep>> = {
  planned: 'publish',
  published: 'create-slot',
  'slot-created': 'dump',
  dumped: 'restore-globals',
  'globals-restored': 'restore-pre-data',
  'pre-data-restored': 'restore-data',
  'data-restored': 'restore-filtered',
  'filtered-restored': 'restore-post-data',
  subscribed: 'confirm-running',
};

/**
 * The step to run next from `phase`; `undefined` once done. After the restore, `enableSync`
 * chooses between subscribing and releasing the slot and publication.
 */
export function nextNativeStep(phase: NativePhase, enableSync: boolean): NativeStep | undefined {
  if (phase === 'done') return undefined;
  if (phase === 'post-data-restored') return enableSync ? 'subscribe' : 'release';
  return FORWARD[phase];
}

/** What must be undone before a resumed run continues. */
export type NativeResumeAction =
  /** The slot's snapshot died with the old process: drop the slot, discard the dump. */
  | 'drop-slot'
  /** A restore of the schema or data was cut short: drop the restored tables, restore with --clean. */
  | 'clean-restore'
  /** Filtered rows were being loaded: empty those tables and load them again. */
  | 'truncate-filtered'
  /** Indexes and constraints were being built: restore post-data with --clean --if-exists. */
  | 'clean-post-data';

/** Where a resumed run continues and what it undoes first. */
export type NativeResumePoint = Readonly<{
  phase: NativePhase;
  actions: readonly NativeResumeAction[];
}>;

/**
 * Where a run continues from a checkpointed `phase`. `restoreStarted` records that pg_restore
 * ran at least once against the target (set just before the first restore step).
 */
export function resumeNativePhase(phase: NativePhase, restoreStarted: boolean): NativeResumePoint {
  switch (phase) {
    case 'planned':
    case 'done':
    case 'post-data-restored':
    case 'subscribed':
      return point(phase);
    case 'published':
    case 'slot-created':
      return point('published', 'drop-slot');
    case 'dumped':
    case 'globals-restored':
      return restoreStarted ? point(phase, 'clean-restore') : point(phase);
    case 'pre-data-restored':
      // The data section was being loaded and COPY cannot be resumed per table: start the
      // schema again (tables dropped and recreated), then load everything.
      return point('globals-restored', 'clean-restore');
    case 'data-restored':
      return point(phase, 'truncate-filtered');
    case 'filtered-restored':
      return point(phase, 'clean-post-data');
  }
}

function point(phase: NativePhase, ...actions: NativeResumeAction[]): NativeResumePoint {
  return Object.freeze({ phase, actions: Object.freeze(actions) });
}

/** True when `a` comes at or after `b` in {@link NATIVE_PHASES}. */
export function phaseAtLeast(a: NativePhase, b: NativePhase): boolean {
  return NATIVE_PHASES.indexOf(a) >= NATIVE_PHASES.indexOf(b);
}
