/**
 * The NATS subjects of one deployment, from its `DR_NATS_PREFIX`: job store calls on
 * `<prefix>.coordinator.<call>` and heartbeats on `<prefix>.heartbeat.<job>.<extractor>`. The two
 * are siblings, so neither subscription receives the other's messages; the default prefix `dr`
 * gives the coordinator library's defaults.
 */

/** Subject prefixes of a coordinator and its extractors. */
export type CoordinatorSubjects = Readonly<{
  /** Prefix of the job store request subjects. */
  subjectPrefix: string;
  /** Prefix of the heartbeat subjects. */
  heartbeatPrefix: string;
}>;

/** The subjects under `natsPrefix` (`DR_NATS_PREFIX`, e.g. `dr` or `acme.prod`). */
export function coordinatorSubjects(natsPrefix: string): CoordinatorSubjects {
  return Object.freeze({
    subjectPrefix: `${natsPrefix}.coordinator`,
    heartbeatPrefix: `${natsPrefix}.heartbeat`,
  });
}
