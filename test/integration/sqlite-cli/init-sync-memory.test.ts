/** SQLite acceptance on the in-process bus (init-sync-scenario.ts). */
import { describeSqliteScenario } from './init-sync-scenario.js';

describeSqliteScenario({
  name: 'SQLite init/sync through the CLI (in-process bus)',
  services: ['postgres'],
  databasePrefix: 'dr_scli_mem',
  busArgs: () => [],
  kafka: false,
});
