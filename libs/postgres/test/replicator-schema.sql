CREATE SCHEMA _replicator;

CREATE TABLE _replicator.column_changes (
    schema_name text NOT NULL,
    table_name text NOT NULL,
    source_position jsonb NOT NULL,
    kind text NOT NULL,
    column_name text NOT NULL,
    new_name text,
    default_value jsonb,
    applied_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT column_changes_kind_check CHECK ((kind = ANY (ARRAY['add_column'::text, 'drop_column'::text, 'rename_column'::text])))
);

CREATE TABLE _replicator.extractor_checkpoints (
    job_id text NOT NULL,
    extractor_id text NOT NULL,
    checkpoint jsonb NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE _replicator.job_tables (
    job_id text NOT NULL,
    schema_name text NOT NULL,
    table_name text NOT NULL,
    key_columns text[] NOT NULL,
    estimated_rows bigint DEFAULT 0 NOT NULL,
    phase text DEFAULT 'pending'::text NOT NULL,
    rows_copied bigint DEFAULT 0 NOT NULL,
    snapshot_after_key jsonb,
    lease_owner text,
    lease_expires_at timestamp with time zone,
    lease_ms bigint,
    indexes text[] DEFAULT '{}'::text[] NOT NULL,
    last_error text,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    primary_key_deferred boolean DEFAULT false NOT NULL,
    snapshot_claims integer DEFAULT 0 NOT NULL,
    CONSTRAINT job_tables_phase_check CHECK ((phase = ANY (ARRAY['pending'::text, 'snapshot'::text, 'snapshot_done'::text, 'streaming'::text, 'failed'::text])))
);

CREATE TABLE _replicator.jobs (
    job_id text NOT NULL,
    source_kind text,
    source_name text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    incarnation text DEFAULT (gen_random_uuid())::text NOT NULL,
    CONSTRAINT jobs_source_kind_check CHECK ((source_kind = ANY (ARRAY['postgres'::text, 'mysql'::text, 'mongodb'::text, 'sqlite'::text])))
);

CREATE TABLE _replicator.migrations (
    id integer NOT NULL,
    name text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE _replicator.offsets (
    consumer_group text NOT NULL,
    topic text NOT NULL,
    partition integer NOT NULL,
    next_offset bigint NOT NULL,
    source_position jsonb,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE _replicator.verify_runs (
    id bigint NOT NULL,
    job text NOT NULL,
    trigger text NOT NULL,
    started_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone NOT NULL,
    status text NOT NULL,
    tables integer DEFAULT 0 NOT NULL,
    tables_differing integer DEFAULT 0 NOT NULL,
    ranges bigint DEFAULT 0 NOT NULL,
    rows_compared bigint DEFAULT 0 NOT NULL,
    missing bigint DEFAULT 0 NOT NULL,
    extra bigint DEFAULT 0 NOT NULL,
    different bigint DEFAULT 0 NOT NULL,
    repaired boolean DEFAULT false NOT NULL,
    differing_keys jsonb DEFAULT '[]'::jsonb NOT NULL,
    keys_truncated boolean DEFAULT false NOT NULL,
    error text,
    CONSTRAINT verify_runs_status_check CHECK ((status = ANY (ARRAY['ok'::text, 'different'::text, 'failed'::text]))),
    CONSTRAINT verify_runs_trigger_check CHECK ((trigger = ANY (ARRAY['cli'::text, 'service'::text])))
);

ALTER TABLE _replicator.verify_runs ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME _replicator.verify_runs_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

ALTER TABLE ONLY _replicator.column_changes
    ADD CONSTRAINT column_changes_pkey PRIMARY KEY (schema_name, table_name, source_position);

ALTER TABLE ONLY _replicator.extractor_checkpoints
    ADD CONSTRAINT extractor_checkpoints_pkey PRIMARY KEY (job_id, extractor_id);

ALTER TABLE ONLY _replicator.job_tables
    ADD CONSTRAINT job_tables_pkey PRIMARY KEY (job_id, schema_name, table_name);

ALTER TABLE ONLY _replicator.jobs
    ADD CONSTRAINT jobs_pkey PRIMARY KEY (job_id);

ALTER TABLE ONLY _replicator.migrations
    ADD CONSTRAINT migrations_pkey PRIMARY KEY (id);

ALTER TABLE ONLY _replicator.offsets
    ADD CONSTRAINT offsets_pkey PRIMARY KEY (consumer_group, topic, partition);

ALTER TABLE ONLY _replicator.verify_runs
    ADD CONSTRAINT verify_runs_pkey PRIMARY KEY (id);

CREATE UNIQUE INDEX jobs_incarnation ON _replicator.jobs USING btree (incarnation);

CREATE INDEX verify_runs_job_started_idx ON _replicator.verify_runs USING btree (job, started_at DESC);

ALTER TABLE ONLY _replicator.extractor_checkpoints
    ADD CONSTRAINT extractor_checkpoints_job_id_fkey FOREIGN KEY (job_id) REFERENCES _replicator.jobs(job_id) ON DELETE CASCADE;

ALTER TABLE ONLY _replicator.job_tables
    ADD CONSTRAINT job_tables_job_id_fkey FOREIGN KEY (job_id) REFERENCES _replicator.jobs(job_id) ON DELETE CASCADE;
