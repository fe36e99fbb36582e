/**
 * Wire names of the native path: what our publications, slots, subscriptions, state files and
 * child sessions are called. Everything we create carries the `dr_` prefix plus the job id, so
 * cleanup only ever touches our own objects.
 */

/** Prefix of every publication, slot and subscription we create. */
export const NATIVE_OBJECT_PREFIX = 'dr_';

/** Sub-directory of the state directory holding native checkpoints and dumps. */
export const NATIVE_STATE_SUBDIR = 'native';

/** Version of the checkpoint file format; a file of another version is refused. */
export const NATIVE_CHECKPOINT_VERSION = 1;

/** `application_name` prefix of the pg_dump / pg_restore / psql sessions of a job. */
export const NATIVE_TOOL_APPLICATION_PREFIX = 'dr-native-';

/** How long `init --enable-sync` and `sync` wait for the subscription to run. */
export const SUBSCRIPTION_START_TIMEOUT_MS = 60_000;

/** How long dropping a slot waits for a walsender that still holds it. */
export const SLOT_RELEASE_TIMEOUT_MS = 15_000;
