/**
 * @database-replicator/runtime — how a service runs: settings from the environment, the bus it
 * names, the HTTP server for health, readiness and the service's own API, and each service's
 * run function. `services/*` mains and `database-replicator run <service>` share it, so both run
 * the same code. Each export carries its TSDoc at its definition.
 */

// Settings
export { loadServiceEnv } from './service-env.js';
export type { ServiceEnv, ServiceEnvInput } from './service-env.js';
export { BUS_SPEC_FORMS, parseBusSpec } from './bus-spec.js';
export type { BusSpec } from './bus-spec.js';
export { openBus } from './open-bus.js';
export type { OpenBusOptions } from './open-bus.js';

// HTTP: /healthz, /readyz and the service's handlers
export { sendJson, startServiceHttp } from './service-http.js';
export type { ServiceHttp, ServiceHttpHandler, ServiceHttpOptions } from './service-http.js';

// Failures: the one line and the exit code of a main
export { describeServiceFailure } from './service-failure.js';
export type { ServiceFailure } from './service-failure.js';

// Loader service
export { runLoaderService } from './run-loader-service.js';
export type { LoaderServiceOptions } from './run-loader-service.js';
export { runLoaderFromEnv } from './run-loader-from-env.js';
export type { LoaderFromEnvOptions } from './run-loader-from-env.js';
export { LOADER_STATUS_PATH, LoaderStatus } from './loader-status.js';
export type { LoaderStatusReport } from './loader-status.js';
export { listEventTopics } from './event-topics.js';
export { LOADER_APPLICATION_NAME, LOADER_CLIENT_ID } from './constants.js';
export { NO_LOADER_STATS, addLoaderStats } from './loader-stats.js';

// The pipeline in one process (CLI `init`/`sync --via pipeline`)
export { pipelineJobNames } from './pipeline-job.js';
export type { PipelineJobNames } from './pipeline-job.js';
export { openChangeSource } from './open-change-source.js';
export type { ChangeSourceConfig } from './open-change-source.js';
export { runEmbeddedPipeline } from './run-embedded-pipeline.js';
export type { EmbeddedPipelineOptions, EmbeddedPipelineReport } from './run-embedded-pipeline.js';
export { waitForLoaderDrain } from './loader-drain.js';
export type { LoaderDrainOptions } from './loader-drain.js';

// Distributed deployment (issue 5): coordinator and PostgreSQL extractor services
export { runCoordinatorFromEnv } from './run-coordinator-from-env.js';
export type { CoordinatorFromEnvOptions } from './run-coordinator-from-env.js';
export { runExtractorFromEnv } from './run-extractor-from-env.js';
export type { ExtractorFromEnvOptions } from './run-extractor-from-env.js';
export { extractorJobNames, loadExtractorEnv } from './extractor-env.js';
export type { ExtractorEnv } from './extractor-env.js';
export { isRestartableExtractorError } from './run-extractor-service.js';
export { EXTRACTOR_STATUS_PATH } from './extractor-status.js';
export type { ExtractorState, ExtractorStatusReport } from './extractor-status.js';
export { coordinatorSubjects } from './coordinator-subjects.js';
export type { CoordinatorSubjects } from './coordinator-subjects.js';
export {
  COORDINATOR_APPLICATION_NAME,
  COORDINATOR_CLIENT_ID,
  EXTRACTOR_POSTGRES_CLIENT_ID,
} from './constants.js';

// Metrics (issue 7): a Prometheus registry, /metrics, and each role's metric set (docs/metrics.md)
export { MetricsRegistry } from './metrics/metrics-registry.js';
export type { MetricsCollector, MetricsRegistryOptions } from './metrics/metrics-registry.js';
export { Counter } from './metrics/counter.js';
export { Gauge } from './metrics/gauge.js';
export { Histogram, LATENCY_BUCKETS_SECONDS } from './metrics/histogram.js';
export type { MetricLabels } from './metrics/metric-series.js';
export {
  PROMETHEUS_CONTENT_TYPE,
  escapeHelp,
  escapeLabelValue,
  formatSampleValue,
} from './metrics/exposition.js';
export { METRICS_PATH, metricsHandler } from './metrics/metrics-handler.js';
export {
  LoaderLagGauge,
  createLoaderMetrics,
  errorCodeLabel,
  instrumentApplier,
  instrumentDeadLetters,
} from './metrics/loader-metrics.js';
export type { LoaderMetrics } from './metrics/loader-metrics.js';
export { ExtractorMetrics } from './metrics/extractor-metrics.js';
export { registerJobMetrics } from './metrics/job-metrics.js';

// Status of pipeline jobs (issue 7): CLI `status` and the coordinator's GET /jobs/:id/status
export { UNKNOWN_LAG, buildPipelineJobStatus } from './status/pipeline-status.js';
export type {
  PipelineJobFacts,
  PipelineJobStatus,
  PipelineLag,
  PipelineTableStatus,
} from './status/pipeline-status.js';
export { DEFAULT_RATE_WINDOW_MS, RateTracker, etaSeconds } from './status/rate-tracker.js';
export { readPipelineStatus } from './status/read-pipeline-status.js';
export type { JobLagReading, ReadPipelineStatusOptions } from './status/read-pipeline-status.js';
export { readBusLag, readSlotLag } from './status/pipeline-lag.js';
export { jobStatusHandler } from './status/job-status-handler.js';
export { readCoordinatorStatus } from './status/read-coordinator-status.js';

// Verify (issue 7): one run shared by the CLI's `verify` and services/verifier, recorded in
// `_replicator.verify_runs`
export { openVerifyRun } from './open-verify-run.js';
export type { VerifyRun, VerifyRunOptions } from './open-verify-run.js';
export { DEFAULT_SAMPLES_PER_TABLE, runVerifyJob } from './run-verify-job.js';
export type { VerifyJobOptions, VerifyJobOutcome } from './run-verify-job.js';
export { readVerifySamples } from './read-verify-samples.js';
export type {
  SampledTableResult,
  SampledVerifyReport,
  VerifySampleOptions,
} from './read-verify-samples.js';
export { MAX_RECORDED_KEYS, recordVerifyRun } from './record-verify-run.js';
export type { VerifyRunRecord } from './record-verify-run.js';
export { verifyJobName } from './verify-job-name.js';
export {
  DEFAULT_VERIFY_INTERVAL_SECONDS,
  loadVerifierEnv,
  parseVerifyInterval,
} from './verifier-env.js';
export type { VerifierEnv } from './verifier-env.js';
export { runVerifierFromEnv } from './run-verifier-from-env.js';
export type { VerifierFromEnvOptions, VerifierReport } from './run-verifier-from-env.js';

// Source libraries, loaded on first use by the kind that needs them (CLI start-up cost): the CLI
// reaches a source library's own functions (validateMongo...) through this
export { loadSourceLibrary } from './load-source-library.js';
export type { SourceLibraries } from './load-source-library.js';

// The last verify run of a job, for `status` (issue 7)
export { readLastVerifyRun } from './status/read-last-verify-run.js';
export type { LastVerifyRun } from './status/read-last-verify-run.js';
export { runServiceProcess } from './service-process.js';
export type { ServiceProcess } from './service-process.js';
