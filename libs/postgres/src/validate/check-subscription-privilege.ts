/**
 * The native path ends with CREATE SUBSCRIPTION on the target: superuser only up to 15; from 16
 * also members of pg_create_subscription with CREATE on the database. Amazon RDS lets
 * rds_superuser do it. Managed services often allow none of these, and the pipeline path then
 * does the same job without a subscription, so this is a warning, not a failure.
 */
import { quoteIdent } from '@database-replicator/core';
import { passed, warned, type CheckOutcome } from './validation-check.js';
import type { PostgresServerFacts } from './validation-facts.js';

/** First version with the pg_create_subscription role. */
const CREATE_SUBSCRIPTION_ROLE_VERSION_NUM = 160000;

/** Whether the target user may create the subscription of the native path. */
export function checkSubscriptionPrivilege(target: PostgresServerFacts): CheckOutcome {
  const user = target.user;
  if (target.superuser) return passed(`${user} is a superuser`);
  if (target.rdsSuperuser) return passed(`${user} is a member of rds_superuser`);
  const hasRole = target.versionNum >= CREATE_SUBSCRIPTION_ROLE_VERSION_NUM;
  if (hasRole && target.createSubscription && target.createInDatabase) {
    return passed(
      `${user} is a member of pg_create_subscription with CREATE on ${target.database}`,
    );
  }
  const grant = hasRole
    ? `, or GRANT pg_create_subscription TO ${quoteIdent(user)}; GRANT CREATE ON DATABASE ${quoteIdent(target.database)} TO ${quoteIdent(user)};`
    : '';
  return warned(
    `target cannot create subscriptions (managed service?): ${user} on ${target.where} is not a superuser${hasRole ? ' nor a member of pg_create_subscription with CREATE on the database' : ''}`,
    `Use \`init --via pipeline\`, which needs no subscription; or connect to the target as a superuser${grant}.`,
  );
}
