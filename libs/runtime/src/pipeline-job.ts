/**
 * Names of a pipeline job: its id, derived from where the source and target are (never from
 * credentials), and the topic prefix, consumer group, slot and publication that follow from it.
 * The same pair of databases always maps to the same job, so `sync` finds what `init` left.
 */
import { createHash } from 'node:crypto';
import type { ReplicatorConfig } from '@database-replicator/core';

/** What a job's names are built from. */
export type PipelineJobNames = Readonly<{
  jobId: string;
  /** `dr.<jobId>`: event topics are `<prefix>.<source>.<schema>.<table>`. */
  topicPrefix: string;
  consumerGroup: string;
  /** Slot and publication of a PostgreSQL source. */
  replicationName: string;
}>;

/** Host, port and path of a URL or file path, without user or password. */
function locationOf(url: string): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

/** The names of the job replicating `config.source` into `config.target`. */
export function pipelineJobNames(
  config: Pick<ReplicatorConfig, 'source' | 'target'>,
): PipelineJobNames {
  const source = config.source?.url.reveal() ?? '';
  const target = config.target?.url.reveal() ?? '';
  const jobId = createHash('sha256')
    .update([config.source?.kind ?? '', locationOf(source), locationOf(target)].join('\u0000'))
    .digest('hex')
    .slice(0, 12);
  return Object.freeze({
    jobId,
    topicPrefix: `dr.${jobId}`,
    consumerGroup: `dr-loader-${jobId}`,
    replicationName: `dr_pipe_${jobId}`,
  });
}
