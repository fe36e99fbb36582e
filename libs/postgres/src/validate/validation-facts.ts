/**
 * The facts `validate` reads from the servers, as plain data: gathering them needs servers,
 * judging them does not, so every check is a pure function of these and is tested as a table.
 */
import type { TablePlan } from '@database-replicator/core';
import type { ReplicaIdentity } from '../introspect.js';

/** What one server (and the session's user and database on it) looks like. */
export type PostgresServerFacts = Readonly<{
  /** `host:port/database` as the URL spells it, for messages; never a password. */
  where: string;
  /** `current_user`. */
  user: string;
  /** `server_version_num`, e.g. 150018. */
  versionNum: number;
  /** `server_version`, e.g. `15.18 (Debian 15.18-0+deb12u1)`. */
  version: string;
  /** `current_database()`. */
  database: string;
  /** OID of the current database; with the start time, tells databases apart without a system identifier. */
  databaseOid: number;
  /** `pg_control_system().system_identifier` as a decimal string; null when not permitted. */
  systemIdentifier: string | null;
  /** `pg_postmaster_start_time()` as text (microseconds), readable by every user. */
  startedAt: string;
  walLevel: string;
  maxReplicationSlots: number;
  /** Slots that exist, active or not: each holds one of `max_replication_slots`. */
  usedReplicationSlots: number;
  maxWalSenders: number;
  /** Running walsender processes (physical and logical). */
  usedWalSenders: number;
  superuser: boolean;
  /** The REPLICATION attribute. */
  replication: boolean;
  /** Member of `rds_replication` (Amazon RDS and Aurora grant replication this way). */
  rdsReplication: boolean;
  /** Member of `rds_superuser` (Amazon RDS: may create subscriptions). */
  rdsSuperuser: boolean;
  /** Member of `pg_create_subscription` (PostgreSQL 16+; false where the role does not exist). */
  createSubscription: boolean;
  /** CREATE on the current database (publications, and subscriptions on 16+). */
  createInDatabase: boolean;
  /** `pg_extension` names. */
  installedExtensions: readonly string[];
  /** `pg_available_extensions` names: what CREATE EXTENSION can install. */
  availableExtensions: readonly string[];
}>;

/** One selected source table, with what replicating it needs. */
export type SourceTableFacts = Readonly<{
  plan: TablePlan;
  /** Primary-key columns; empty for a keyless table. */
  primaryKey: readonly string[];
  replicaIdentity: ReplicaIdentity;
  /** Table, TOAST and indexes (partitions included for a partitioned table), in bytes. */
  totalBytes: number;
  /** SELECT on the table for the connecting user. */
  canSelect: boolean;
  /** USAGE on the table's schema for the connecting user. */
  schemaUsage: boolean;
  /** The connecting user is (a member of) the owner; CREATE PUBLICATION … FOR TABLE needs it. */
  owned: boolean;
  /** Owner role name, for the fix. */
  owner: string;
}>;

/** A server `validate` could not connect to, with the connection error's message and fix. */
export type UnreachableServer = Readonly<{
  reached: false;
  where: string;
  message: string;
  fix: string;
}>;

/** A server `validate` connected to. */
export type ReachedServer = Readonly<{ reached: true; server: PostgresServerFacts }>;

/** Everything the checks judge. `tables` is null when the source was not reached. */
export type ValidationFacts = Readonly<{
  source: ReachedServer | UnreachableServer;
  target: ReachedServer | UnreachableServer;
  tables: readonly SourceTableFacts[] | null;
}>;
