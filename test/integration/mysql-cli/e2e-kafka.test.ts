/**
 * Acceptance, Kafka: MariaDB → PostgreSQL with `init --enable-sync --bus kafka://…` under a
 * writer ends with the target equal to the source (mysql-e2e-scenario.ts).
 */
import { kafkaBusFlag } from '../pipeline-cli/kafka-topics.js';
import { describeMysqlEndToEnd } from './mysql-e2e-scenario.js';

describeMysqlEndToEnd({
  name: 'MariaDB → PostgreSQL through the CLI on Kafka',
  services: ['mariadb', 'postgres', 'kafka'],
  prefix: 'dr_mcli_kafka',
  busArgs: () => ['--bus', kafkaBusFlag()],
  kafka: true,
});
