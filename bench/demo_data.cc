#include "bench/demo_data.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

namespace hyperdump::bench {

using engine::PgConnection;
using engine::QuoteIdent;
namespace {

// Approximate on-disk bytes per row (heap + indexes), measured on
// PostgreSQL 15 with a 100MB demo; used only to scale row counts.
constexpr int64_t kOrderRowBytes = 330;
constexpr int64_t kReadingRowBytes = 150;
constexpr int64_t kMetricRowBytes = 110;
// The small tables, the catalog and the fixed-size tables.
constexpr int64_t kFixedBytes = 3ll << 20;

constexpr int64_t kMicrosPerDay = 86'400'000'000;
// Start of demo.readings' partitions and of demo.metrics' chunks (UTC).
constexpr const char* kReadingsStart = "2024-01-01 00:00:00+00";
constexpr int64_t kMetricsStartMicros = 1'709'251'200'000'000;  // 2024-03-01 UTC

const std::string kDemo = QuoteIdent(kDemoSchema);

// Runs one step; errors name the step so a failed build says where.
Status Step(PgConnection& conn, const std::string& what, const std::string& sql) {
  Status st = conn.Run(sql);
  return st.ok() ? st : st.WithContext("building the demo database: " + what);
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  for (size_t pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

// Expands {demo} and {odd} (the quoted schema names) and {n}-style numbers.
std::string Sql(std::string text,
                const std::vector<std::pair<std::string, int64_t>>& numbers = {}) {
  text = Replace(std::move(text), "{demo}", kDemo);
  text = Replace(std::move(text), "{odd}", QuoteIdent(kDemoOddSchema));
  for (const auto& [name, value] : numbers) {
    text = Replace(std::move(text), "{" + name + "}", std::to_string(value));
  }
  return text;
}

// --- Phases ----------------------------------------------------------------

Status CheckOrDropExisting(PgConnection& conn, const DemoOptions& opts) {
  auto r = conn.ExecParams("SELECT nspname FROM pg_namespace WHERE nspname IN ($1, $2) ORDER BY 1",
                           {std::string(kDemoSchema), std::string(kDemoOddSchema)});
  if (!r.ok()) return r.status().WithContext("building the demo database");
  if (r->rows() == 0) return Status::Ok();
  if (!opts.replace) {
    return Status(StatusCode::kAlreadyExists,
                  "database \"" + conn.database() + "\" already has the demo schema \"" +
                      r->GetString(0, 0) +
                      "\"; rerun with --replace to drop and rebuild the demo objects");
  }
  return Step(conn, "dropping the previous demo",
              Sql("DROP SCHEMA IF EXISTS {demo} CASCADE; DROP SCHEMA IF EXISTS {odd} CASCADE"));
}

// Creates the extension when wanted and available; returns "real" or
// "none", and the extension's schema (quoted).
Result<std::pair<std::string, std::string>> SetUpTimescale(PgConnection& conn,
                                                           const DemoOptions& opts) {
  if (!opts.timescaledb) return std::pair<std::string, std::string>{"none", ""};
  auto avail = conn.Exec("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'");
  if (!avail.ok()) return avail.status().WithContext("building the demo database");
  if (avail->rows() == 0) return std::pair<std::string, std::string>{"none", ""};
  HD_RETURN_IF_ERROR(Step(conn,
                          "CREATE EXTENSION timescaledb (a real TimescaleDB must be in "
                          "shared_preload_libraries)",
                          "CREATE EXTENSION IF NOT EXISTS timescaledb"));
  auto ext = conn.Exec(
      "SELECT e.extversion, n.nspname FROM pg_extension e "
      "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'timescaledb'");
  if (!ext.ok()) return ext.status().WithContext("building the demo database");
  return std::pair<std::string, std::string>{"real", QuoteIdent(ext->Get(0, 1))};
}

Status CreateDimensionTables(PgConnection& conn, const DemoPlan& p) {
  return Step(conn, "dimension tables",
              Sql(R"sql(
CREATE SCHEMA {demo};
COMMENT ON SCHEMA {demo} IS 'hyperdump demo data (hyperdump demo-data)';
CREATE TABLE {demo}.regions (
  id smallint PRIMARY KEY,
  code char(2) NOT NULL UNIQUE,
  name text NOT NULL);
INSERT INTO {demo}.regions VALUES
  (1, 'CH', 'Zürich'), (2, 'JP', '東京'), (3, 'BR', 'São Paulo'), (4, 'US', 'New York'),
  (5, 'FR', 'Île-de-France'), (6, 'RU', 'Москва'), (7, 'GR', 'Αθήνα'), (8, 'EG', 'القاهرة');

CREATE TABLE {demo}.devices (
  id integer PRIMARY KEY,
  region_id smallint NOT NULL,
  serial text NOT NULL UNIQUE,
  installed_on date,
  tags text[],
  attrs jsonb);
INSERT INTO {demo}.devices
SELECT i, 1 + i % 8, 'DEV-' || lpad(i::text, 5, '0'), date '2020-01-01' + i,
       ARRAY['t' || i % 3, CASE i % 4 WHEN 0 THEN 'has,comma' WHEN 1 THEN 'has "quote"'
                                     WHEN 2 THEN NULL ELSE 'back\slash' END],
       jsonb_build_object('model', 'M' || i % 9, 'rev', i % 4)
  FROM generate_series(1, {devices}) i;

CREATE TABLE {demo}.customers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  email text,
  region_id smallint NOT NULL,
  note text);
INSERT INTO {demo}.customers (id, name, email, region_id, note) OVERRIDING SYSTEM VALUE
SELECT i,
       CASE WHEN i % 17 = 0 THEN 'Zoë Ødegård-' || i ELSE 'Customer ' || i END,
       CASE WHEN i % 19 = 0 THEN NULL ELSE 'Customer.' || i || '@Example.com' END,
       1 + i % 8,
       CASE WHEN i % 23 = 0
            THEN (SELECT string_agg(md5((i::bigint * 1000 + k)::text), '') FROM generate_series(1, 100) k)
            WHEN i % 23 = 1 THEN E'multi\nline\tnote' END
  FROM generate_series(1, {customers}) i;
SELECT setval(pg_get_serial_sequence('{demo}.customers', 'id'), {customers});
)sql",
                  {{"devices", p.devices}, {"customers", p.customers}}));
}

Status CreateOrders(PgConnection& conn, const DemoPlan& p) {
  return Step(conn, "the large unpartitioned table demo.orders",
              Sql(R"sql(
CREATE TABLE {demo}.orders (
  id bigserial PRIMARY KEY,
  customer_id bigint NOT NULL,
  created_at timestamptz NOT NULL,
  amount numeric(12,2),
  ratio numeric,
  score double precision,
  status text NOT NULL CHECK (status IN ('open', 'paid', 'shipped', 'cancelled')),
  payload jsonb,
  items integer[],
  blob bytea,
  comment text);
COMMENT ON TABLE {demo}.orders IS 'the large unpartitioned table';
INSERT INTO {demo}.orders
SELECT i,
       1 + (i::bigint * 7) % {customers},
       timestamptz '2023-01-01 00:00:00+00' + i * interval '37 seconds',
       ((i::bigint * 7919) % 10000000) / 100.0,
       CASE WHEN i % 97 = 0 THEN 'NaN'::numeric WHEN i % 101 = 0 THEN 'Infinity'::numeric
            WHEN i % 103 = 0 THEN NULL ELSE (i * 1.000000001) / 7 END,
       CASE i % 50 WHEN 0 THEN 'NaN'::float8 WHEN 1 THEN '-Infinity'::float8
            WHEN 2 THEN '-0'::float8 WHEN 3 THEN NULL ELSE i * 0.25 END,
       (ARRAY['open', 'paid', 'shipped', 'cancelled'])[1 + i % 4],
       CASE WHEN i % 13 = 0 THEN NULL
            ELSE jsonb_build_object('i', i, 'sku', 'SKU-' || lpad((i % 5000)::text, 5, '0'),
                                    'gift', i % 3 = 0,
                                    'note', CASE WHEN i % 7 = 0 THEN E'line1\nline2\t"quoted"\\' END)
       END,
       CASE WHEN i % 11 = 0 THEN NULL WHEN i % 11 = 1 THEN '{}'::integer[]
            ELSE ARRAY[i % 7, i % 13, CASE WHEN i % 5 = 0 THEN NULL ELSE i % 17 END] END,
       CASE i % 4 WHEN 0 THEN NULL WHEN 1 THEN '\x00ff5c0a09'::bytea
            WHEN 2 THEN decode(md5(i::text), 'hex') ELSE ''::bytea END,
       CASE i % 10 WHEN 0 THEN NULL WHEN 1 THEN E'tab\there' WHEN 2 THEN E'back\\slash'
            WHEN 3 THEN E'new\nline' WHEN 4 THEN 'ünïcødé 東京 🚀' WHEN 5 THEN ''
            WHEN 6 THEN '\N' WHEN 7 THEN 'quote''s "double"' WHEN 8 THEN E'crlf\r\nend'
            ELSE 'order ' || i || ' ' || md5(i::text) END
  FROM generate_series(1, {orders}) i;
SELECT setval('{demo}.orders_id_seq', {orders});
)sql",
                  {{"orders", p.orders}, {"customers", p.customers}}));
}

// demo.readings: RANGE partitions of one day each, plus a DEFAULT partition.
Status CreateReadings(PgConnection& conn, const DemoPlan& p) {
  std::string sql = Sql(R"sql(
CREATE TABLE {demo}.readings (
  device_id integer NOT NULL,
  ts timestamptz NOT NULL,
  value double precision,
  quality smallint,
  raw jsonb
) PARTITION BY RANGE (ts);
)sql");
  for (int k = 0; k < p.partitions; ++k) {
    char name[32];
    std::snprintf(name, sizeof name, "readings_p%03d", k);
    sql += "CREATE TABLE " + kDemo + "." + name + " PARTITION OF " + kDemo +
           ".readings FOR VALUES FROM ('" + kReadingsStart + "'::timestamptz + interval '" +
           std::to_string(k) + " days') TO ('" + kReadingsStart + "'::timestamptz + interval '" +
           std::to_string(k + 1) + " days');\n";
  }
  sql += Sql(R"sql(
CREATE TABLE {demo}.readings_default PARTITION OF {demo}.readings DEFAULT;
INSERT INTO {demo}.readings
SELECT 1 + i % {devices},
       timestamptz '2024-01-01 00:00:00+00' + (i::bigint * {step}) * interval '1 microsecond',
       CASE WHEN i % 997 = 0 THEN NULL ELSE ((i::bigint * 7919) % 100000) / 100.0 END,
       (i % 5)::smallint,
       CASE WHEN i % 10 = 0 THEN jsonb_build_object('fw', 'v' || i % 3, 'flags',
                                                    jsonb_build_array(i % 2 = 0, NULL)) END
  FROM generate_series(0, {in_range} - 1) i;
INSERT INTO {demo}.readings
SELECT i, timestamptz '2030-01-01 00:00:00+00' + i * interval '1 hour', -i, NULL, '{}'
  FROM generate_series(1, {default_rows}) i;
)sql",
             {{"devices", p.devices},
              {"in_range", p.readings - p.readings_default},
              {"default_rows", p.readings_default},
              {"step", p.partitions * kMicrosPerDay / (p.readings - p.readings_default)}});
  return Step(conn, "the partitioned table demo.readings", sql);
}

// Inheritance, a partition of a partition, awkward identifiers, awkward
// values, an empty table, a standalone sequence.
Status CreateOddShapes(PgConnection& conn, const DemoPlan& p) {
  return Step(conn, "inheritance, multi-level partitions, awkward names and values",
              Sql(R"sql(
CREATE TABLE {demo}.vehicles (id integer PRIMARY KEY, name text NOT NULL, wheels integer);
CREATE TABLE {demo}.cars (seats integer) INHERITS ({demo}.vehicles);
CREATE TABLE {demo}.trucks (payload_kg numeric(10,1)) INHERITS ({demo}.vehicles);
INSERT INTO {demo}.vehicles SELECT i, 'vehicle ' || i, 2 + i % 3 FROM generate_series(1, {vehicles}) i;
INSERT INTO {demo}.cars SELECT 100 + i, 'car ' || i, 4, 2 + i % 6 FROM generate_series(1, {cars}) i;
INSERT INTO {demo}.trucks SELECT 200 + i, 'truck ' || i, 6 + 2 * (i % 3), 1000.5 * i
  FROM generate_series(1, {trucks}) i;

CREATE TABLE {demo}.sensor_log (kind text NOT NULL, ts timestamptz NOT NULL, msg text)
  PARTITION BY LIST (kind);
CREATE TABLE {demo}.sensor_log_temp PARTITION OF {demo}.sensor_log FOR VALUES IN ('temp')
  PARTITION BY RANGE (ts);
CREATE TABLE {demo}.sensor_log_temp_2024h1 PARTITION OF {demo}.sensor_log_temp
  FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-07-01 00:00:00+00');
CREATE TABLE {demo}.sensor_log_temp_2024h2 PARTITION OF {demo}.sensor_log_temp
  FOR VALUES FROM ('2024-07-01 00:00:00+00') TO ('2025-01-01 00:00:00+00');
CREATE TABLE {demo}.sensor_log_other PARTITION OF {demo}.sensor_log
  FOR VALUES IN ('humidity', 'pressure');
INSERT INTO {demo}.sensor_log
SELECT (ARRAY['temp', 'humidity', 'pressure'])[1 + i % 3],
       timestamptz '2024-01-01 00:00:00+00' + i * interval '2 hours 50 minutes', 'reading ' || i
  FROM generate_series(0, {sensor_log} - 1) i;
CREATE INDEX sensor_log_ts_idx ON {demo}.sensor_log (ts);

CREATE SCHEMA {odd};
CREATE TABLE {odd}."order" (
  "select" integer PRIMARY KEY,
  "Upper Case" text,
  "with.dot" numeric,
  "with space" date,
  "quote""d" text);
INSERT INTO {odd}."order"
SELECT i, 'Row ' || i, i / 3.0, date '2024-02-29' + i, CASE WHEN i % 2 = 0 THEN 'x"y' END
  FROM generate_series(1, {odd_rows}) i;
CREATE TABLE {demo}."Odd ""Quoted"" Name.ü" (id integer PRIMARY KEY, "ÄÖÜ" text, "CamelCase" integer);
INSERT INTO {demo}."Odd ""Quoted"" Name.ü" SELECT i, repeat('ä', i % 5), -i FROM generate_series(1, {odd_rows}) i;
CREATE INDEX "idx ""odd"" name" ON {demo}."Odd ""Quoted"" Name.ü" ("CamelCase");

CREATE TABLE {demo}.awkward_values (
  id integer PRIMARY KEY, label text NOT NULL, t text, b bytea, j jsonb, a text[], n numeric,
  f double precision, ts timestamptz, d date, iv interval, u uuid);
INSERT INTO {demo}.awkward_values (id, label, t, b, j, a, n, f, ts, d, iv, u) VALUES
  (1, 'all-null', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (2, 'tab', E'a\tb', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (3, 'newline', E'a\nb', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (4, 'crlf', E'a\r\nb', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (5, 'backslash', E'a\\b', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (6, 'backslash-N', '\N', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (7, 'empty', '', ''::bytea, '{}', '{}', NULL, NULL, NULL, NULL, NULL, NULL),
  (8, 'unicode', 'ünïcødé 東京 🚀 ℃', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (9, 'quotes', 'it''s "quoted"', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (10, 'bytea-zero', NULL, '\x00'::bytea, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (11, 'bytea-binary', NULL, '\x00ff5c0a0d09'::bytea, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (12, 'jsonb-nested', NULL, NULL, '{"a": [1, "two", null, {"b": "t\tab"}], "unicode": "東京"}',
   NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (13, 'array-awkward', NULL, NULL, NULL, ARRAY['a,b', 'c"d', NULL, '', E'e\\f', 'NULL', '{x}'],
   NULL, NULL, NULL, NULL, NULL, NULL),
  (14, 'numeric-big', NULL, NULL, NULL, NULL, 12345678901234567890.12345678901234567890,
   NULL, NULL, NULL, NULL, NULL),
  (15, 'numeric-nan', NULL, NULL, NULL, NULL, 'NaN', NULL, NULL, NULL, NULL, NULL),
  (16, 'numeric-neg-infinity', NULL, NULL, NULL, NULL, '-Infinity', NULL, NULL, NULL, NULL, NULL),
  (17, 'float-nan', NULL, NULL, NULL, NULL, NULL, 'NaN', NULL, NULL, NULL, NULL),
  (18, 'float-infinity', NULL, NULL, NULL, NULL, NULL, 'Infinity', NULL, NULL, NULL, NULL),
  (19, 'float-negative-zero', NULL, NULL, NULL, NULL, NULL, '-0', NULL, NULL, NULL, NULL),
  (20, 'float-max', NULL, NULL, NULL, NULL, NULL, 1.7976931348623157e308, NULL, NULL, NULL, NULL),
  (21, 'timestamp-infinity', NULL, NULL, NULL, NULL, NULL, NULL, 'infinity', NULL, NULL, NULL),
  (22, 'timestamp-bc', NULL, NULL, NULL, NULL, NULL, NULL, '0044-03-15 12:00:00+00 BC', NULL, NULL, NULL),
  (23, 'date-neg-infinity', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '-infinity', NULL, NULL),
  (24, 'interval', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '1 year 2 mons -3 days 04:05:06.789', NULL),
  (25, 'uuid', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
  (26, 'long-text', repeat('long ', 10000), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (27, 'control-chars', chr(1) || chr(2) || chr(27) || '[0m', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

CREATE TABLE {demo}.empty_table (id integer PRIMARY KEY, note text);
CREATE SEQUENCE {demo}.invoice_seq START 1000 INCREMENT 7;
SELECT setval('{demo}.invoice_seq', 4242);
)sql",
                  {{"vehicles", p.vehicles_parent},
                   {"cars", p.cars},
                   {"trucks", p.trucks},
                   {"sensor_log", p.sensor_log},
                   {"odd_rows", p.odd_rows}}));
}

// Indexes and foreign keys after the data: faster, as a restore does it.
Status CreateIndexesAndKeys(PgConnection& conn) {
  return Step(conn, "indexes, foreign keys and the view", Sql(R"sql(
ALTER TABLE {demo}.readings ADD PRIMARY KEY (device_id, ts);
CREATE INDEX orders_customer_id_idx ON {demo}.orders (customer_id);
CREATE INDEX orders_created_at_idx ON {demo}.orders (created_at);
CREATE INDEX orders_open_idx ON {demo}.orders (created_at) WHERE status = 'open';
CREATE INDEX customers_email_lower_idx ON {demo}.customers (lower(email));
CREATE INDEX devices_tags_idx ON {demo}.devices USING gin (tags);
ALTER TABLE {demo}.devices ADD CONSTRAINT devices_region_id_fkey
  FOREIGN KEY (region_id) REFERENCES {demo}.regions (id);
ALTER TABLE {demo}.customers ADD CONSTRAINT customers_region_id_fkey
  FOREIGN KEY (region_id) REFERENCES {demo}.regions (id);
ALTER TABLE {demo}.orders ADD CONSTRAINT orders_customer_id_fkey
  FOREIGN KEY (customer_id) REFERENCES {demo}.customers (id);
ALTER TABLE {demo}.readings ADD CONSTRAINT readings_device_id_fkey
  FOREIGN KEY (device_id) REFERENCES {demo}.devices (id);
CREATE VIEW {demo}.order_totals AS
  SELECT c.id AS customer_id, c.name, count(o.id) AS orders, sum(o.amount) AS total
    FROM {demo}.customers c LEFT JOIN {demo}.orders o ON o.customer_id = c.id
   GROUP BY c.id, c.name;
)sql"));
}

// demo.metrics: a hypertable of one-day chunks, loaded chunk by chunk
// (create_chunk, then INSERT into the chunk table: faster than routing each
// row through the hypertable); the oldest chunks compressed; a continuous
// aggregate. Its policies come last (AddPolicies). The policies' windows
// never reach the 2024 data, so a real TimescaleDB's background jobs leave
// the demo as built (repeatable checksums).
Status CreateHypertable(PgConnection& conn, const DemoPlan& p, const std::string& ts) {
  HD_RETURN_IF_ERROR(Step(conn, "the hypertable demo.metrics",
                          Sql(R"sql(
CREATE TABLE {demo}.metrics (
  "time" timestamptz NOT NULL,
  device_id integer NOT NULL,
  cpu double precision,
  mem double precision,
  label text);
SELECT * FROM )sql") + ts + ".create_hypertable('" +
                              kDemo + ".metrics', " + ts + ".by_range('time', INTERVAL '1 day'))"));
  const int64_t per_chunk = p.metrics / p.metrics_chunks;
  std::vector<std::string> chunks;
  for (int k = 0; k < p.metrics_chunks; ++k) {
    const int64_t start = kMetricsStartMicros + k * kMicrosPerDay;
    auto r = conn.Exec(
        "SELECT format('%I.%I', schema_name, table_name) FROM "
        "_timescaledb_functions.create_chunk('" +
        kDemo + ".metrics', '{\"time\": [" + std::to_string(start) + ", " +
        std::to_string(start + kMicrosPerDay) + "]}')");
    if (!r.ok())
      return r.status().WithContext("building the demo database: chunk " + std::to_string(k));
    std::string chunk = r->GetString(0, 0);
    chunks.push_back(chunk);
    HD_RETURN_IF_ERROR(
        Step(conn, "loading chunk " + chunk,
             Sql(R"sql(
INSERT INTO )sql") +
                 chunk +
                 Sql(R"sql( ("time", device_id, cpu, mem, label)
SELECT timestamptz '2024-03-01 00:00:00+00' + interval '{k} days' + (j::bigint * {step}) * interval '1 microsecond',
       1 + j % 50, ((j::bigint * 31) % 10000) / 100.0, ((j::bigint * 17 + {k}) % 8192)::float8,
       CASE j % 4 WHEN 0 THEN NULL WHEN 1 THEN 'ok' WHEN 2 THEN E'warn\tlevel' ELSE 'crit ☢' END
  FROM generate_series(0, {per_chunk} - 1) j
)sql",
                     {{"k", k}, {"step", kMicrosPerDay / per_chunk}, {"per_chunk", per_chunk}})));
  }
  HD_RETURN_IF_ERROR(Step(conn, "enabling compression on demo.metrics",
                          Sql("ALTER TABLE {demo}.metrics SET (timescaledb.compress, "
                              "timescaledb.compress_segmentby = 'device_id', "
                              "timescaledb.compress_orderby = '\"time\" DESC')")));
  for (int k = 0; k < p.compressed_chunks; ++k) {
    HD_RETURN_IF_ERROR(Step(conn, "compressing " + chunks[k],
                            "SELECT " + ts + ".compress_chunk('" + chunks[k] + "')"));
  }
  return Step(conn, "the continuous aggregate demo.metrics_hourly", Sql(R"sql(
CREATE MATERIALIZED VIEW {demo}.metrics_hourly WITH (timescaledb.continuous) AS
SELECT )sql") + ts + Sql(R"sql(.time_bucket(INTERVAL '1 hour', "time") AS bucket, device_id,
       avg(cpu) AS avg_cpu, max(mem) AS max_mem, count(*) AS n
  FROM {demo}.metrics GROUP BY 1, 2 WITH NO DATA
)sql"));
}

// The policies, last: a real TimescaleDB starts a policy's job as soon as it
// is added, and a refresh job running alongside the demo's own refresh fails
// it ("tuple concurrently deleted"). Their windows never reach the 2024 data.
Status AddPolicies(PgConnection& conn, const std::string& ts) {
  HD_RETURN_IF_ERROR(Step(
      conn, "the compression policy",
      "SELECT " + ts + ".add_compression_policy('" + kDemo + ".metrics', INTERVAL '100 years')"));
  return Step(conn, "the continuous aggregate's refresh policy",
              "SELECT " + ts + ".add_continuous_aggregate_policy('" + kDemo +
                  ".metrics_hourly', start_offset => INTERVAL '30 days', "
                  "end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '1 hour')");
}

// Waits (at most 60 s) until the demo's jobs have run once and none runs:
// the scheduler starts each policy at once, and a run that ends after the
// build, or is still running when a dump pauses it, would leave a source
// that changes under the tests that compare with it.
Status WaitForFirstRuns(PgConnection& conn) {
  const std::string pending =
      "SELECT count(*) FROM timescaledb_information.job_stats s"
      " JOIN timescaledb_information.jobs j USING (job_id)"
      " WHERE j.hypertable_schema = 'demo' AND (s.total_runs = 0 OR s.last_run_duration IS NULL"
      " OR s.job_status = 'Running')";
  for (int i = 0; i < 600; ++i) {
    auto r = conn.Exec(pending);
    if (!r.ok()) return r.status().WithContext("building the demo database: waiting for its jobs");
    if (r->GetInt(0, 0) == 0) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Status(StatusCode::kDatabase,
                "building the demo database: its TimescaleDB policy jobs did not run within "
                "60 s of being added; is timescaledb.max_background_workers large enough?");
}

}  // namespace

Result<DemoShape> ParseDemoShape(const std::string& name) {
  if (name == "demo") return DemoShape::kDemo;
  if (name == "skewed") return DemoShape::kSkewed;
  return InvalidArgument("--shape " + name + ": unknown shape (known: demo, skewed)");
}

const char* DemoShapeName(DemoShape shape) {
  return shape == DemoShape::kSkewed ? "skewed" : "demo";
}

DemoPlan PlanDemo(const DemoOptions& opts) {
  DemoPlan p;
  p.regions = 8;
  p.devices = 200;
  p.partitions = std::max(1, opts.partitions);
  p.sensor_log = 3000;
  p.vehicles_parent = 10;
  p.cars = 20;
  p.trucks = 15;
  p.odd_rows = 100;
  p.awkward_values = 27;
  p.readings_default = 10;

  const int64_t budget =
      std::max<int64_t>(static_cast<int64_t>(opts.target_bytes) - kFixedBytes, 1 << 20);
  // Shares of the budget: the large table, the partitioned series and,
  // with TimescaleDB, the hypertable.
  const bool skewed = opts.shape == DemoShape::kSkewed;
  const double orders_share = skewed ? 0.9 : opts.timescaledb ? 0.35 : 0.5;
  const double readings_share =
      skewed ? (opts.timescaledb ? 0.05 : 0.1) : (opts.timescaledb ? 0.35 : 0.5);
  const double metrics_share = skewed ? 0.05 : 0.3;
  p.orders = std::max<int64_t>(1000, static_cast<int64_t>(budget * orders_share) / kOrderRowBytes);
  p.customers = std::max<int64_t>(100, p.orders / 50);
  const int64_t in_range =
      std::max<int64_t>(int64_t{100} * p.partitions,
                        static_cast<int64_t>(budget * readings_share) / kReadingRowBytes);
  p.readings = in_range + p.readings_default;
  if (opts.timescaledb) {
    p.metrics_chunks = p.partitions;
    const int64_t per_chunk = std::max<int64_t>(
        100, static_cast<int64_t>(budget * metrics_share) / kMetricRowBytes / p.metrics_chunks);
    p.metrics = per_chunk * p.metrics_chunks;
    p.compressed_chunks = std::min(2, p.metrics_chunks - 1);
  }
  return p;
}

Result<DemoResult> BuildDemo(PgConnection& conn, const DemoOptions& opts) {
  // One transaction: a failed build leaves nothing that looks like a demo.
  HD_RETURN_IF_ERROR(
      Step(conn, "BEGIN", "BEGIN; SET LOCAL client_min_messages = warning"));  // no CASCADE chatter
  auto fail = [&conn](Status st) -> Result<DemoResult> {
    conn.Run("ROLLBACK").IgnoreError();
    return st;
  };
  if (Status st = CheckOrDropExisting(conn, opts); !st.ok()) return fail(st);
  auto timescale = SetUpTimescale(conn, opts);
  if (!timescale.ok()) return fail(timescale.status());
  const auto& [mode, ts_schema] = *timescale;

  DemoOptions effective = opts;
  effective.timescaledb = mode != "none";
  DemoResult result{PlanDemo(effective), mode};
  const DemoPlan& p = result.plan;

  // The phases, smallest tables first so foreign keys find their targets.
  for (auto phase : {CreateDimensionTables, CreateOrders, CreateReadings, CreateOddShapes}) {
    if (Status st = phase(conn, p); !st.ok()) return fail(st);
  }
  if (Status st = CreateIndexesAndKeys(conn); !st.ok()) return fail(st);
  if (mode != "none") {
    if (Status st = CreateHypertable(conn, p, ts_schema); !st.ok()) return fail(st);
  }
  HD_RETURN_IF_ERROR(Step(conn, "COMMIT", "COMMIT"));

  // A real TimescaleDB refuses to refresh a continuous aggregate inside a
  // transaction block, so this runs after COMMIT.
  if (mode != "none") {
    HD_RETURN_IF_ERROR(Step(conn, "refreshing demo.metrics_hourly",
                            "CALL " + ts_schema + ".refresh_continuous_aggregate('" + kDemo +
                                ".metrics_hourly', NULL, NULL)"));
    HD_RETURN_IF_ERROR(AddPolicies(conn, ts_schema));
    HD_RETURN_IF_ERROR(WaitForFirstRuns(conn));
  }
  HD_RETURN_IF_ERROR(Step(conn, "ANALYZE", "ANALYZE"));
  return result;
}

Status BuildDemoDatabase(PgConnection& conn, const DemoOptions& opts) {
  auto r = BuildDemo(conn, opts);
  return r.ok() ? Status::Ok() : r.status();
}

}  // namespace hyperdump::bench
