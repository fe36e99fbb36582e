/**
 * The loader service: settings from the environment (DR_TARGET_URL, DR_BUS, ...; see
 * loadServiceEnv), logic in @database-replicator/runtime. The first SIGTERM/SIGINT stops after
 * the chunk in flight; a second one, or 30 s without stopping, forces the exit.
 */
import { runLoaderFromEnv, runServiceProcess } from '@database-replicator/runtime';

process.exitCode = await runServiceProcess(process, 'loader', async (signal) => {
  await runLoaderFromEnv(process.env, signal);
  return 0;
});
