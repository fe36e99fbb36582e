/**
 * The PostgreSQL extractor service: settings from the environment (DR_SOURCE_URL, DR_JOB_ID,
 * DR_BUS, DR_NATS_URL, ...; see runExtractorFromEnv), logic in @database-replicator/runtime. The
 * first SIGTERM/SIGINT stops at the next checkpoint; a second one, or 30 s without stopping,
 * forces the exit (the restarted extractor resends from its checkpoint).
 */
import { runExtractorFromEnv, runServiceProcess } from '@database-replicator/runtime';

process.exitCode = await runServiceProcess(process, 'extractor-postgres', async (signal) => {
  await runExtractorFromEnv(process.env, signal);
  return 0;
});
