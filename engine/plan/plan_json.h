// plan.json, the archive's plan: the one schema of the blob `hyperdump dump`
// writes and `hyperdump restore` (and `migrate`) reads. The writer and the
// reader are the to_json/from_json pairs below, so they cannot drift apart;
// docs/format.md ("plan.json") documents every field.
//
// Reading is lenient about absence (a missing key reads as its default, so
// archives of earlier versions read) and strict about types: a present key
// of the wrong type, or an unknown table kind, throws (nlohmann::json's
// exceptions, std::invalid_argument), which ReadPlanFile turns into kCorrupt.
#ifndef HYPERDUMP_ENGINE_PLAN_PLAN_JSON_H_
#define HYPERDUMP_ENGINE_PLAN_PLAN_JSON_H_

#include <cstdint>
#include <functional>
#include <istream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "engine/plan/dump_plan.h"

namespace hyperdump::engine {

// A table named by its unquoted parts.
struct TableName {
  std::string schema, name;
  std::string Key() const { return schema + "." + name; }  // "schema.name", for display
};

// One item of `pg_restore -l --section=post-data` of schema.pgdump with the
// table it is on, resolved by the dump in the source's catalog under the
// dump's snapshot (MapPostData, engine/dump/schema_dump.h).
struct PostDataItem {
  std::string desc;      // "INDEX", "CONSTRAINT", "FK CONSTRAINT", "TRIGGER", "INDEX ATTACH"...
  int64_t toc_id = 0;    // pg_restore's dump id of the item in schema.pgdump
  std::string toc_line;  // the exact `pg_restore -l` line (usable in a -L list)
  std::string schema;    // the table's schema ("" when the item is on no table)
  std::string name;      // the object's name ("" when unknown)
  std::optional<TableName> table;          // none: on no table (EVENT TRIGGER, PUBLICATION...)
  std::optional<size_t> table_index;       // into plan.json "tables"; none: no data of its own
  std::optional<TableName> references;     // FK CONSTRAINT: the referenced table
  std::optional<size_t> references_index;  // likewise
};

// What restore keeps of a post-data item: where it goes, as TableName::Key()
// ("schema.name"); `table` is empty for an item on no table, `ref` for one
// that references none. A fraction of a PostDataItem's memory: a restore at
// 100,000 chunks holds hundreds of thousands of them (issue 18).
struct ItemPlacement {
  int64_t toc_id = 0;
  std::string table, ref;
};

// What plan.json holds beside the plan itself.
struct PlanAdditions {
  // jobs[i].file: the data file plan.jobs[i] writes ("" in archives older
  // than `migrate`).
  std::vector<std::string> job_files;
  std::vector<std::string> large_object_files;  // the large-object batch files
  std::string copy_format;                      // "text" | "binary"
  // The source's bgw_job_stat rows of its user jobs (row_to_json each);
  // an empty array without TimescaleDB or in archives of earlier versions.
  nlohmann::json timescaledb_job_stats = nlohmann::json::array();
  // Every post-data item, in archive order. Every archive hyperdump wrote
  // has it; none only in a plan.json written by hand.
  std::optional<std::vector<PostDataItem>> post_data;
};

// The whole document.
struct PlanFile : PlanAdditions {
  // "server", "tables", "jobs" (without their files), "sequences",
  // "large_objects". Plan::schema_selection and TableInfo::column_values are
  // the dump's own and not stored.
  DumpPlan plan;
};

void to_json(nlohmann::json& j, const ServerFacts& s);
void from_json(const nlohmann::json& j, ServerFacts& s);
void to_json(nlohmann::json& j, const TableInfo& t);
void from_json(const nlohmann::json& j, TableInfo& t);
void to_json(nlohmann::json& j, const SequenceInfo& s);
void from_json(const nlohmann::json& j, SequenceInfo& s);
void to_json(nlohmann::json& j, const PostDataItem& item);
void from_json(const nlohmann::json& j, PostDataItem& item);
// A Plan alone (`dump --dry-run --json`): plan.json without the dump's
// additions. Jobs carry their table's kind, object name and load_after for
// the reader's convenience; from_json reads jobs' id, table, range, bytes.
void to_json(nlohmann::json& j, const DumpPlan& plan);
void from_json(const nlohmann::json& j, DumpPlan& plan);
void to_json(nlohmann::json& j, const PlanFile& file);
void from_json(const nlohmann::json& j, PlanFile& file);

// Writes plan.json's text for `plan` and `additions` to `out`, in pieces of
// about 1 MiB: exactly nlohmann::json(PlanFile).dump(1) and a newline, without
// building that tree (at 100,000 chunks the tree and its text were most of a
// dump's peak memory), and without copying the dump's plan, which its
// workers are reading while the schema thread writes this.
//
// `post_data_batches`, when given, stands for additions.post_data: the map
// handed over a batch at a time, so that the dump never holds all of it.
struct PostDataBatches {
  size_t count = 0;  // items in all
  size_t batch = 20000;
  // Items [begin, end) of the map, in archive order.
  std::function<Result<std::vector<PostDataItem>>(size_t begin, size_t end)> map;
};
Status WritePlanFile(const DumpPlan& plan, const PlanAdditions& additions,
                     const std::function<Status(std::string_view)>& out,
                     const PostDataBatches* post_data_batches = nullptr);

// Parses plan.json's text; kCorrupt (naming `where`) when it is not JSON or
// does not read as a plan.
Result<PlanFile> ReadPlanFile(const std::string& text, const std::string& where);
// The same, parsing a stream as it is read (plan.json is over 100 MB at
// 100,000 chunks).
Result<PlanFile> ReadPlanFile(std::istream& in, const std::string& where);

// Where ReadPlanFile hands each element of plan.json's long arrays instead
// of keeping it in the PlanFile, as soon as it is parsed: a reader that
// converts them at once never holds both forms, nor a vector of them
// doubling as it grows (issue 18). An array whose sink is set stays empty in
// the PlanFile (post_data present but empty when the file has the map).
// Called on the reading thread, in file order.
struct PlanElementSinks {
  std::function<void(TableInfo)> table;
  std::function<void(DataJob, std::string file)> job;
  std::function<void(PostDataItem)> post_data;
};
Result<PlanFile> ReadPlanFile(std::istream& in, const std::string& where,
                              const PlanElementSinks& sinks);

// The placement of one post-data item.
ItemPlacement PlacementOf(const PostDataItem& item);

}  // namespace hyperdump::engine

#endif  // HYPERDUMP_ENGINE_PLAN_PLAN_JSON_H_
