#include "engine/restore/schema_restore.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace hyperdump::engine {
namespace {

SchemaItem Key(std::string table, std::string ref, std::string sql) {
  SchemaItem item;
  item.SetToc("FK CONSTRAINT", "demo " + table + "_fkey postgres");
  item.pass = ItemPass::kForeignKey;
  item.table = "demo." + table;
  item.ref = "demo." + ref;
  item.sql = std::move(sql);
  return item;
}

// Keys on or to a table lacking rows: NOT VALID, or taken out on a
// partitioned table (PostgreSQL 15 refuses NOT VALID there); every other
// item is left exactly as it was, in order.
TEST(LeaveForeignKeysUncheckedTest, KeysTouchingTablesLackingRowsAreNotValidOrNamed) {
  SchemaScript script;
  const std::string comment = "--\n-- Name: orders orders_fkey; Type: FK CONSTRAINT\n--\n\n";
  script.items.push_back(Key("orders", "customers",
                             comment +
                                 "ALTER TABLE ONLY demo.orders\n    ADD CONSTRAINT "
                                 "orders_fkey FOREIGN KEY (c) REFERENCES demo.customers(id);\n\n"));
  script.items.push_back(Key("readings", "devices",
                             "ALTER TABLE demo.readings\n    ADD CONSTRAINT readings_fkey FOREIGN "
                             "KEY (d) REFERENCES demo.devices(id);\n"));
  const std::string complete =
      "ALTER TABLE ONLY demo.a\n    ADD CONSTRAINT a_fkey FOREIGN KEY (b) REFERENCES demo.b(id);\n";
  script.items.push_back(Key("a", "b", complete));
  const std::string already =
      "ALTER TABLE ONLY demo.c\n    ADD CONSTRAINT c_fkey FOREIGN KEY (b) REFERENCES "
      "demo.customers(id) NOT VALID;\n";
  script.items.push_back(Key("c", "customers", already));
  SchemaItem index;
  index.pass = ItemPass::kTable;
  index.table = "demo.orders";
  index.sql = "CREATE INDEX i ON demo.orders USING btree (c);\n";
  script.items.push_back(index);

  UncheckedForeignKeys out =
      LeaveForeignKeysUnchecked(script, {"demo.customers", "demo.devices"}, {"demo.readings"});
  EXPECT_EQ(out.not_valid, 1);
  ASSERT_EQ(out.not_added.size(), 1u);
  EXPECT_EQ(out.not_added[0],
            "FK CONSTRAINT demo readings_fkey postgres: ALTER TABLE demo.readings\n    ADD "
            "CONSTRAINT readings_fkey FOREIGN KEY (d) REFERENCES demo.devices(id);");
  ASSERT_EQ(script.items.size(), 4u);
  EXPECT_EQ(script.items[0].sql, comment +
                                     "ALTER TABLE ONLY demo.orders\n    ADD CONSTRAINT "
                                     "orders_fkey FOREIGN KEY (c) REFERENCES "
                                     "demo.customers(id) NOT VALID;\n\n");
  EXPECT_EQ(script.items[1].sql, complete);
  EXPECT_EQ(script.items[2].sql, already);
  EXPECT_EQ(script.items[3].sql, index.sql);
}

SchemaItem Placed(const std::string& desc, const std::string& body) {
  SchemaItem item;
  item.SetToc(desc, "");
  EXPECT_TRUE(PlaceItemBySql(body, item)) << body;
  return item;
}

// pg_dump's own archives have no plan.json: an index or key is placed on
// its table by the statement pg_dump printed, quoted names included.
TEST(PlaceItemBySqlTest, IndexesAndKeysArePlacedOnTheTablesTheirStatementsName) {
  SchemaItem i = Placed("INDEX",
                        "CREATE UNIQUE INDEX \"x ON y\" ON ONLY \"Odd \"\"S\"\"\".\"t.1\" "
                        "USING btree (a);\n");
  EXPECT_EQ(i.table, "Odd \"S\".t.1");
  SchemaItem c = Placed("CONSTRAINT",
                        "ALTER TABLE ONLY _timescaledb_internal._hyper_1_2_chunk\n    ADD "
                        "CONSTRAINT \"2_3_pk\" PRIMARY KEY (id);\n");
  EXPECT_EQ(c.table, "_timescaledb_internal._hyper_1_2_chunk");
  SchemaItem f = Placed("FK CONSTRAINT",
                        "ALTER TABLE demo.readings\n    ADD CONSTRAINT \"REFERENCES\" FOREIGN KEY "
                        "(d) REFERENCES demo.\"Dev ices\"(id) ON DELETE CASCADE;\n");
  EXPECT_EQ(f.table, "demo.readings");
  EXPECT_EQ(f.ref, "demo.Dev ices");
  SchemaItem odd;
  odd.SetToc("FK CONSTRAINT", "");
  EXPECT_FALSE(PlaceItemBySql("ALTER TABLE demo.a ADD CONSTRAINT k CHECK (a > 0);\n", odd));
  odd.SetToc("INDEX", "");
  EXPECT_FALSE(PlaceItemBySql("SELECT 1;\n", odd));
}

}  // namespace
}  // namespace hyperdump::engine

namespace hyperdump::engine {
namespace {

// Items read their SQL back from pg_restore's output, which has no name once
// opened: nothing is left in the directory, and a range past its end is an
// error naming the byte, never a short statement.
TEST(SqlTextTest, ReadsAnItemsBytesAfterItsSettingsFromAFileWithNoName) {
  char dir[] = "/tmp/hd-sqltext-test.XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/sql.out";
  {
    std::ofstream out(path, std::ios::binary);
    out << "SET x = 1;\nCREATE TABLE a (i int);\n\nCREATE INDEX b ON a (i);\n";
  }
  auto text = SqlText::Open(path);
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_FALSE(std::filesystem::exists(path));
  const uint32_t none = (*text)->Intern("");
  const uint32_t settings = (*text)->Intern("SET default_tablespace = '';\n");
  EXPECT_EQ(none, 0u);
  EXPECT_EQ((*text)->Intern("SET default_tablespace = '';\n"), settings);
  SchemaItem item;
  item.text = *text;
  item.prefix = settings;
  item.offset = 11;
  item.length = 24;
  auto sql = item.Sql();
  ASSERT_TRUE(sql.ok()) << sql.status().message();
  EXPECT_EQ(*sql, "SET default_tablespace = '';\nCREATE TABLE a (i int);\n");
  item.offset = 60;  // the file's last byte, then its end (61)
  auto past = item.Sql();
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.status().message(),
            "cannot read the schema's SQL (pg_restore's output) at byte 61: it ended early");
  item.SetSql("SELECT 1;\n");
  EXPECT_EQ(*item.Sql(), "SELECT 1;\n");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hyperdump::engine
