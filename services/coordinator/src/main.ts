/**
 * The coordinator service: settings from the environment (DR_TARGET_URL, DR_NATS_URL, ...; see
 * runCoordinatorFromEnv), logic in @database-replicator/runtime. The first SIGTERM/SIGINT stops
 * taking calls and answers those in progress; a second one, or 30 s without stopping, forces the
 * exit.
 */
import { runCoordinatorFromEnv, runServiceProcess } from '@database-replicator/runtime';

process.exitCode = await runServiceProcess(process, 'coordinator', async (signal) => {
  await runCoordinatorFromEnv(process.env, signal);
  return 0;
});
