/**
 * pg_restore recreates the source's extensions with CREATE EXTENSION, which only works for an
 * extension whose files are installed on the target server (pg_available_extensions). One
 * available but not created yet is fine; one the target cannot install fails the restore.
 */
import { failed, listNames, passed, plural, type CheckOutcome } from './validation-check.js';
import type { PostgresServerFacts } from './validation-facts.js';

/** Every extension created on the source is installable on the target. */
export function checkExtensions(
  source: PostgresServerFacts,
  target: PostgresServerFacts,
): CheckOutcome {
  const available = new Set(target.availableExtensions);
  const missing = source.installedExtensions.filter((name) => !available.has(name));
  if (missing.length === 0) {
    const installed = new Set(target.installedExtensions);
    const toCreate = source.installedExtensions.filter((name) => !installed.has(name));
    return passed(
      `${plural(source.installedExtensions.length, 'source extension')} available on the target${toCreate.length > 0 ? ` (pg_restore creates ${listNames(toCreate)})` : ''}`,
    );
  }
  return failed(
    `extensions on the source but not available on the target ${target.where}: ${listNames(missing)}`,
    `Install the packages that provide ${listNames(missing)} on the target server (e.g. postgresql-<version>-<extension>), or enable them in the managed service's extension allow-list; pg_restore then creates them.`,
  );
}
