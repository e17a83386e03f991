// --copy-format auto through the binary, on the real TimescaleDB: each data
// file's format follows its table's column types (binary for built-in and
// TimescaleDB types and for compressed chunks, text for user types), the
// manifest records it per file, and restore reads each file in its own
// format, row for row.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "engine/pg/pg.h"
#include "format/reader.h"
#include "tests/test_db.h"

namespace hyperdump {
namespace {

namespace fs = std::filesystem;
using engine::PgConnection;
using testing::ScratchDatabase;

class CopyFormatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HD_REQUIRE_TIMESCALEDB();
    char tmpl[] = "/tmp/hd-copy-format-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    tmp_ = tmpl;
  }
  void TearDown() override {
    if (!tmp_.empty()) fs::remove_all(tmp_);
  }
  testing::CommandResult Hd(std::vector<std::string> args) {
    args.insert(args.begin(), HYPERDUMP_BIN);
    return testing::RunCommand("", args, tmp_);
  }
  std::string tmp_;
};

// "schema.name" -> the formats of its files, from the manifest.
std::map<std::string, std::set<std::string>> FormatsByTable(const std::string& dir) {
  std::map<std::string, std::set<std::string>> out;
  auto reader = format::ArchiveReader::Open(dir);
  EXPECT_TRUE(reader.ok()) << reader.status().message();
  if (!reader.ok()) return out;
  for (const format::FileEntry& f : (*reader)->manifest().files) {
    if (f.kind != format::FileKind::kData || !f.meta.contains("schema")) continue;
    out[f.meta.value("schema", "") + "." + f.meta.value("name", "")].insert(
        f.meta.value("copy_format", ""));
  }
  return out;
}

TEST_F(CopyFormatTest, EachTablesFormatFollowsItsColumnTypesAndRestoresRowForRow) {
  ScratchDatabase src("copy_format_src");
  PgConnection s = src.Connect();
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s.Run(R"sql(
    CREATE EXTENSION IF NOT EXISTS timescaledb;
    CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy');
    CREATE DOMAIN public.positive AS int CHECK (VALUE > 0);
    CREATE TABLE public.builtin (id bigint, t timestamptz, j jsonb, a int[], n numeric,
                                 b bytea, txt text);
    INSERT INTO public.builtin SELECT g, '2024-01-01'::timestamptz + g * interval '1 min',
      jsonb_build_object('g', g), ARRAY[g, -g], g / 7.0, decode(md5(g::text), 'hex'),
      E'tab\there ' || g FROM generate_series(1, 2000) g;
    CREATE TABLE public.user_types (id int, m public.mood, p public.positive);
    INSERT INTO public.user_types SELECT g, (ARRAY['sad','ok','happy']::public.mood[])[g % 3 + 1],
      g FROM generate_series(1, 300) g;
    CREATE TABLE public.metrics (ts timestamptz NOT NULL, device int, m public.mood, v float8);
    SELECT create_hypertable('public.metrics', 'ts', chunk_time_interval => interval '1 day');
    INSERT INTO public.metrics SELECT '2024-01-01'::timestamptz + g * interval '10 min', g % 5,
      (ARRAY['sad','ok','happy']::public.mood[])[g % 3 + 1], g * 0.5
      FROM generate_series(0, 1000) g;
    ALTER TABLE public.metrics SET (timescaledb.compress, timescaledb.compress_segmentby = 'device');
    SELECT compress_chunk(c) FROM show_chunks('public.metrics') c ORDER BY c LIMIT 3;
  )sql")
                  .ok());
  // auto, and binary as asked for: both restore row for row. A reg* column
  // (the catalog's compression_settings.relid is a regclass) is text in both,
  // as its binary form is a source OID: restoring it in binary broke every
  // compressed chunk's decompression on the target (a server crash).
  for (const std::string mode : {"auto", "binary"}) {
    SCOPED_TRACE("--copy-format " + mode);
    ScratchDatabase dst("copy_format_dst");
    const std::string dir = tmp_ + "/archive-" + mode;
    testing::CommandResult d =
        Hd({"dump", "-d", src.uri(), "-f", dir, "-j", "2", "--copy-format", mode});
    ASSERT_EQ(d.exit_code, 0) << d.out << d.err;

    std::map<std::string, std::set<std::string>> formats = FormatsByTable(dir);
    using Set = std::set<std::string>;
    const Set binary{"binary"}, text{"text"};
    EXPECT_EQ(formats["public.builtin"], binary);
    EXPECT_EQ(formats["public.user_types"], mode == "auto" ? text : binary);
    EXPECT_EQ(formats["_timescaledb_catalog.compression_settings"], text);
    EXPECT_EQ(formats["_timescaledb_catalog.hypertable"], binary);
    int compressed = 0, chunks = 0;
    for (const auto& [table, f] : formats) {
      if (table.find("compress_hyper_") != std::string::npos) {
        ++compressed;
        EXPECT_EQ(f, binary) << table << ": a compressed chunk, whatever its segmentby types";
      } else if (table.find("._hyper_") != std::string::npos) {
        ++chunks;
        EXPECT_EQ(f, mode == "auto" ? text : binary) << table << ": a chunk with an enum column";
      }
    }
    EXPECT_EQ(compressed, 3);
    EXPECT_GE(chunks, 5);

    testing::CommandResult r = Hd({"restore", "-d", dst.uri(), "-j", "2", dir});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    testing::ExpectSameRows(src.uri(), dst.uri());
    auto a = PgConnection::Connect(src.uri());
    auto b = PgConnection::Connect(dst.uri());
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(testing::QueryValue(*b, "SELECT count(*) FROM public.metrics"), "1001");
    EXPECT_EQ(testing::QueryValue(*b, "SELECT sum(n)::text FROM public.builtin"),
              testing::QueryValue(*a, "SELECT sum(n)::text FROM public.builtin"));
  }
}

}  // namespace
}  // namespace hyperdump
