/**
 * The embedded pipeline (extractor, loader and job store in this process) of one test job on an
 * in-process bus, as the source suites run it: names derived from the job id, nothing durable on
 * the bus, a silent logger unless the suite reads the log.
 */
import { randomBytes } from 'node:crypto';
import { MemoryBus } from '@database-replicator/bus';
import { Secret, createLogger, type Logger, type SourceKind } from '@database-replicator/core';
import type { ChangeSource } from '@database-replicator/pipeline';
import { runEmbeddedPipeline, type EmbeddedPipelineReport } from '@database-replicator/runtime';

/** Options of {@link runTestPipeline}. */
export type TestPipelineOptions = Readonly<{
  source: ChangeSource;
  sourceKind: SourceKind;
  targetUrl: string;
  /** Keep streaming after the snapshot until `signal` aborts; otherwise return once loaded. */
  stream: boolean;
  signal: AbortSignal;
  /** The job: a restart with the same id resumes from its checkpoint. Default: a new one. */
  jobId?: string;
  /** Partitions of each topic. Default 1. */
  partitions?: number;
  /** Default: silent. */
  logger?: Logger;
}>;

/** Runs extractor and loader in this process until loaded (`stream: false`) or `signal` aborts. */
export function runTestPipeline(options: TestPipelineOptions): Promise<EmbeddedPipelineReport> {
  const jobId = options.jobId ?? randomBytes(6).toString('hex');
  return runEmbeddedPipeline({
    source: options.source,
    sourceKind: options.sourceKind,
    targetUrl: new Secret(options.targetUrl),
    bus: new MemoryBus(),
    names: {
      jobId,
      topicPrefix: `dr.${jobId}`,
      consumerGroup: `dr-loader-${jobId}`,
      replicationName: `dr_pipe_${jobId}`,
    },
    stream: options.stream,
    durableBus: false,
    partitions: options.partitions ?? 1,
    signal: options.signal,
    logger: options.logger ?? createLogger({ level: 'silent' }),
  });
}

/** A streaming test pipeline running in the background. */
export type TestPipelineRun = Readonly<{
  source: ChangeSource;
  /** Settles when the pipeline ends. */
  done: Promise<EmbeddedPipelineReport>;
  /** What it failed with, once it failed; `undefined` while it runs or after it stopped cleanly. */
  failure(): unknown;
  /** Aborts it, waits for it to end and closes its source; rejects with its failure, if any. */
  stop(): Promise<EmbeddedPipelineReport>;
}>;

/** Starts a streaming {@link runTestPipeline} that runs until {@link TestPipelineRun.stop}. */
export function startTestPipeline(
  options: Omit<TestPipelineOptions, 'stream' | 'signal'>,
): TestPipelineRun {
  const controller = new AbortController();
  const done = runTestPipeline({ ...options, stream: true, signal: controller.signal });
  let failure: unknown;
  // Read through failure() or stop(); keep it from being unhandled meanwhile.
  done.catch((error: unknown) => {
    failure = error;
  });
  return {
    source: options.source,
    done,
    failure: () => failure,
    stop: async () => {
      controller.abort();
      try {
        return await done;
      } finally {
        await options.source.close();
      }
    },
  };
}
