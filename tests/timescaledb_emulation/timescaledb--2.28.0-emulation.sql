-- EMULATION of TimescaleDB 2.28 for hyperdump tests. NOT TimescaleDB.
--
-- TimescaleDB cannot be installed on the machines that build hyperdump, so
-- this pure SQL / PL/pgSQL extension reproduces what dump and restore touch:
--   * the _timescaledb_catalog tables in their 2.28 shape (columns, keys,
--     foreign keys), registered with pg_extension_config_dump with the same
--     filters as the real extension, and their id sequences;
--   * chunks: _timescaledb_internal._hyper_<ht>_<chunk>_chunk tables that
--     INHERIT the hypertable, with a constraint_<slice> CHECK per dimension;
--   * compression: compressed companion tables
--     _timescaledb_internal.compress_hyper_<cht>_<chunk>_chunk with columns of
--     type _timescaledb_internal.compressed_data, catalog links, status bits;
--   * continuous aggregates: materialization hypertable, partial/direct
--     views, user view, catalog rows, refresh policy;
--   * bgw_job rows (policies, ids >= 1000; default jobs below 1000);
--   * timescaledb_pre_restore() / timescaledb_post_restore() with the real
--     behaviour (database-level timescaledb.restoring, catalog version check).
-- Where the real extension uses C hooks, the emulation uses a BEFORE INSERT
-- trigger (insert routing) and an sql_drop event trigger (catalog cleanup);
-- both are off while timescaledb.restoring is on, as the real hooks are.
-- Functions prefixed emulation_ exist only here; tests call them only when
-- extversion says 'emulation'.
--
-- Table definitions follow TimescaleDB's sql/pre_install/tables.sql (2.27)
-- plus the 2.27 -> 2.28 update (dimension_slice.chunk_id, no
-- chunk_constraint, continuous_agg.schema_change_timestamp).

\echo Use "CREATE EXTENSION timescaledb" to load this file. \quit

SET LOCAL search_path TO pg_catalog, pg_temp;

CREATE SCHEMA _timescaledb_catalog;
CREATE SCHEMA _timescaledb_config;
CREATE SCHEMA _timescaledb_functions;
CREATE SCHEMA _timescaledb_internal;
CREATE SCHEMA _timescaledb_cache;
CREATE SCHEMA timescaledb_experimental;
CREATE SCHEMA timescaledb_information;

GRANT USAGE ON SCHEMA _timescaledb_cache, _timescaledb_catalog, _timescaledb_config,
  _timescaledb_functions, _timescaledb_internal, timescaledb_experimental,
  timescaledb_information TO PUBLIC;

-- ---------------------------------------------------------------------------
-- Types. compressed_data is a base type like the real one; its I/O reuses
-- bytea's (the real one is base64 of its own binary format). Binary-coercible
-- casts to and from bytea let the emulation fill and read it.
CREATE TYPE _timescaledb_internal.compressed_data;
CREATE FUNCTION _timescaledb_functions.compressed_data_in(cstring)
  RETURNS _timescaledb_internal.compressed_data AS 'byteain' LANGUAGE internal IMMUTABLE STRICT;
CREATE FUNCTION _timescaledb_functions.compressed_data_out(_timescaledb_internal.compressed_data)
  RETURNS cstring AS 'byteaout' LANGUAGE internal IMMUTABLE STRICT;
CREATE FUNCTION _timescaledb_functions.compressed_data_recv(internal)
  RETURNS _timescaledb_internal.compressed_data AS 'bytearecv' LANGUAGE internal IMMUTABLE STRICT;
CREATE FUNCTION _timescaledb_functions.compressed_data_send(_timescaledb_internal.compressed_data)
  RETURNS bytea AS 'byteasend' LANGUAGE internal IMMUTABLE STRICT;
CREATE TYPE _timescaledb_internal.compressed_data (
  INTERNALLENGTH = VARIABLE,
  STORAGE = EXTERNAL,
  INPUT = _timescaledb_functions.compressed_data_in,
  OUTPUT = _timescaledb_functions.compressed_data_out,
  RECEIVE = _timescaledb_functions.compressed_data_recv,
  SEND = _timescaledb_functions.compressed_data_send
);
CREATE CAST (bytea AS _timescaledb_internal.compressed_data) WITHOUT FUNCTION;
CREATE CAST (_timescaledb_internal.compressed_data AS bytea) WITHOUT FUNCTION;

-- ---------------------------------------------------------------------------
-- Catalog (2.28 shape).
CREATE SEQUENCE _timescaledb_catalog.hypertable_id_seq MINVALUE 1;

CREATE TABLE _timescaledb_catalog.hypertable (
  id INTEGER NOT NULL DEFAULT nextval('_timescaledb_catalog.hypertable_id_seq'),
  schema_name name NOT NULL,
  table_name name NOT NULL,
  associated_schema_name name NOT NULL,
  associated_table_prefix name NOT NULL,
  num_dimensions smallint NOT NULL,
  chunk_sizing_func_schema name NOT NULL,
  chunk_sizing_func_name name NOT NULL,
  chunk_target_size bigint NOT NULL,
  compression_state smallint NOT NULL DEFAULT 0,
  compressed_hypertable_id integer,
  status int NOT NULL DEFAULT 0,
  CONSTRAINT hypertable_pkey PRIMARY KEY (id),
  CONSTRAINT hypertable_associated_schema_name_associated_table_prefix_key UNIQUE (associated_schema_name, associated_table_prefix),
  CONSTRAINT hypertable_table_name_schema_name_key UNIQUE (table_name, schema_name),
  CONSTRAINT hypertable_schema_name_check CHECK (schema_name != '_timescaledb_catalog'),
  CONSTRAINT hypertable_dim_compress_check CHECK (num_dimensions > 0 OR compression_state = 2),
  CONSTRAINT hypertable_compress_check CHECK ((compression_state = 0 OR compression_state = 1) OR (compression_state = 2 AND compressed_hypertable_id IS NULL))
);
ALTER SEQUENCE _timescaledb_catalog.hypertable_id_seq OWNED BY _timescaledb_catalog.hypertable.id;
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.hypertable_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.hypertable', 'WHERE id >= 1');

CREATE TABLE _timescaledb_catalog.tablespace (
  id serial NOT NULL,
  hypertable_id int NOT NULL,
  tablespace_name name NOT NULL,
  CONSTRAINT tablespace_pkey PRIMARY KEY (id),
  CONSTRAINT tablespace_hypertable_id_tablespace_name_key UNIQUE (hypertable_id, tablespace_name),
  CONSTRAINT tablespace_hypertable_id_fkey FOREIGN KEY (hypertable_id) REFERENCES _timescaledb_catalog.hypertable (id) ON DELETE CASCADE
);
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.tablespace', '');

CREATE TABLE _timescaledb_catalog.dimension (
  id serial NOT NULL,
  hypertable_id integer NOT NULL,
  column_name name NOT NULL,
  column_type REGTYPE NOT NULL,
  aligned boolean NOT NULL,
  num_slices smallint NULL,
  partitioning_func_schema name NULL,
  partitioning_func name NULL,
  interval_length bigint NULL,
  compress_interval_length bigint NULL,
  integer_now_func_schema name NULL,
  integer_now_func name NULL,
  CONSTRAINT dimension_pkey PRIMARY KEY (id),
  CONSTRAINT dimension_hypertable_id_column_name_key UNIQUE (hypertable_id, column_name),
  CONSTRAINT dimension_check CHECK ((partitioning_func_schema IS NULL AND partitioning_func IS NULL) OR (partitioning_func_schema IS NOT NULL AND partitioning_func IS NOT NULL)),
  CONSTRAINT dimension_check1 CHECK ((num_slices IS NULL AND interval_length IS NOT NULL) OR (num_slices IS NOT NULL AND interval_length IS NULL)),
  CONSTRAINT dimension_check2 CHECK ((integer_now_func_schema IS NULL AND integer_now_func IS NULL) OR (integer_now_func_schema IS NOT NULL AND integer_now_func IS NOT NULL)),
  CONSTRAINT dimension_interval_length_check CHECK (interval_length IS NULL OR interval_length > 0),
  CONSTRAINT dimension_compress_interval_length_check CHECK (compress_interval_length IS NULL OR compress_interval_length > 0),
  CONSTRAINT dimension_hypertable_id_fkey FOREIGN KEY (hypertable_id) REFERENCES _timescaledb_catalog.hypertable (id) ON DELETE CASCADE
);
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.dimension', '');
SELECT pg_catalog.pg_extension_config_dump(pg_get_serial_sequence('_timescaledb_catalog.dimension', 'id'), '');

CREATE SEQUENCE _timescaledb_catalog.chunk_id_seq MINVALUE 1;
CREATE TABLE _timescaledb_catalog.chunk (
  id integer NOT NULL DEFAULT nextval('_timescaledb_catalog.chunk_id_seq'),
  hypertable_id int NOT NULL,
  schema_name name NOT NULL,
  table_name name NOT NULL,
  compressed_chunk_id integer,
  status integer NOT NULL DEFAULT 0,
  osm_chunk boolean NOT NULL DEFAULT FALSE,
  creation_time timestamptz NOT NULL,
  CONSTRAINT chunk_pkey PRIMARY KEY (id),
  CONSTRAINT chunk_schema_name_table_name_key UNIQUE (schema_name, table_name),
  CONSTRAINT chunk_hypertable_id_fkey FOREIGN KEY (hypertable_id) REFERENCES _timescaledb_catalog.hypertable (id)
);
ALTER SEQUENCE _timescaledb_catalog.chunk_id_seq OWNED BY _timescaledb_catalog.chunk.id;
CREATE INDEX chunk_hypertable_id_idx ON _timescaledb_catalog.chunk (hypertable_id);
CREATE INDEX chunk_compressed_chunk_id_idx ON _timescaledb_catalog.chunk (compressed_chunk_id);
CREATE INDEX chunk_osm_chunk_idx ON _timescaledb_catalog.chunk (osm_chunk, hypertable_id);
CREATE INDEX chunk_hypertable_id_creation_time_idx ON _timescaledb_catalog.chunk (hypertable_id, creation_time);
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.chunk', '');
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.chunk_id_seq', '');

-- 2.28: one slice per (chunk, dimension); chunk_constraint is gone.
CREATE TABLE _timescaledb_catalog.dimension_slice (
  id serial NOT NULL,
  chunk_id integer NOT NULL,
  dimension_id integer NOT NULL,
  range_start bigint NOT NULL,
  range_end bigint NOT NULL,
  CONSTRAINT dimension_slice_pkey PRIMARY KEY (id),
  CONSTRAINT dimension_slice_chunk_id_dimension_id_key UNIQUE (chunk_id, dimension_id),
  CONSTRAINT dimension_slice_check CHECK (range_start <= range_end),
  CONSTRAINT dimension_slice_chunk_id_fkey FOREIGN KEY (chunk_id) REFERENCES _timescaledb_catalog.chunk (id) ON DELETE CASCADE,
  CONSTRAINT dimension_slice_dimension_id_fkey FOREIGN KEY (dimension_id) REFERENCES _timescaledb_catalog.dimension (id) ON DELETE CASCADE
);
CREATE INDEX dimension_slice_dimension_id_range_start_range_end_idx
  ON _timescaledb_catalog.dimension_slice (dimension_id, range_start, range_end);
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.dimension_slice', '');
SELECT pg_catalog.pg_extension_config_dump(pg_get_serial_sequence('_timescaledb_catalog.dimension_slice', 'id'), '');

CREATE TABLE _timescaledb_catalog.chunk_column_stats (
  id serial NOT NULL,
  hypertable_id integer NOT NULL,
  chunk_id integer NULL,
  column_name name NOT NULL,
  range_start bigint NOT NULL,
  range_end bigint NOT NULL,
  valid boolean NOT NULL,
  CONSTRAINT chunk_column_stats_pkey PRIMARY KEY (id),
  CONSTRAINT chunk_column_stats_ht_id_chunk_id_colname_key UNIQUE (hypertable_id, chunk_id, column_name),
  CONSTRAINT chunk_column_stats_range_check CHECK (range_start <= range_end),
  CONSTRAINT chunk_column_stats_hypertable_id_fkey FOREIGN KEY (hypertable_id) REFERENCES _timescaledb_catalog.hypertable (id),
  CONSTRAINT chunk_column_stats_chunk_id_fkey FOREIGN KEY (chunk_id) REFERENCES _timescaledb_catalog.chunk (id)
);
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.chunk_column_stats', '');
SELECT pg_catalog.pg_extension_config_dump(pg_get_serial_sequence('_timescaledb_catalog.chunk_column_stats', 'id'), '');

-- Jobs: ids below 1000 are the default jobs every installation creates
-- (never dumped); user jobs start at 1000. In _timescaledb_config before 2.25.
CREATE SEQUENCE _timescaledb_catalog.bgw_job_id_seq MINVALUE 1000;
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.bgw_job_id_seq', '');
CREATE TABLE _timescaledb_catalog.bgw_job (
  id integer NOT NULL DEFAULT nextval('_timescaledb_catalog.bgw_job_id_seq'),
  application_name name NOT NULL,
  schedule_interval interval NOT NULL,
  max_runtime interval NOT NULL,
  max_retries integer NOT NULL,
  retry_period interval NOT NULL,
  proc_schema name NOT NULL,
  proc_name name NOT NULL,
  owner regrole NOT NULL DEFAULT pg_catalog.quote_ident(current_role)::regrole,
  scheduled bool NOT NULL DEFAULT TRUE,
  fixed_schedule bool NOT NULL DEFAULT TRUE,
  initial_start timestamptz,
  hypertable_id integer,
  config jsonb,
  check_schema name,
  check_name name,
  timezone text,
  CONSTRAINT bgw_job_pkey PRIMARY KEY (id),
  CONSTRAINT bgw_job_hypertable_id_fkey FOREIGN KEY (hypertable_id) REFERENCES _timescaledb_catalog.hypertable (id) ON DELETE CASCADE
);
ALTER SEQUENCE _timescaledb_catalog.bgw_job_id_seq OWNED BY _timescaledb_catalog.bgw_job.id;
CREATE INDEX bgw_job_proc_hypertable_id_idx ON _timescaledb_catalog.bgw_job (proc_schema, proc_name, hypertable_id);
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.bgw_job', 'WHERE id >= 1000');

-- Job statistics are deliberately not dumped (as in the real extension).
CREATE TABLE _timescaledb_internal.bgw_job_stat (
  job_id integer NOT NULL,
  last_start timestamptz NOT NULL DEFAULT NOW(),
  last_finish timestamptz NOT NULL,
  next_start timestamptz NOT NULL,
  last_successful_finish timestamptz NOT NULL,
  last_run_success bool NOT NULL,
  total_runs bigint NOT NULL,
  total_duration interval NOT NULL,
  total_duration_failures interval NOT NULL,
  total_successes bigint NOT NULL,
  total_failures bigint NOT NULL,
  total_crashes bigint NOT NULL,
  consecutive_failures int NOT NULL,
  consecutive_crashes int NOT NULL,
  flags int NOT NULL DEFAULT 0,
  CONSTRAINT bgw_job_stat_pkey PRIMARY KEY (job_id),
  CONSTRAINT bgw_job_stat_job_id_fkey FOREIGN KEY (job_id) REFERENCES _timescaledb_catalog.bgw_job (id) ON DELETE CASCADE
);

CREATE TABLE _timescaledb_internal.bgw_policy_chunk_stats (
  job_id integer NOT NULL,
  chunk_id integer NOT NULL,
  num_times_job_run integer,
  last_time_job_run timestamptz,
  CONSTRAINT bgw_policy_chunk_stats_job_id_chunk_id_key UNIQUE (job_id, chunk_id),
  CONSTRAINT bgw_policy_chunk_stats_chunk_id_fkey FOREIGN KEY (chunk_id) REFERENCES _timescaledb_catalog.chunk (id) ON DELETE CASCADE,
  CONSTRAINT bgw_policy_chunk_stats_job_id_fkey FOREIGN KEY (job_id) REFERENCES _timescaledb_catalog.bgw_job (id) ON DELETE CASCADE
);

CREATE TABLE _timescaledb_catalog.metadata (
  key NAME NOT NULL,
  value text NOT NULL,
  include_in_telemetry boolean NOT NULL,
  CONSTRAINT metadata_pkey PRIMARY KEY (key)
);
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.metadata', $$ WHERE key <> 'uuid' $$);

CREATE TABLE _timescaledb_catalog.telemetry_event (
  created timestamptz NOT NULL DEFAULT current_timestamp,
  tag name NOT NULL,
  body jsonb NOT NULL
);

CREATE TABLE _timescaledb_catalog.continuous_agg (
  mat_hypertable_id integer NOT NULL,
  raw_hypertable_id integer NOT NULL,
  parent_mat_hypertable_id integer,
  user_view_schema name NOT NULL,
  user_view_name name NOT NULL,
  partial_view_schema name NOT NULL,
  partial_view_name name NOT NULL,
  direct_view_schema name NOT NULL,
  direct_view_name name NOT NULL,
  materialized_only bool NOT NULL DEFAULT FALSE,
  schema_change_timestamp bigint,
  CONSTRAINT continuous_agg_pkey PRIMARY KEY (mat_hypertable_id),
  CONSTRAINT continuous_agg_partial_view_schema_partial_view_name_key UNIQUE (partial_view_schema, partial_view_name),
  CONSTRAINT continuous_agg_user_view_schema_user_view_name_key UNIQUE (user_view_schema, user_view_name),
  CONSTRAINT continuous_agg_mat_hypertable_id_fkey FOREIGN KEY (mat_hypertable_id) REFERENCES _timescaledb_catalog.hypertable (id) ON DELETE CASCADE,
  CONSTRAINT continuous_agg_raw_hypertable_id_fkey FOREIGN KEY (raw_hypertable_id) REFERENCES _timescaledb_catalog.hypertable (id) ON DELETE CASCADE,
  CONSTRAINT continuous_agg_parent_mat_hypertable_id_fkey FOREIGN KEY (parent_mat_hypertable_id)
    REFERENCES _timescaledb_catalog.continuous_agg (mat_hypertable_id) ON DELETE CASCADE
);
CREATE INDEX continuous_agg_raw_hypertable_id_idx ON _timescaledb_catalog.continuous_agg (raw_hypertable_id);
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.continuous_agg', '');

CREATE TABLE _timescaledb_catalog.continuous_aggs_bucket_function (
  mat_hypertable_id integer NOT NULL,
  bucket_func text NOT NULL,
  bucket_width text NOT NULL,
  bucket_origin text,
  bucket_offset text,
  bucket_timezone text,
  bucket_fixed_width bool NOT NULL,
  CONSTRAINT continuous_aggs_bucket_function_pkey PRIMARY KEY (mat_hypertable_id),
  CONSTRAINT continuous_aggs_bucket_function_mat_hypertable_id_fkey FOREIGN KEY (mat_hypertable_id) REFERENCES _timescaledb_catalog.hypertable (id) ON DELETE CASCADE,
  CONSTRAINT continuous_aggs_bucket_function_func_check CHECK (pg_catalog.to_regprocedure(bucket_func) IS DISTINCT FROM 0)
);
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.continuous_aggs_bucket_function', '');

CREATE TABLE _timescaledb_catalog.continuous_aggs_invalidation_threshold (
  hypertable_id integer NOT NULL,
  watermark bigint NOT NULL,
  CONSTRAINT continuous_aggs_invalidation_threshold_pkey PRIMARY KEY (hypertable_id),
  CONSTRAINT continuous_aggs_invalidation_threshold_hypertable_id_fkey FOREIGN KEY (hypertable_id) REFERENCES _timescaledb_catalog.hypertable (id) ON DELETE CASCADE
);
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.continuous_aggs_invalidation_threshold', '');

CREATE TABLE _timescaledb_catalog.continuous_aggs_watermark (
  mat_hypertable_id integer NOT NULL,
  watermark bigint NOT NULL,
  CONSTRAINT continuous_aggs_watermark_pkey PRIMARY KEY (mat_hypertable_id),
  CONSTRAINT continuous_aggs_watermark_mat_hypertable_id_fkey FOREIGN KEY (mat_hypertable_id) REFERENCES _timescaledb_catalog.continuous_agg (mat_hypertable_id) ON DELETE CASCADE
);
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.continuous_aggs_watermark', '');

CREATE TABLE _timescaledb_catalog.continuous_aggs_hypertable_invalidation_log (
  hypertable_id integer NOT NULL,
  lowest_modified_value bigint NOT NULL,
  greatest_modified_value bigint NOT NULL
);
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.continuous_aggs_hypertable_invalidation_log', '');
CREATE INDEX continuous_aggs_hypertable_invalidation_log_idx ON _timescaledb_catalog.continuous_aggs_hypertable_invalidation_log (hypertable_id, lowest_modified_value ASC);

CREATE TABLE _timescaledb_catalog.continuous_aggs_materialization_invalidation_log (
  materialization_id integer,
  lowest_modified_value bigint NOT NULL,
  greatest_modified_value bigint NOT NULL,
  CONSTRAINT continuous_aggs_materialization_invalid_materialization_id_fkey FOREIGN KEY (materialization_id) REFERENCES _timescaledb_catalog.continuous_agg (mat_hypertable_id) ON DELETE CASCADE
);
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.continuous_aggs_materialization_invalidation_log', '');
CREATE INDEX continuous_aggs_materialization_invalidation_log_idx ON _timescaledb_catalog.continuous_aggs_materialization_invalidation_log (materialization_id, lowest_modified_value ASC);

CREATE TABLE _timescaledb_catalog.continuous_aggs_materialization_ranges (
  materialization_id integer,
  lowest_modified_value bigint NOT NULL,
  greatest_modified_value bigint NOT NULL,
  CONSTRAINT continuous_aggs_materialization_ranges_materialization_id_fkey FOREIGN KEY (materialization_id) REFERENCES _timescaledb_catalog.continuous_agg (mat_hypertable_id) ON DELETE CASCADE
);
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.continuous_aggs_materialization_ranges', '');
CREATE INDEX continuous_aggs_materialization_ranges_idx ON _timescaledb_catalog.continuous_aggs_materialization_ranges (materialization_id, lowest_modified_value ASC);

CREATE TABLE _timescaledb_catalog.continuous_aggs_jobs_refresh_ranges (
  materialization_id integer NOT NULL,
  start_range bigint NOT NULL,
  end_range bigint NOT NULL,
  pid integer NOT NULL,
  job_id integer NOT NULL,
  created_at timestamptz NOT NULL,
  CONSTRAINT continuous_aggs_jobs_refresh_ranges_materialization_id_fkey FOREIGN KEY (materialization_id) REFERENCES _timescaledb_catalog.continuous_agg (mat_hypertable_id) ON DELETE CASCADE
);
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.continuous_aggs_jobs_refresh_ranges', '');
CREATE INDEX continuous_aggs_jobs_refresh_ranges_idx ON _timescaledb_catalog.continuous_aggs_jobs_refresh_ranges (materialization_id);

-- Not dumped: filled by the installation.
CREATE TABLE _timescaledb_catalog.compression_algorithm (
  id smallint NOT NULL,
  version smallint NOT NULL,
  name name NOT NULL,
  description text,
  CONSTRAINT compression_algorithm_pkey PRIMARY KEY (id)
);

-- relid names the hypertable (settings) or a chunk (then compress_relid is
-- its compressed companion): regclass columns, so the tables must exist
-- before these rows load.
CREATE TABLE _timescaledb_catalog.compression_settings (
  relid regclass NOT NULL,
  compress_relid regclass NULL,
  segmentby text[],
  orderby text[],
  orderby_desc bool[],
  orderby_nullsfirst bool[],
  index jsonb,
  CONSTRAINT compression_settings_pkey PRIMARY KEY (relid),
  CONSTRAINT compression_settings_check_segmentby CHECK (array_ndims(segmentby) = 1),
  CONSTRAINT compression_settings_check_orderby_null CHECK ((orderby IS NULL AND orderby_desc IS NULL AND orderby_nullsfirst IS NULL) OR (orderby IS NOT NULL AND orderby_desc IS NOT NULL AND orderby_nullsfirst IS NOT NULL)),
  CONSTRAINT compression_settings_check_orderby_cardinality CHECK (array_ndims(orderby) = 1 AND array_ndims(orderby_desc) = 1 AND array_ndims(orderby_nullsfirst) = 1 AND cardinality(orderby) = cardinality(orderby_desc) AND cardinality(orderby) = cardinality(orderby_nullsfirst))
);
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.compression_settings', '');
CREATE INDEX compression_settings_compress_relid_idx ON _timescaledb_catalog.compression_settings (compress_relid);

CREATE TABLE _timescaledb_catalog.compression_chunk_size (
  chunk_id integer NOT NULL,
  compressed_chunk_id integer NOT NULL,
  uncompressed_heap_size bigint NOT NULL,
  uncompressed_toast_size bigint NOT NULL,
  uncompressed_index_size bigint NOT NULL,
  compressed_heap_size bigint NOT NULL,
  compressed_toast_size bigint NOT NULL,
  compressed_index_size bigint NOT NULL,
  numrows_pre_compression bigint,
  numrows_post_compression bigint,
  numrows_frozen_immediately bigint,
  CONSTRAINT compression_chunk_size_pkey PRIMARY KEY (chunk_id),
  CONSTRAINT compression_chunk_size_chunk_id_fkey FOREIGN KEY (chunk_id) REFERENCES _timescaledb_catalog.chunk (id) ON DELETE CASCADE,
  CONSTRAINT compression_chunk_size_compressed_chunk_id_fkey FOREIGN KEY (compressed_chunk_id) REFERENCES _timescaledb_catalog.chunk (id) ON DELETE CASCADE
);
CREATE INDEX compression_chunk_size_idx ON _timescaledb_catalog.compression_chunk_size (compressed_chunk_id);
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.compression_chunk_size', '');

CREATE TABLE _timescaledb_catalog.chunk_rewrite (
  chunk_relid REGCLASS NOT NULL,
  new_relid REGCLASS NOT NULL,
  CONSTRAINT chunk_rewrite_key UNIQUE (chunk_relid)
);

CREATE TABLE _timescaledb_cache.cache_inval_hypertable();
CREATE TABLE _timescaledb_cache.cache_inval_bgw_job();
CREATE TABLE _timescaledb_cache.cache_inval_extension();

GRANT SELECT ON ALL TABLES IN SCHEMA _timescaledb_catalog TO PUBLIC;
GRANT SELECT ON ALL TABLES IN SCHEMA _timescaledb_internal TO PUBLIC;
GRANT SELECT ON ALL SEQUENCES IN SCHEMA _timescaledb_catalog TO PUBLIC;
GRANT SELECT ON ALL TABLES IN SCHEMA _timescaledb_cache TO PUBLIC;

INSERT INTO _timescaledb_catalog.compression_algorithm (id, version, name, description) VALUES
  (0, 1, 'COMPRESSION_ALGORITHM_NONE', 'no compression'),
  (1, 1, 'COMPRESSION_ALGORITHM_ARRAY', 'array'),
  (2, 1, 'COMPRESSION_ALGORITHM_DICTIONARY', 'dictionary'),
  (3, 1, 'COMPRESSION_ALGORITHM_GORILLA', 'gorilla'),
  (4, 1, 'COMPRESSION_ALGORITHM_DELTADELTA', 'deltadelta'),
  (5, 1, 'COMPRESSION_ALGORITHM_BOOL', 'bool'),
  (6, 1, 'COMPRESSION_ALGORITHM_NULL', 'null'),
  (7, 1, 'COMPRESSION_ALGORITHM_UUID', 'uuid');

-- ---------------------------------------------------------------------------
-- Metadata: the BEFORE INSERT trigger turns duplicate keys into updates so
-- that a dump's metadata rows load over the ones CREATE EXTENSION wrote.
CREATE FUNCTION _timescaledb_functions.metadata_insert_trigger() RETURNS TRIGGER LANGUAGE plpgsql
AS $$
BEGIN
  IF EXISTS (SELECT FROM _timescaledb_catalog.metadata WHERE key = NEW.key) THEN
    UPDATE _timescaledb_catalog.metadata SET value = NEW.value WHERE key = NEW.key;
    RETURN NULL;
  END IF;
  RETURN NEW;
END
$$ SET search_path TO pg_catalog, pg_temp;
CREATE TRIGGER metadata_insert_trigger BEFORE INSERT ON _timescaledb_catalog.metadata
  FOR EACH ROW EXECUTE PROCEDURE _timescaledb_functions.metadata_insert_trigger();

INSERT INTO _timescaledb_catalog.metadata VALUES
  ('uuid', gen_random_uuid()::text, true),
  ('exported_uuid', gen_random_uuid()::text, true),
  ('install_timestamp', now()::text, true),
  ('timescaledb_version', '2.28.0-emulation', false);

-- Default jobs (ids below 1000: never dumped).
INSERT INTO _timescaledb_catalog.bgw_job (id, application_name, schedule_interval, max_runtime,
    max_retries, retry_period, proc_schema, proc_name, owner, scheduled, fixed_schedule, config,
    check_schema, check_name)
VALUES
  (1, 'Telemetry Reporter [1]', '24:00:00', '100:00:00', -1, '01:00:00',
   '_timescaledb_functions', 'policy_telemetry', 'pg_database_owner', true, true, NULL, NULL, NULL),
  (3, 'Job History Log Retention Policy [3]', '1 mon', '01:00:00', -1, '01:00:00',
   '_timescaledb_functions', 'policy_job_stat_history_retention', 'pg_database_owner', true, true,
   '{"drop_after": "1 month"}', '_timescaledb_functions', 'policy_job_stat_history_retention_check');

-- ---------------------------------------------------------------------------
-- Time helpers (internal time = microseconds since the Unix epoch, UTC).
CREATE FUNCTION _timescaledb_functions.time_to_internal(time_val anyelement) RETURNS bigint
  LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT (extract(epoch FROM $1) * 1000000)::bigint $$;
CREATE FUNCTION _timescaledb_functions.to_unix_microseconds(ts timestamptz) RETURNS bigint
  LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT (extract(epoch FROM ts) * 1000000)::bigint $$;
CREATE FUNCTION _timescaledb_functions.to_timestamp(unixtime_us bigint) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT 'epoch'::timestamptz + unixtime_us * interval '1 microsecond' $$;
CREATE FUNCTION _timescaledb_functions.to_timestamp_without_timezone(unixtime_us bigint) RETURNS timestamp
  LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT 'epoch'::timestamp + unixtime_us * interval '1 microsecond' $$;
CREATE FUNCTION _timescaledb_functions.to_date(unixtime_us bigint) RETURNS date
  LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT ('epoch'::timestamp + unixtime_us * interval '1 microsecond')::date $$;
CREATE FUNCTION _timescaledb_functions.interval_to_usec(chunk_interval interval) RETURNS bigint
  LANGUAGE sql IMMUTABLE AS $$ SELECT (extract(epoch FROM chunk_interval) * 1000000)::bigint $$;

-- A literal of the dimension's type for an internal time, for CHECKs.
CREATE FUNCTION _timescaledb_functions.emulation_internal_to_literal(us bigint, t regtype) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  IF t = 'timestamptz'::regtype THEN
    RETURN format('%L::timestamp with time zone', _timescaledb_functions.to_timestamp(us));
  ELSIF t = 'timestamp'::regtype THEN
    RETURN format('%L::timestamp without time zone', _timescaledb_functions.to_timestamp_without_timezone(us));
  ELSIF t = 'date'::regtype THEN
    RETURN format('%L::date', _timescaledb_functions.to_date(us));
  END IF;
  RAISE EXCEPTION 'emulation: unsupported time column type %', t;
END
$$ SET search_path TO pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.time_bucket(bucket_width interval, ts timestamptz) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT date_bin(bucket_width, ts, '2000-01-03 00:00:00+00'::timestamptz) $$;
CREATE FUNCTION @extschema@.time_bucket(bucket_width interval, ts timestamp) RETURNS timestamp
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT date_bin(bucket_width, ts, '2000-01-03 00:00:00'::timestamp) $$;

CREATE FUNCTION _timescaledb_functions.stop_background_workers() RETURNS bool
  LANGUAGE sql AS $$ SELECT true $$;  -- emulation: there are no background workers
CREATE FUNCTION _timescaledb_functions.restart_background_workers() RETURNS bool
  LANGUAGE sql AS $$ SELECT true $$;
CREATE FUNCTION _timescaledb_functions.emulation_restoring() RETURNS bool
  LANGUAGE sql STABLE AS $$ SELECT coalesce(current_setting('timescaledb.restoring', true), 'off') IN ('on', 'true', '1') $$;

-- ---------------------------------------------------------------------------
-- Restore window: the real functions' bodies.
CREATE FUNCTION @extschema@.timescaledb_pre_restore() RETURNS bool AS
$BODY$
DECLARE
    db text;
BEGIN
    SELECT current_database() INTO db;
    EXECUTE format($$ALTER DATABASE %I SET timescaledb.restoring ='on'$$, db);
    SET SESSION timescaledb.restoring = 'on';
    PERFORM _timescaledb_functions.stop_background_workers();
    RETURN true;
END
$BODY$
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SECURITY DEFINER;

CREATE FUNCTION @extschema@.timescaledb_post_restore() RETURNS bool AS
$BODY$
DECLARE
    db text;
    catalog_version text;
    installed text;
BEGIN
    SELECT x.extversion INTO installed FROM pg_extension x WHERE x.extname = 'timescaledb';
    SELECT m.value INTO catalog_version FROM pg_extension x
    JOIN _timescaledb_catalog.metadata m ON m.key='timescaledb_version'
    WHERE x.extname='timescaledb' AND x.extversion <> m.value;

    -- check that a loaded dump is compatible with the currently running code
    IF FOUND THEN
        RAISE EXCEPTION 'catalog version mismatch, expected "%" seen "%"', installed, catalog_version;
    END IF;

    SELECT current_database() INTO db;
    EXECUTE format($$ALTER DATABASE %I RESET timescaledb.restoring $$, db);
    -- we cannot use reset here because the reset_val might not be off
    SET timescaledb.restoring TO off;
    PERFORM _timescaledb_functions.restart_background_workers();

    RETURN true;
END
$BODY$
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SECURITY DEFINER;
REVOKE EXECUTE ON FUNCTION @extschema@.timescaledb_pre_restore() FROM public;
REVOKE EXECUTE ON FUNCTION @extschema@.timescaledb_post_restore() FROM public;

-- ---------------------------------------------------------------------------
-- Hypertables and chunks.

-- Looks up the hypertable row of a relation; raises the real error if none.
CREATE FUNCTION _timescaledb_functions.emulation_hypertable(relation regclass)
RETURNS _timescaledb_catalog.hypertable LANGUAGE plpgsql STABLE AS $$
DECLARE
  h _timescaledb_catalog.hypertable;
BEGIN
  SELECT ht.* INTO h FROM _timescaledb_catalog.hypertable ht
    JOIN pg_class c ON c.relname = ht.table_name
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = ht.schema_name
   WHERE c.oid = relation;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'table "%" is not a hypertable', relation USING ERRCODE = 'TS102';
  END IF;
  RETURN h;
END
$$ SET search_path TO pg_catalog, pg_temp;

-- Makes `relation` a hypertable with the given id (continuous aggregates need
-- the id before the table exists). Records hypertable and dimension rows, sets
-- the time column NOT NULL, adds the default index and the insert router.
CREATE FUNCTION _timescaledb_functions.emulation_make_hypertable(
    relation regclass, time_column_name name, chunk_interval interval, ht_id integer,
    create_default_indexes boolean)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  nsp name;
  rel name;
  coltype regtype;
  nonempty integer;
BEGIN
  SELECT n.nspname, c.relname INTO nsp, rel
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = relation;
  SELECT a.atttypid::regtype INTO coltype FROM pg_attribute a
   WHERE a.attrelid = relation AND a.attname = time_column_name AND NOT a.attisdropped AND a.attnum > 0;
  IF coltype IS NULL THEN
    RAISE EXCEPTION 'column "%" does not exist', time_column_name USING ERRCODE = 'undefined_column';
  END IF;
  IF coltype NOT IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype) THEN
    RAISE EXCEPTION 'emulation: time column "%" has type %, only timestamptz, timestamp and date are emulated',
      time_column_name, coltype;
  END IF;
  IF EXISTS (SELECT FROM pg_inherits WHERE inhparent = relation) THEN
    RAISE EXCEPTION 'table "%" is not empty', rel USING ERRCODE = 'TS110';
  END IF;
  EXECUTE format('SELECT 1 FROM ONLY %s LIMIT 1', relation) INTO nonempty;
  IF nonempty IS NOT NULL THEN
    RAISE EXCEPTION 'table "%" is not empty', rel
      USING ERRCODE = 'TS110', HINT = 'You can migrate data by specifying migrate_data => true when calling this function.';
  END IF;
  EXECUTE format('ALTER TABLE %s ALTER COLUMN %I SET NOT NULL', relation, time_column_name);
  INSERT INTO _timescaledb_catalog.hypertable (id, schema_name, table_name, associated_schema_name,
      associated_table_prefix, num_dimensions, chunk_sizing_func_schema, chunk_sizing_func_name,
      chunk_target_size, compression_state, compressed_hypertable_id, status)
  VALUES (ht_id, nsp, rel, '_timescaledb_internal', format('_hyper_%s', ht_id), 1,
      '_timescaledb_functions', 'calculate_chunk_interval', 0, 0, NULL, 0);
  INSERT INTO _timescaledb_catalog.dimension (hypertable_id, column_name, column_type, aligned,
      interval_length)
  VALUES (ht_id, time_column_name, coltype, true, _timescaledb_functions.interval_to_usec(chunk_interval));
  IF create_default_indexes THEN
    EXECUTE format('CREATE INDEX %I ON %s (%I DESC)', rel || '_' || time_column_name || '_idx',
                   relation, time_column_name);
  END IF;
  EXECUTE format('CREATE TRIGGER ts_emulation_insert_router BEFORE INSERT ON %s FOR EACH ROW '
                 'EXECUTE FUNCTION _timescaledb_functions.emulation_insert_router()', relation);
END
$$ SET search_path TO pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.create_hypertable(
    relation regclass, time_column_name name, chunk_time_interval interval DEFAULT '7 days',
    if_not_exists boolean DEFAULT false, create_default_indexes boolean DEFAULT true)
RETURNS TABLE (hypertable_id integer, schema_name name, table_name name, created boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  h _timescaledb_catalog.hypertable;
  new_id integer;
BEGIN
  SELECT ht.* INTO h FROM _timescaledb_catalog.hypertable ht
    JOIN pg_class c ON c.relname = ht.table_name
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = ht.schema_name
   WHERE c.oid = $1;
  IF FOUND THEN
    IF $4 THEN
      RAISE NOTICE 'table "%" is already a hypertable, skipping', h.table_name;
      RETURN QUERY SELECT h.id, h.schema_name, h.table_name, false;
      RETURN;
    END IF;
    RAISE EXCEPTION 'table "%" is already a hypertable', h.table_name USING ERRCODE = 'TS110';
  END IF;
  new_id := nextval('_timescaledb_catalog.hypertable_id_seq');
  PERFORM _timescaledb_functions.emulation_make_hypertable($1, $2, $3, new_id, $5);
  RETURN QUERY SELECT ht.id, ht.schema_name, ht.table_name, true
                 FROM _timescaledb_catalog.hypertable ht WHERE ht.id = new_id;
END
$$ SET search_path TO pg_catalog, pg_temp;

-- The 2.13+ API: create_hypertable('t', by_range('time', INTERVAL '1 day')).
-- dimension_info is an opaque base type in the real extension; a composite here.
CREATE TYPE _timescaledb_internal.dimension_info AS (column_name name, partition_interval interval);
CREATE FUNCTION @extschema@.by_range(column_name name, partition_interval interval DEFAULT NULL)
RETURNS _timescaledb_internal.dimension_info LANGUAGE sql IMMUTABLE
AS $$ SELECT ROW(column_name, coalesce(partition_interval, interval '7 days'))::_timescaledb_internal.dimension_info $$;
CREATE FUNCTION @extschema@.create_hypertable(
    relation regclass, dimension _timescaledb_internal.dimension_info,
    if_not_exists boolean DEFAULT false, create_default_indexes boolean DEFAULT true)
RETURNS TABLE (hypertable_id integer, created boolean)
LANGUAGE sql AS $$
  SELECT h.hypertable_id, h.created
    FROM @extschema@.create_hypertable($1, ($2).column_name, ($2).partition_interval, $3, $4) h
$$;

-- Copies the hypertable's indexes onto a chunk (the real extension names
-- them <chunk>_<index>).
CREATE FUNCTION _timescaledb_functions.emulation_copy_indexes(parent regclass, chunk_schema name, chunk_name name)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  r record;
  def text;
BEGIN
  FOR r IN SELECT i.indexrelid, i.indisunique, ic.relname
             FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
            WHERE i.indrelid = parent ORDER BY ic.relname
  LOOP
    def := pg_get_indexdef(r.indexrelid);
    EXECUTE format('CREATE %sINDEX %I ON %I.%I%s', CASE WHEN r.indisunique THEN 'UNIQUE ' ELSE '' END,
                   left(chunk_name || '_' || r.relname, 63), chunk_schema, chunk_name,
                   substr(def, strpos(def, ' USING ')));
  END LOOP;
END
$$ SET search_path TO pg_catalog, pg_temp;

-- The real internal API: creates (or finds) the chunk with the given slices,
-- e.g. slices => '{"time": [1514419200000000, 1515024000000000]}'.
-- (PL/pgSQL forbids an input and an output parameter of the same name, so
-- the body lives in emulation_create_chunk_impl behind an SQL wrapper.)
CREATE FUNCTION _timescaledb_functions.emulation_create_chunk_impl(
    ht regclass, slices_in jsonb, schema_in name, table_in name, chunk_table regclass)
RETURNS TABLE (chunk_id integer, hypertable_id integer, schema_name name, table_name name,
               relkind "char", slices jsonb, created boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  h _timescaledb_catalog.hypertable;
  d _timescaledb_catalog.dimension;
  rstart bigint;
  rend bigint;
  cid integer;
  sid integer;
  cschema name;
  cname name;
  owner_name name;
BEGIN
  IF $5 IS NOT NULL THEN
    RAISE EXCEPTION 'emulation: create_chunk with chunk_table is not emulated';
  END IF;
  h := _timescaledb_functions.emulation_hypertable($1);
  SELECT * INTO STRICT d FROM _timescaledb_catalog.dimension dd WHERE dd.hypertable_id = h.id;
  IF NOT ($2 ? d.column_name) THEN
    RAISE EXCEPTION 'invalid hypercube for hypertable "%"', h.table_name
      USING DETAIL = format('dimension "%s" is missing', d.column_name);
  END IF;
  rstart := ($2 -> d.column_name ->> 0)::bigint;
  rend := ($2 -> d.column_name ->> 1)::bigint;
  SELECT s.chunk_id INTO cid FROM _timescaledb_catalog.dimension_slice s
   WHERE s.dimension_id = d.id AND s.range_start = rstart AND s.range_end = rend;
  IF FOUND THEN
    RETURN QUERY SELECT c.id, c.hypertable_id, c.schema_name, c.table_name, 'r'::"char",
                        jsonb_build_object(d.column_name, jsonb_build_array(rstart, rend)), false
                   FROM _timescaledb_catalog.chunk c WHERE c.id = cid;
    RETURN;
  END IF;
  IF EXISTS (SELECT FROM _timescaledb_catalog.dimension_slice s
              WHERE s.dimension_id = d.id AND s.range_start < rend AND s.range_end > rstart) THEN
    RAISE EXCEPTION 'chunk creation failed due to collision' USING ERRCODE = 'TS130';
  END IF;
  cid := nextval('_timescaledb_catalog.chunk_id_seq');
  cschema := coalesce($3, h.associated_schema_name);
  cname := coalesce($4, format('%s_%s_chunk', h.associated_table_prefix, cid));
  sid := nextval(pg_get_serial_sequence('_timescaledb_catalog.dimension_slice', 'id')::regclass);
  EXECUTE format('CREATE TABLE %I.%I (CONSTRAINT %I CHECK (%I >= %s AND %I < %s)) INHERITS (%I.%I)',
                 cschema, cname, 'constraint_' || sid,
                 d.column_name, _timescaledb_functions.emulation_internal_to_literal(rstart, d.column_type),
                 d.column_name, _timescaledb_functions.emulation_internal_to_literal(rend, d.column_type),
                 h.schema_name, h.table_name);
  SELECT pg_get_userbyid(c.relowner) INTO owner_name FROM pg_class c
   WHERE c.oid = format('%I.%I', h.schema_name, h.table_name)::regclass;
  EXECUTE format('ALTER TABLE %I.%I OWNER TO %I', cschema, cname, owner_name);
  PERFORM _timescaledb_functions.emulation_copy_indexes(
      format('%I.%I', h.schema_name, h.table_name)::regclass, cschema, cname);
  INSERT INTO _timescaledb_catalog.chunk (id, hypertable_id, schema_name, table_name,
      compressed_chunk_id, status, osm_chunk, creation_time)
  VALUES (cid, h.id, cschema, cname, NULL, 0, false, now());
  INSERT INTO _timescaledb_catalog.dimension_slice (id, chunk_id, dimension_id, range_start, range_end)
  VALUES (sid, cid, d.id, rstart, rend);
  RETURN QUERY SELECT cid, h.id, cschema, cname, 'r'::"char",
                      jsonb_build_object(d.column_name, jsonb_build_array(rstart, rend)), true;
END
$$ SET search_path TO pg_catalog, pg_temp;

CREATE FUNCTION _timescaledb_functions.create_chunk(
    hypertable regclass, slices jsonb, schema_name name = NULL, table_name name = NULL,
    chunk_table regclass = NULL)
RETURNS TABLE (chunk_id integer, hypertable_id integer, schema_name name, table_name name,
               relkind "char", slices jsonb, created boolean)
LANGUAGE sql AS $$
  SELECT * FROM _timescaledb_functions.emulation_create_chunk_impl($1, $2, $3, $4, $5)
$$ SET search_path TO pg_catalog, pg_temp;

-- Emulation convenience: the chunk covering [range_start, range_end).
CREATE FUNCTION _timescaledb_functions.emulation_create_chunk(
    hypertable regclass, range_start timestamptz, range_end timestamptz)
RETURNS regclass LANGUAGE plpgsql AS $$
DECLARE
  d _timescaledb_catalog.dimension;
  r record;
BEGIN
  SELECT dd.* INTO STRICT d FROM _timescaledb_catalog.dimension dd
   WHERE dd.hypertable_id = (_timescaledb_functions.emulation_hypertable(hypertable)).id;
  SELECT * INTO r FROM _timescaledb_functions.create_chunk(hypertable,
      jsonb_build_object(d.column_name, jsonb_build_array(
          _timescaledb_functions.to_unix_microseconds(range_start),
          _timescaledb_functions.to_unix_microseconds(range_end))));
  RETURN format('%I.%I', r.schema_name, r.table_name)::regclass;
END
$$ SET search_path TO pg_catalog, pg_temp;

-- Stands in for the real insert hook: routes each row to its chunk (making
-- the chunk on first use, aligned on the chunk interval). While
-- timescaledb.restoring is on the hooks are off: the row stays in the parent
-- table, as with the real extension since 2.23.
CREATE FUNCTION _timescaledb_functions.emulation_insert_router() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  d record;
  v bigint;
  rstart bigint;
  cschema name;
  cname name;
BEGIN
  IF _timescaledb_functions.emulation_restoring() THEN
    RETURN NEW;
  END IF;
  SELECT dd.id, dd.column_name, dd.interval_length, h.id AS ht_id INTO d
    FROM _timescaledb_catalog.hypertable h
    JOIN _timescaledb_catalog.dimension dd ON dd.hypertable_id = h.id
   WHERE h.schema_name = TG_TABLE_SCHEMA AND h.table_name = TG_TABLE_NAME;
  IF NOT FOUND THEN
    RETURN NEW;  -- no longer a hypertable
  END IF;
  EXECUTE format('SELECT _timescaledb_functions.time_to_internal(($1).%I)', d.column_name)
     INTO v USING NEW;
  IF v IS NULL THEN
    RAISE EXCEPTION 'NULL value in column "%" violates not-null constraint', d.column_name
      USING ERRCODE = 'not_null_violation';
  END IF;
  SELECT c.schema_name, c.table_name INTO cschema, cname
    FROM _timescaledb_catalog.dimension_slice s
    JOIN _timescaledb_catalog.chunk c ON c.id = s.chunk_id
   WHERE s.dimension_id = d.id AND s.range_start <= v AND s.range_end > v;
  IF NOT FOUND THEN
    rstart := v - (((v % d.interval_length) + d.interval_length) % d.interval_length);
    SELECT cc.schema_name, cc.table_name INTO cschema, cname
      FROM _timescaledb_functions.create_chunk(TG_RELID::regclass,
             jsonb_build_object(d.column_name, jsonb_build_array(rstart, rstart + d.interval_length))) cc;
  END IF;
  EXECUTE format('INSERT INTO %I.%I SELECT ($1).*', cschema, cname) USING NEW;
  RETURN NULL;
END
$$ SET search_path TO pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.show_chunks(relation regclass) RETURNS SETOF regclass
LANGUAGE sql STABLE AS $$
  SELECT format('%I.%I', c.schema_name, c.table_name)::regclass
    FROM _timescaledb_catalog.chunk c
   WHERE c.hypertable_id = (_timescaledb_functions.emulation_hypertable(relation)).id
   ORDER BY c.id
$$ SET search_path TO pg_catalog, pg_temp;

-- ---------------------------------------------------------------------------
-- Compression.

CREATE FUNCTION _timescaledb_functions.emulation_chunk(chunk regclass)
RETURNS _timescaledb_catalog.chunk LANGUAGE plpgsql STABLE AS $$
DECLARE
  c _timescaledb_catalog.chunk;
BEGIN
  SELECT ch.* INTO c FROM _timescaledb_catalog.chunk ch
    JOIN pg_class pc ON pc.relname = ch.table_name
    JOIN pg_namespace n ON n.oid = pc.relnamespace AND n.nspname = ch.schema_name
   WHERE pc.oid = chunk;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'chunk not found' USING DETAIL = format('"%s" is not a chunk', chunk),
      ERRCODE = 'TS103';
  END IF;
  RETURN c;
END
$$ SET search_path TO pg_catalog, pg_temp;

-- Stands in for ALTER TABLE ... SET (timescaledb.compress, ...), which plain
-- PostgreSQL cannot parse: creates the internal compressed hypertable
-- (compression_state = 2) and the hypertable's compression_settings row.
CREATE FUNCTION _timescaledb_functions.emulation_enable_compression(
    hypertable regclass, segmentby text[] DEFAULT '{}', orderby text[] DEFAULT NULL)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  h _timescaledb_catalog.hypertable;
  d _timescaledb_catalog.dimension;
  cht integer;
  cols text := '';
  r record;
BEGIN
  h := _timescaledb_functions.emulation_hypertable(hypertable);
  IF h.compressed_hypertable_id IS NOT NULL THEN
    RETURN h.compressed_hypertable_id;
  END IF;
  SELECT dd.* INTO STRICT d FROM _timescaledb_catalog.dimension dd WHERE dd.hypertable_id = h.id;
  IF orderby IS NULL THEN
    orderby := ARRAY[d.column_name::text];
  END IF;
  cht := nextval('_timescaledb_catalog.hypertable_id_seq');
  FOR r IN SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS typ
             FROM pg_attribute a WHERE a.attrelid = hypertable AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
  LOOP
    cols := cols || format('%I %s, ', r.attname,
        CASE WHEN r.attname::text = ANY (segmentby) THEN r.typ ELSE '_timescaledb_internal.compressed_data' END);
  END LOOP;
  EXECUTE format('CREATE TABLE _timescaledb_internal.%I (%s_ts_meta_count integer, '
                 '_ts_meta_min_1 %s, _ts_meta_max_1 %s)',
                 '_compressed_hypertable_' || cht, cols, d.column_type, d.column_type);
  INSERT INTO _timescaledb_catalog.hypertable (id, schema_name, table_name, associated_schema_name,
      associated_table_prefix, num_dimensions, chunk_sizing_func_schema, chunk_sizing_func_name,
      chunk_target_size, compression_state, compressed_hypertable_id, status)
  VALUES (cht, '_timescaledb_internal', '_compressed_hypertable_' || cht, '_timescaledb_internal',
      '_hyper_' || cht, 0, '_timescaledb_functions', 'calculate_chunk_interval', 0, 2, NULL, 0);
  UPDATE _timescaledb_catalog.hypertable SET compression_state = 1, compressed_hypertable_id = cht
   WHERE id = h.id;
  INSERT INTO _timescaledb_catalog.compression_settings (relid, compress_relid, segmentby, orderby,
      orderby_desc, orderby_nullsfirst, index)
  VALUES (hypertable, NULL, CASE WHEN cardinality(segmentby) = 0 THEN NULL ELSE segmentby END, orderby,
      array_fill(true, ARRAY[cardinality(orderby)]), array_fill(true, ARRAY[cardinality(orderby)]), NULL);
  RETURN cht;
END
$$ SET search_path TO pg_catalog, pg_temp;

-- Moves the chunk's rows into its compressed companion
-- compress_hyper_<cht>_<id>_chunk (batches of up to 1000 rows per segment;
-- each column an array of the values' text forms, stored as compressed_data),
-- records the catalog links and sizes, TRUNCATEs the chunk and sets status
-- bit 1, as the real compress_chunk does.
CREATE FUNCTION @extschema@.compress_chunk(
    uncompressed_chunk regclass, if_not_compressed boolean DEFAULT true, recompress boolean DEFAULT false)
RETURNS regclass LANGUAGE plpgsql AS $$
DECLARE
  c _timescaledb_catalog.chunk;
  h _timescaledb_catalog.hypertable;
  s _timescaledb_catalog.compression_settings;
  cht _timescaledb_catalog.hypertable;
  ccid integer;
  ccname name;
  crel regclass;
  seg_cols text := '';
  agg_cols text := '';
  target_cols text := '';
  order_by text;
  time_col name;
  r record;
  nrows_pre bigint;
  nrows_post bigint;
  heap_before bigint;
  toast_before bigint;
  index_before bigint;
BEGIN
  c := _timescaledb_functions.emulation_chunk(uncompressed_chunk);
  IF c.status & 1 = 1 THEN
    IF if_not_compressed THEN
      RAISE NOTICE 'chunk "%" is already converted to columnstore', c.table_name;
      RETURN uncompressed_chunk;
    END IF;
    RAISE EXCEPTION 'chunk "%" is already converted to columnstore', c.table_name;
  END IF;
  SELECT * INTO STRICT h FROM _timescaledb_catalog.hypertable WHERE id = c.hypertable_id;
  IF h.compressed_hypertable_id IS NULL THEN
    PERFORM _timescaledb_functions.emulation_enable_compression(
        format('%I.%I', h.schema_name, h.table_name)::regclass);
    SELECT * INTO STRICT h FROM _timescaledb_catalog.hypertable WHERE id = c.hypertable_id;
  END IF;
  SELECT * INTO STRICT cht FROM _timescaledb_catalog.hypertable WHERE id = h.compressed_hypertable_id;
  SELECT * INTO STRICT s FROM _timescaledb_catalog.compression_settings
   WHERE relid = format('%I.%I', h.schema_name, h.table_name)::regclass;
  SELECT d.column_name INTO STRICT time_col FROM _timescaledb_catalog.dimension d WHERE d.hypertable_id = h.id;
  SELECT string_agg(format('%I %s', o, CASE WHEN dsc THEN 'DESC' ELSE 'ASC' END), ', ')
    INTO order_by FROM unnest(s.orderby, s.orderby_desc) AS u(o, dsc);

  heap_before := pg_relation_size(uncompressed_chunk);
  toast_before := coalesce((SELECT pg_relation_size(reltoastrelid) FROM pg_class
                             WHERE oid = uncompressed_chunk AND reltoastrelid <> 0), 0);
  index_before := pg_indexes_size(uncompressed_chunk);

  ccid := nextval('_timescaledb_catalog.chunk_id_seq');
  ccname := format('compress_hyper_%s_%s_chunk', cht.id, ccid);
  EXECUTE format('CREATE TABLE _timescaledb_internal.%I () INHERITS (_timescaledb_internal.%I)',
                 ccname, cht.table_name);
  crel := format('_timescaledb_internal.%I', ccname)::regclass;
  INSERT INTO _timescaledb_catalog.chunk (id, hypertable_id, schema_name, table_name,
      compressed_chunk_id, status, osm_chunk, creation_time)
  VALUES (ccid, cht.id, '_timescaledb_internal', ccname, NULL, 0, false, now());

  FOR r IN SELECT a.attname FROM pg_attribute a
            WHERE a.attrelid = uncompressed_chunk AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
  LOOP
    target_cols := target_cols || format('%I, ', r.attname);
    IF r.attname::text = ANY (coalesce(s.segmentby, '{}')) THEN
      seg_cols := seg_cols || format('%I, ', r.attname);
      agg_cols := agg_cols || format('%I, ', r.attname);
    ELSE
      agg_cols := agg_cols || format(
          'convert_to(array_agg(%I::text ORDER BY %s)::text, ''UTF8'')::_timescaledb_internal.compressed_data, ',
          r.attname, order_by);
    END IF;
  END LOOP;
  EXECUTE format('SELECT count(*) FROM ONLY %s', uncompressed_chunk) INTO nrows_pre;
  EXECUTE format(
      'INSERT INTO %s (%s_ts_meta_count, _ts_meta_min_1, _ts_meta_max_1) '
      'SELECT %scount(*), min(%I), max(%I) FROM ('
      '  SELECT *, (row_number() OVER (PARTITION BY %s ORDER BY %s) - 1) / 1000 AS _batch FROM ONLY %s'
      ') src GROUP BY %s_batch',
      crel, target_cols, agg_cols, time_col, time_col,
      CASE WHEN seg_cols = '' THEN 'true' ELSE rtrim(seg_cols, ', ') END, order_by,
      uncompressed_chunk, seg_cols);
  GET DIAGNOSTICS nrows_post = ROW_COUNT;
  EXECUTE format('TRUNCATE ONLY %s', uncompressed_chunk);

  UPDATE _timescaledb_catalog.chunk SET compressed_chunk_id = ccid, status = status | 1 WHERE id = c.id;
  INSERT INTO _timescaledb_catalog.compression_settings (relid, compress_relid, segmentby, orderby,
      orderby_desc, orderby_nullsfirst, index)
  VALUES (uncompressed_chunk, crel, s.segmentby, s.orderby, s.orderby_desc, s.orderby_nullsfirst, s.index);
  INSERT INTO _timescaledb_catalog.compression_chunk_size VALUES (c.id, ccid, heap_before, toast_before,
      index_before, pg_relation_size(crel),
      coalesce((SELECT pg_relation_size(reltoastrelid) FROM pg_class WHERE oid = crel AND reltoastrelid <> 0), 0),
      pg_indexes_size(crel), nrows_pre, nrows_post, 0);
  RETURN uncompressed_chunk;
END
$$ SET search_path TO pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.decompress_chunk(uncompressed_chunk regclass, if_compressed boolean DEFAULT true)
RETURNS regclass LANGUAGE plpgsql AS $$
DECLARE
  c _timescaledb_catalog.chunk;
  cc _timescaledb_catalog.chunk;
  s _timescaledb_catalog.compression_settings;
  target_cols text := '';
  select_cols text := '';
  unnest_args text := '';
  unnest_names text := '';
  r record;
BEGIN
  c := _timescaledb_functions.emulation_chunk(uncompressed_chunk);
  IF c.status & 1 = 0 OR c.compressed_chunk_id IS NULL THEN
    IF if_compressed THEN
      RAISE NOTICE 'chunk "%" is not converted to columnstore', c.table_name;
      RETURN uncompressed_chunk;
    END IF;
    RAISE EXCEPTION 'chunk "%" is not converted to columnstore', c.table_name;
  END IF;
  SELECT * INTO STRICT cc FROM _timescaledb_catalog.chunk WHERE id = c.compressed_chunk_id;
  SELECT * INTO STRICT s FROM _timescaledb_catalog.compression_settings WHERE relid = uncompressed_chunk;
  FOR r IN SELECT a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS typ FROM pg_attribute a
            WHERE a.attrelid = uncompressed_chunk AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
  LOOP
    target_cols := target_cols || format('%I, ', r.attname);
    IF r.attname::text = ANY (coalesce(s.segmentby, '{}')) THEN
      select_cols := select_cols || format('cc.%I, ', r.attname);
    ELSE
      unnest_args := unnest_args || format('convert_from(cc.%I::bytea, ''UTF8'')::text[], ', r.attname);
      unnest_names := unnest_names || format('c%s, ', r.attnum);
      select_cols := select_cols || format('u.c%s::%s, ', r.attnum, r.typ);
    END IF;
  END LOOP;
  EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM %I.%I cc, LATERAL unnest(%s) AS u(%s)',
                 uncompressed_chunk, rtrim(target_cols, ', '), rtrim(select_cols, ', '),
                 cc.schema_name, cc.table_name, rtrim(unnest_args, ', '), rtrim(unnest_names, ', '));
  UPDATE _timescaledb_catalog.chunk SET compressed_chunk_id = NULL, status = status & ~(1 | 8)
   WHERE id = c.id;
  DELETE FROM _timescaledb_catalog.compression_chunk_size WHERE chunk_id = c.id;
  DELETE FROM _timescaledb_catalog.compression_settings WHERE relid = uncompressed_chunk;
  DELETE FROM _timescaledb_catalog.chunk WHERE id = cc.id;
  EXECUTE format('DROP TABLE %I.%I', cc.schema_name, cc.table_name);
  RETURN uncompressed_chunk;
END
$$ SET search_path TO pg_catalog, pg_temp;

-- ---------------------------------------------------------------------------
-- Jobs (policies). The emulation never runs them: they are catalog rows.

CREATE FUNCTION _timescaledb_functions.emulation_add_job(
    name_prefix text, schedule interval, max_runtime interval, max_retries integer,
    retry_period interval, proc_name name, check_name name, ht_id integer, config jsonb)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  jid integer := nextval('_timescaledb_catalog.bgw_job_id_seq');
BEGIN
  INSERT INTO _timescaledb_catalog.bgw_job (id, application_name, schedule_interval, max_runtime,
      max_retries, retry_period, proc_schema, proc_name, owner, scheduled, fixed_schedule,
      hypertable_id, config, check_schema, check_name)
  VALUES (jid, format('%s [%s]', name_prefix, jid), schedule, max_runtime, max_retries, retry_period,
      '_timescaledb_functions', proc_name, quote_ident(current_role)::regrole, true, true, ht_id,
      config, '_timescaledb_functions', check_name);
  RETURN jid;
END
$$ SET search_path TO pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.add_compression_policy(
    hypertable regclass, compress_after interval, if_not_exists boolean DEFAULT false,
    schedule_interval interval DEFAULT NULL)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  h _timescaledb_catalog.hypertable;
  existing integer;
BEGIN
  h := _timescaledb_functions.emulation_hypertable(hypertable);
  SELECT id INTO existing FROM _timescaledb_catalog.bgw_job
   WHERE proc_name = 'policy_compression' AND hypertable_id = h.id;
  IF FOUND THEN
    IF if_not_exists THEN
      RAISE NOTICE 'columnstore policy already exists for hypertable "%", skipping', h.table_name;
      RETURN -1;
    END IF;
    RAISE EXCEPTION 'columnstore policy already exists for hypertable or continuous aggregate "%"',
      h.table_name USING ERRCODE = 'duplicate_object';
  END IF;
  IF h.compressed_hypertable_id IS NULL THEN
    PERFORM _timescaledb_functions.emulation_enable_compression(hypertable);
  END IF;
  RETURN _timescaledb_functions.emulation_add_job('Columnstore Policy',
      coalesce(schedule_interval, '12 hours'), '0', -1, '01:00:00', 'policy_compression',
      'policy_compression_check', h.id,
      jsonb_build_object('hypertable_id', h.id, 'compress_after', compress_after::text));
END
$$ SET search_path TO pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.add_retention_policy(
    relation regclass, drop_after interval, if_not_exists boolean DEFAULT false,
    schedule_interval interval DEFAULT NULL)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  h _timescaledb_catalog.hypertable;
BEGIN
  h := _timescaledb_functions.emulation_hypertable(relation);
  IF EXISTS (SELECT FROM _timescaledb_catalog.bgw_job
              WHERE proc_name = 'policy_retention' AND hypertable_id = h.id) THEN
    IF if_not_exists THEN
      RAISE NOTICE 'retention policy already exists for hypertable "%", skipping', h.table_name;
      RETURN -1;
    END IF;
    RAISE EXCEPTION 'retention policy already exists for hypertable "%"', h.table_name
      USING ERRCODE = 'duplicate_object';
  END IF;
  RETURN _timescaledb_functions.emulation_add_job('Retention Policy',
      coalesce(schedule_interval, '1 day'), '00:05:00', -1, '00:05:00', 'policy_retention',
      'policy_retention_check', h.id,
      jsonb_build_object('drop_after', drop_after::text, 'hypertable_id', h.id));
END
$$ SET search_path TO pg_catalog, pg_temp;

CREATE FUNCTION _timescaledb_functions.emulation_alter_job(
    a_job_id integer, a_schedule_interval interval, a_max_runtime interval,
    a_max_retries integer, a_retry_period interval, a_scheduled boolean, a_config jsonb,
    a_next_start timestamptz, a_if_exists boolean)
RETURNS TABLE (job_id integer, schedule_interval interval, max_runtime interval, max_retries integer,
               retry_period interval, scheduled boolean, config jsonb, next_start timestamptz,
               check_config text, fixed_schedule boolean, initial_start timestamptz, timezone text,
               application_name name)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
  IF NOT EXISTS (SELECT FROM _timescaledb_catalog.bgw_job j WHERE j.id = $1) THEN
    IF $9 THEN
      RAISE NOTICE 'job % not found, skipping', $1;
      RETURN;
    END IF;
    RAISE EXCEPTION 'job % not found', $1 USING ERRCODE = 'undefined_object';
  END IF;
  UPDATE _timescaledb_catalog.bgw_job j SET
      schedule_interval = coalesce($2, j.schedule_interval),
      max_runtime = coalesce($3, j.max_runtime),
      max_retries = coalesce($4, j.max_retries),
      retry_period = coalesce($5, j.retry_period),
      scheduled = coalesce($6, j.scheduled),
      config = coalesce($7, j.config)
   WHERE j.id = $1;
  RETURN QUERY SELECT j.id, j.schedule_interval, j.max_runtime, j.max_retries, j.retry_period,
                      j.scheduled, j.config, coalesce($8, now() + j.schedule_interval),
                      CASE WHEN j.check_name IS NULL THEN NULL
                           ELSE format('%I.%I', j.check_schema, j.check_name) END,
                      j.fixed_schedule, j.initial_start, j.timezone, j.application_name
                 FROM _timescaledb_catalog.bgw_job j WHERE j.id = $1;
END
$$ SET search_path TO pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.alter_job(
    job_id integer, schedule_interval interval DEFAULT NULL, max_runtime interval DEFAULT NULL,
    max_retries integer DEFAULT NULL, retry_period interval DEFAULT NULL,
    scheduled boolean DEFAULT NULL, config jsonb DEFAULT NULL, next_start timestamptz DEFAULT NULL,
    if_exists boolean DEFAULT false)
RETURNS TABLE (job_id integer, schedule_interval interval, max_runtime interval, max_retries integer,
               retry_period interval, scheduled boolean, config jsonb, next_start timestamptz,
               check_config text, fixed_schedule boolean, initial_start timestamptz, timezone text,
               application_name name)
LANGUAGE sql AS $$
  SELECT * FROM _timescaledb_functions.emulation_alter_job($1, $2, $3, $4, $5, $6, $7, $8, $9)
$$ SET search_path TO pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.delete_job(job_id integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM _timescaledb_catalog.bgw_job WHERE id = $1;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'job % not found', $1 USING ERRCODE = 'undefined_object';
  END IF;
END
$$ SET search_path TO pg_catalog, pg_temp;

-- ---------------------------------------------------------------------------
-- Continuous aggregates. Stands in for CREATE MATERIALIZED VIEW ... WITH
-- (timescaledb.continuous): materialization hypertable
-- _timescaledb_internal._materialized_hypertable_<id>, partial and direct
-- views, the user view over the materialization, and catalog rows.
-- The query is: SELECT time_bucket(bucket_width, time_column) AS bucket
-- [, group_by], aggregates FROM raw_hypertable GROUP BY bucket [, group_by].
CREATE FUNCTION _timescaledb_functions.emulation_create_continuous_aggregate(
    user_view_schema name, user_view_name name, raw_hypertable regclass, time_column name,
    bucket_width interval, aggregates text, group_by text DEFAULT NULL)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  raw _timescaledb_catalog.hypertable;
  mat_id integer := nextval('_timescaledb_catalog.hypertable_id_seq');
  mat_name name := format('_materialized_hypertable_%s', mat_id);
  query text;
  col_type regtype;
BEGIN
  raw := _timescaledb_functions.emulation_hypertable(raw_hypertable);
  SELECT d.column_type INTO STRICT col_type FROM _timescaledb_catalog.dimension d
   WHERE d.hypertable_id = raw.id;
  query := format('SELECT @extschema@.time_bucket(%L::interval, %I) AS bucket%s, %s FROM %s GROUP BY 1%s',
                  bucket_width, time_column,
                  CASE WHEN group_by IS NULL THEN '' ELSE ', ' || group_by END,
                  aggregates, raw_hypertable,
                  CASE WHEN group_by IS NULL THEN '' ELSE ', ' || group_by END);
  EXECUTE format('CREATE TABLE _timescaledb_internal.%I AS %s WITH NO DATA', mat_name, query);
  PERFORM _timescaledb_functions.emulation_make_hypertable(
      format('_timescaledb_internal.%I', mat_name)::regclass, 'bucket', bucket_width * 10, mat_id, true);
  EXECUTE format('CREATE VIEW _timescaledb_internal.%I AS %s', '_partial_view_' || mat_id, query);
  EXECUTE format('CREATE VIEW _timescaledb_internal.%I AS %s', '_direct_view_' || mat_id, query);
  EXECUTE format('CREATE VIEW %I.%I AS SELECT * FROM _timescaledb_internal.%I',
                 user_view_schema, user_view_name, mat_name);
  INSERT INTO _timescaledb_catalog.continuous_agg (mat_hypertable_id, raw_hypertable_id,
      parent_mat_hypertable_id, user_view_schema, user_view_name, partial_view_schema,
      partial_view_name, direct_view_schema, direct_view_name, materialized_only)
  VALUES (mat_id, raw.id, NULL, user_view_schema, user_view_name, '_timescaledb_internal',
      '_partial_view_' || mat_id, '_timescaledb_internal', '_direct_view_' || mat_id, true);
  INSERT INTO _timescaledb_catalog.continuous_aggs_bucket_function VALUES (mat_id,
      format('@extschema@.time_bucket(interval,%s)', format_type(col_type, NULL)),
      bucket_width::text, NULL, NULL, NULL, true);
  INSERT INTO _timescaledb_catalog.continuous_aggs_invalidation_threshold VALUES (raw.id, -210866803200000000)
    ON CONFLICT DO NOTHING;
  INSERT INTO _timescaledb_catalog.continuous_aggs_watermark VALUES (mat_id, -210866803200000000);
  RETURN mat_id;
END
$$ SET search_path TO pg_catalog, pg_temp;

-- Recomputes the buckets in [window_start, window_end) (NULL = unbounded).
CREATE PROCEDURE @extschema@.refresh_continuous_aggregate(
    continuous_aggregate regclass, window_start timestamptz, window_end timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
  ca _timescaledb_catalog.continuous_agg;
  mat _timescaledb_catalog.hypertable;
  cond text;
  wm bigint;
BEGIN
  SELECT c.* INTO ca FROM _timescaledb_catalog.continuous_agg c
   WHERE format('%I.%I', c.user_view_schema, c.user_view_name)::regclass = continuous_aggregate;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'relation "%" is not a continuous aggregate', continuous_aggregate;
  END IF;
  SELECT * INTO STRICT mat FROM _timescaledb_catalog.hypertable WHERE id = ca.mat_hypertable_id;
  cond := format('bucket >= coalesce(%L::timestamptz, ''-infinity'') AND bucket < coalesce(%L::timestamptz, ''infinity'')',
                 window_start, window_end);
  EXECUTE format('DELETE FROM %I.%I WHERE %s', mat.schema_name, mat.table_name, cond);
  EXECUTE format('INSERT INTO %I.%I SELECT * FROM %I.%I WHERE %s', mat.schema_name, mat.table_name,
                 ca.direct_view_schema, ca.direct_view_name, cond);
  EXECUTE format('SELECT _timescaledb_functions.time_to_internal(max(bucket)) FROM %I.%I',
                 mat.schema_name, mat.table_name) INTO wm;
  IF wm IS NOT NULL THEN
    UPDATE _timescaledb_catalog.continuous_aggs_watermark SET watermark = wm
     WHERE mat_hypertable_id = ca.mat_hypertable_id;
    UPDATE _timescaledb_catalog.continuous_aggs_invalidation_threshold SET watermark = GREATEST(watermark, wm)
     WHERE hypertable_id = ca.raw_hypertable_id;
  END IF;
END
$$ SET search_path TO pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.add_continuous_aggregate_policy(
    continuous_aggregate regclass, start_offset interval, end_offset interval,
    schedule_interval interval, if_not_exists boolean DEFAULT false)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  ca _timescaledb_catalog.continuous_agg;
BEGIN
  SELECT c.* INTO ca FROM _timescaledb_catalog.continuous_agg c
   WHERE format('%I.%I', c.user_view_schema, c.user_view_name)::regclass = continuous_aggregate;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'relation "%" is not a continuous aggregate', continuous_aggregate;
  END IF;
  RETURN _timescaledb_functions.emulation_add_job('Refresh Continuous Aggregate Policy',
      schedule_interval, '0', -1, schedule_interval, 'policy_refresh_continuous_aggregate',
      'policy_refresh_continuous_aggregate_check', ca.mat_hypertable_id,
      jsonb_build_object('end_offset', end_offset::text, 'start_offset', start_offset::text,
                         'mat_hypertable_id', ca.mat_hypertable_id));
END
$$ SET search_path TO pg_catalog, pg_temp;

-- ---------------------------------------------------------------------------
-- Stands in for the real DDL hooks on DROP: removes the catalog rows of
-- dropped hypertables and chunks. Off while restoring, like the hooks.
CREATE FUNCTION _timescaledb_functions.emulation_drop_hook() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  o record;
  ids integer[];
  internal_tables text[] := '{}';
  t text;
BEGIN
  IF _timescaledb_functions.emulation_restoring() THEN
    RETURN;
  END IF;
  FOR o IN SELECT * FROM pg_event_trigger_dropped_objects()
            WHERE object_type = 'table' AND NOT is_temporary
  LOOP
    -- A dropped hypertable takes its internal compressed hypertable and the
    -- materialization hypertables of its continuous aggregates with it.
    SELECT array_agg(x) INTO ids FROM (
      SELECT h.id AS x FROM _timescaledb_catalog.hypertable h
       WHERE h.schema_name = o.schema_name AND h.table_name = o.object_name
      UNION SELECT h.compressed_hypertable_id FROM _timescaledb_catalog.hypertable h
       WHERE h.schema_name = o.schema_name AND h.table_name = o.object_name
         AND h.compressed_hypertable_id IS NOT NULL
      UNION SELECT ca.mat_hypertable_id FROM _timescaledb_catalog.continuous_agg ca
        JOIN _timescaledb_catalog.hypertable h ON h.id = ca.raw_hypertable_id
       WHERE h.schema_name = o.schema_name AND h.table_name = o.object_name
      UNION SELECT m.compressed_hypertable_id FROM _timescaledb_catalog.continuous_agg ca
        JOIN _timescaledb_catalog.hypertable h ON h.id = ca.raw_hypertable_id
        JOIN _timescaledb_catalog.hypertable m ON m.id = ca.mat_hypertable_id
       WHERE h.schema_name = o.schema_name AND h.table_name = o.object_name
         AND m.compressed_hypertable_id IS NOT NULL) q;
    -- A dropped chunk takes its compressed companion with it.
    internal_tables := internal_tables || ARRAY(
      SELECT format('%I.%I', cc.schema_name, cc.table_name)
        FROM _timescaledb_catalog.chunk c JOIN _timescaledb_catalog.chunk cc ON cc.id = c.compressed_chunk_id
       WHERE c.schema_name = o.schema_name AND c.table_name = o.object_name);
    IF ids IS NOT NULL THEN
      internal_tables := internal_tables || ARRAY(
        SELECT format('%I.%I', h.schema_name, h.table_name) FROM _timescaledb_catalog.hypertable h
         WHERE h.id = ANY (ids) AND NOT (h.schema_name = o.schema_name AND h.table_name = o.object_name));
      DELETE FROM _timescaledb_catalog.chunk_column_stats WHERE hypertable_id = ANY (ids);
      UPDATE _timescaledb_catalog.chunk SET compressed_chunk_id = NULL WHERE hypertable_id = ANY (ids);
      DELETE FROM _timescaledb_catalog.chunk WHERE hypertable_id = ANY (ids);
      UPDATE _timescaledb_catalog.hypertable SET compressed_hypertable_id = NULL WHERE id = ANY (ids);
      DELETE FROM _timescaledb_catalog.hypertable WHERE id = ANY (ids);
    END IF;
    DELETE FROM _timescaledb_catalog.compression_settings
     WHERE relid::oid = o.objid OR compress_relid::oid = o.objid;
    UPDATE _timescaledb_catalog.chunk SET compressed_chunk_id = NULL
     WHERE compressed_chunk_id IN (SELECT id FROM _timescaledb_catalog.chunk
                                    WHERE schema_name = o.schema_name AND table_name = o.object_name);
    DELETE FROM _timescaledb_catalog.chunk_column_stats
     WHERE chunk_id IN (SELECT id FROM _timescaledb_catalog.chunk
                         WHERE schema_name = o.schema_name AND table_name = o.object_name);
    DELETE FROM _timescaledb_catalog.chunk
     WHERE schema_name = o.schema_name AND table_name = o.object_name;
  END LOOP;
  -- Dropping these fires this hook again; their catalog rows are gone already.
  FOREACH t IN ARRAY internal_tables LOOP
    EXECUTE format('DROP TABLE IF EXISTS %s CASCADE', t);
  END LOOP;
END
$$ SET search_path TO pg_catalog, pg_temp;
CREATE EVENT TRIGGER timescaledb_emulation_drop ON sql_drop
  EXECUTE FUNCTION _timescaledb_functions.emulation_drop_hook();

-- ---------------------------------------------------------------------------
-- Information views (subset of the real columns).
CREATE VIEW timescaledb_information.hypertables AS
SELECT ht.schema_name AS hypertable_schema, ht.table_name AS hypertable_name,
       pg_get_userbyid(c.relowner) AS owner, ht.num_dimensions,
       (SELECT count(*) FROM _timescaledb_catalog.chunk ch WHERE ch.hypertable_id = ht.id) AS num_chunks,
       ht.compression_state = 1 AS compression_enabled,
       NULL::name[] AS tablespaces
  FROM _timescaledb_catalog.hypertable ht
  JOIN pg_namespace n ON n.nspname = ht.schema_name
  JOIN pg_class c ON c.relname = ht.table_name AND c.relnamespace = n.oid
 WHERE ht.compression_state <> 2
   AND NOT EXISTS (SELECT FROM _timescaledb_catalog.continuous_agg ca WHERE ca.mat_hypertable_id = ht.id);

CREATE VIEW timescaledb_information.chunks AS
SELECT ht.schema_name AS hypertable_schema, ht.table_name AS hypertable_name,
       ch.schema_name AS chunk_schema, ch.table_name AS chunk_name,
       d.column_name AS primary_dimension, d.column_type AS primary_dimension_type,
       _timescaledb_functions.to_timestamp(s.range_start) AS range_start,
       _timescaledb_functions.to_timestamp(s.range_end) AS range_end,
       NULL::bigint AS range_start_integer, NULL::bigint AS range_end_integer,
       (ch.status & 1) = 1 AS is_compressed, NULL::name AS chunk_tablespace,
       ch.creation_time AS chunk_creation_time
  FROM _timescaledb_catalog.chunk ch
  JOIN _timescaledb_catalog.hypertable ht ON ht.id = ch.hypertable_id
  JOIN _timescaledb_catalog.dimension d ON d.hypertable_id = ht.id
  JOIN _timescaledb_catalog.dimension_slice s ON s.chunk_id = ch.id AND s.dimension_id = d.id
 WHERE ht.compression_state <> 2 AND NOT ch.osm_chunk;

CREATE VIEW timescaledb_information.jobs AS
SELECT j.id AS job_id, j.application_name, j.schedule_interval, j.max_runtime, j.max_retries,
       j.retry_period, j.proc_schema, j.proc_name, j.owner, j.scheduled, j.fixed_schedule,
       j.config, NULL::timestamptz AS next_start, j.initial_start,
       ht.schema_name AS hypertable_schema, ht.table_name AS hypertable_name,
       j.check_schema, j.check_name
  FROM _timescaledb_catalog.bgw_job j
  LEFT JOIN _timescaledb_catalog.hypertable ht ON ht.id = j.hypertable_id;

GRANT SELECT ON ALL TABLES IN SCHEMA timescaledb_information TO PUBLIC;
