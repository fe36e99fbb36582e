/**
 * Acceptance, in-process bus: `init --via pipeline --enable-sync` and then `sync --via pipeline`
 * through the CLI under a continuous writer end with the target equal to the source
 * (init-sync-scenario.ts).
 */
import { describeInitSyncScenario } from './init-sync-scenario.js';

describeInitSyncScenario({
  name: 'init/sync --via pipeline on the in-process bus',
  services: ['postgres'],
  databasePrefix: 'dr_pcli_mem',
  busArgs: () => [],
  kafka: false,
});
