/**
 * Acceptance, Kafka: `init --via pipeline --enable-sync --bus kafka://…` and then
 * `sync --via pipeline --bus kafka://…` through the CLI under a continuous writer end with the
 * target equal to the source (init-sync-scenario.ts).
 */
import { describeInitSyncScenario } from './init-sync-scenario.js';
import { kafkaBusFlag } from './kafka-topics.js';

describeInitSyncScenario({
  name: 'init/sync --via pipeline on Kafka',
  services: ['postgres', 'kafka'],
  databasePrefix: 'dr_pcli_kafka',
  busArgs: () => ['--bus', kafkaBusFlag()],
  kafka: true,
});
