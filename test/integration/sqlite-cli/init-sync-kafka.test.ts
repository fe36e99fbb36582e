/** SQLite acceptance through Kafka, `--bus kafka://…` (init-sync-scenario.ts). */
import { kafkaBusFlag } from '../pipeline-cli/kafka-topics.js';
import { describeSqliteScenario } from './init-sync-scenario.js';

describeSqliteScenario({
  name: 'SQLite init/sync through the CLI (Kafka)',
  services: ['postgres', 'kafka'],
  databasePrefix: 'dr_scli_kafka',
  busArgs: () => ['--bus', kafkaBusFlag()],
  kafka: true,
});
