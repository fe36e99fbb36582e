/**
 * Acceptance, in-process bus: MariaDB → PostgreSQL with `init --enable-sync` under a writer ends
 * with the target equal to the source (mysql-e2e-scenario.ts).
 */
import { describeMysqlEndToEnd } from './mysql-e2e-scenario.js';

describeMysqlEndToEnd({
  name: 'MariaDB → PostgreSQL through the CLI on the in-process bus',
  services: ['mariadb', 'postgres'],
  prefix: 'dr_mcli_mem',
  busArgs: () => [],
  kafka: false,
});
