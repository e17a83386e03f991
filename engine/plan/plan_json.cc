#include "engine/plan/plan_json.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace hyperdump::engine {

using nlohmann::json;

namespace {

// Sets `out` from j[key] when present and not null; absent keys keep the
// default. A present value of another type throws.
template <typename T>
void Read(const json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) it->get_to(out);
}

TableKind ParseTableKind(const std::string& name) {
  for (TableKind kind :
       {TableKind::kTable, TableKind::kPartition, TableKind::kInheritanceChild, TableKind::kChunk,
        TableKind::kCompressedChunk, TableKind::kHypertable, TableKind::kExtensionConfig}) {
    if (name == TableKindName(kind)) return kind;
  }
  throw std::invalid_argument("unknown table kind \"" + name + "\"");
}

json JobToJson(const DataJob& job, const std::vector<TableInfo>& tables) {
  const TableInfo& t = tables.at(job.table_index);
  json range = nullptr;
  if (job.range) range = json::array({job.range->start_block, job.range->end_block});
  return {{"id", job.id},
          {"table", job.table_index},
          {"kind", TableKindName(t.kind)},
          {"object", t.schema + "." + t.name},
          {"range", range},
          {"bytes", job.estimated_bytes},
          {"load_after", t.load_after}};
}

DataJob JobFromJson(const json& j) {
  DataJob job;
  Read(j, "id", job.id);
  j.at("table").get_to(job.table_index);  // a job on no table is no job
  Read(j, "bytes", job.estimated_bytes);
  auto range = j.find("range");
  if (range != j.end() && !range->is_null()) {
    job.range = CtidRange{range->at(0).get<int64_t>(), range->at(1).get<int64_t>()};
  }
  return job;
}

}  // namespace

void to_json(json& j, const ServerFacts& s) {
  j = {{"server_version_num", s.server_version_num},
       {"server_version", s.server_version},
       {"database", s.database},
       {"timescaledb_version", s.timescaledb_version},
       {"extensions", json::object()}};
  for (const auto& [name, version] : s.extensions) j["extensions"][name] = version;
}

void from_json(const json& j, ServerFacts& s) {
  Read(j, "server_version_num", s.server_version_num);
  Read(j, "server_version", s.server_version);
  Read(j, "database", s.database);
  Read(j, "timescaledb_version", s.timescaledb_version);
  if (auto ext = j.find("extensions"); ext != j.end() && ext->is_object()) {
    for (const auto& [name, version] : ext->items()) {
      s.extensions.emplace_back(name, version.get<std::string>());
    }
  }
}

void to_json(json& j, const TableInfo& t) {
  j = {{"oid", t.oid},
       {"schema", t.schema},
       {"name", t.name},
       {"kind", TableKindName(t.kind)},
       {"relfilenode", t.relfilenode},
       {"parent", t.parent},
       {"hypertable", t.hypertable},
       {"compressed_of", t.compressed_of},
       {"extension", t.extension},
       {"copy_filter", t.copy_filter},
       {"load_after", t.load_after},
       {"bytes", t.bytes},
       {"rows", t.rows_estimate},
       {"pages", t.pages}};
}

void from_json(const json& j, TableInfo& t) {
  Read(j, "oid", t.oid);
  Read(j, "schema", t.schema);
  Read(j, "name", t.name);
  std::string kind = TableKindName(TableKind::kTable);
  Read(j, "kind", kind);
  t.kind = ParseTableKind(kind);
  Read(j, "relfilenode", t.relfilenode);
  Read(j, "parent", t.parent);
  Read(j, "hypertable", t.hypertable);
  Read(j, "compressed_of", t.compressed_of);
  Read(j, "extension", t.extension);
  Read(j, "copy_filter", t.copy_filter);
  Read(j, "load_after", t.load_after);
  Read(j, "bytes", t.bytes);
  Read(j, "rows", t.rows_estimate);
  Read(j, "pages", t.pages);
}

void to_json(json& j, const SequenceInfo& s) {
  j = {{"schema", s.schema},
       {"name", s.name},
       {"owned_by", s.owned_by},
       {"last_value", s.last_value},
       {"is_called", s.is_called}};
}

void from_json(const json& j, SequenceInfo& s) {
  Read(j, "schema", s.schema);
  Read(j, "name", s.name);
  Read(j, "owned_by", s.owned_by);
  Read(j, "last_value", s.last_value);
  Read(j, "is_called", s.is_called);
}

void to_json(json& j, const PostDataItem& item) {
  j = {{"desc", item.desc},     {"toc_id", item.toc_id}, {"toc_line", item.toc_line},
       {"schema", item.schema}, {"name", item.name},     {"table", nullptr},
       {"table_index", nullptr}};
  if (item.table) {
    j["table"] = item.table->Key();
    j["table_schema"] = item.table->schema;
    j["table_name"] = item.table->name;
    if (item.table_index) j["table_index"] = *item.table_index;
  }
  if (item.references) {
    j["references"] = item.references->Key();
    j["references_schema"] = item.references->schema;
    j["references_name"] = item.references->name;
    j["references_index"] = item.references_index ? json(*item.references_index) : json();
  }
}

void from_json(const json& j, PostDataItem& item) {
  Read(j, "desc", item.desc);
  Read(j, "toc_id", item.toc_id);
  Read(j, "toc_line", item.toc_line);
  Read(j, "schema", item.schema);
  Read(j, "name", item.name);
  if (j.contains("table_schema") && j.contains("table_name")) {
    item.table =
        TableName{j.at("table_schema").get<std::string>(), j.at("table_name").get<std::string>()};
    if (auto i = j.find("table_index"); i != j.end() && !i->is_null()) {
      item.table_index = i->get<size_t>();
    }
  }
  if (j.contains("references_schema") && j.contains("references_name")) {
    item.references = TableName{j.at("references_schema").get<std::string>(),
                                j.at("references_name").get<std::string>()};
    if (auto i = j.find("references_index"); i != j.end() && !i->is_null()) {
      item.references_index = i->get<size_t>();
    }
  }
}

void to_json(json& j, const DumpPlan& plan) {
  json jobs = json::array();
  for (const DataJob& job : plan.jobs) jobs.push_back(JobToJson(job, plan.tables));
  j = {{"server", plan.server},
       {"tables", plan.tables},
       {"jobs", std::move(jobs)},
       {"sequences", plan.sequences},
       {"large_objects", plan.large_objects}};
}

void from_json(const json& j, DumpPlan& plan) {
  Read(j, "server", plan.server);
  Read(j, "tables", plan.tables);
  if (auto jobs = j.find("jobs"); jobs != j.end() && jobs->is_array()) {
    for (const json& job : *jobs) plan.jobs.push_back(JobFromJson(job));
  }
  Read(j, "sequences", plan.sequences);
  Read(j, "large_objects", plan.large_objects);
}

void to_json(json& j, const PlanFile& file) {
  j = file.plan;
  for (size_t i = 0; i < file.job_files.size() && i < file.plan.jobs.size(); ++i) {
    j["jobs"][i]["file"] = file.job_files[i];
  }
  j["large_object_files"] = file.large_object_files;
  if (file.post_data) j["post_data"] = *file.post_data;
  j["copy_format"] = file.copy_format;
  j["timescaledb_job_stats"] = file.timescaledb_job_stats;
}

void from_json(const json& j, PlanFile& file) {
  j.get_to(file.plan);
  if (auto jobs = j.find("jobs"); jobs != j.end() && jobs->is_array()) {
    for (const json& job : *jobs) file.job_files.push_back(job.value("file", std::string()));
  }
  Read(j, "large_object_files", file.large_object_files);
  Read(j, "copy_format", file.copy_format);
  if (auto stats = j.find("timescaledb_job_stats"); stats != j.end() && stats->is_array()) {
    file.timescaledb_job_stats = *stats;
  }
  if (auto post = j.find("post_data"); post != j.end() && !post->is_null()) {
    file.post_data = post->get<std::vector<PostDataItem>>();
  }
}

namespace {

// `text` (a value as dump(1) prints it) re-indented `depth` spaces deeper:
// JSON strings hold no raw newline, so every '\n' is a line break of the layout.
std::string Indented(const std::string& text, size_t depth) {
  const std::string pad(depth, ' ');
  std::string out = pad;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    out += c;
    if (c == '\n') out += pad;
  }
  return out;
}

}  // namespace

Status WritePlanFile(const DumpPlan& plan, const PlanAdditions& additions,
                     const std::function<Status(std::string_view)>& out,
                     const PostDataBatches* post_data_batches) {
  // The document with its three long arrays empty; their elements are
  // serialized one at a time into the places the empty arrays print at.
  // Must say what to_json(PlanFile) says (plan_json_test compares them).
  json top = {{"server", plan.server},
              {"tables", json::array()},
              {"jobs", json::array()},
              {"sequences", plan.sequences},
              {"large_objects", plan.large_objects},
              {"large_object_files", additions.large_object_files},
              {"copy_format", additions.copy_format},
              {"timescaledb_job_stats", additions.timescaledb_job_stats}};
  struct LongArray {
    std::string key;
    size_t size;
    std::function<Result<json>(size_t)> element;
  };
  std::vector<LongArray> arrays = {
      {"tables", plan.tables.size(),
       [&](size_t i) -> Result<json> { return json(plan.tables[i]); }},
      {"jobs", plan.jobs.size(),
       [&](size_t i) -> Result<json> {
         json j = JobToJson(plan.jobs[i], plan.tables);
         if (i < additions.job_files.size()) j["file"] = additions.job_files[i];
         return j;
       }},
  };
  std::vector<PostDataItem> batch;  // items [batch_begin, batch_begin + batch.size())
  size_t batch_begin = 0;
  if (post_data_batches) {
    top["post_data"] = json::array();
    const PostDataBatches& b = *post_data_batches;
    arrays.push_back({"post_data", b.count, [&](size_t i) -> Result<json> {
                        if (i >= batch_begin + batch.size()) {
                          batch.clear();  // before the next batch is made
                          HD_ASSIGN_OR_RETURN(batch, b.map(i, std::min(b.count, i + b.batch)));
                          batch_begin = i;
                          if (batch.empty()) return Internal("the post-data map ended early");
                        }
                        return json(batch[i - batch_begin]);
                      }});
  } else if (additions.post_data) {
    top["post_data"] = json::array();
    const std::vector<PostDataItem>& items = *additions.post_data;
    arrays.push_back(
        {"post_data", items.size(), [&](size_t i) -> Result<json> { return json(items[i]); }});
  }
  const std::string text = top.dump(1);
  std::vector<std::pair<size_t, const LongArray*>> places;  // where each "[]" is, in text order
  for (const LongArray& a : arrays) {
    const std::string marker = "\n \"" + a.key + "\": [";
    places.emplace_back(text.find(marker + "]") + marker.size(), &a);
  }
  std::sort(places.begin(), places.end());

  std::string buffer;
  auto flush_if_full = [&]() -> Status {
    if (buffer.size() < (size_t{1} << 20)) return Status::Ok();
    Status s = out(buffer);
    buffer.clear();
    return s;
  };
  size_t done = 0;
  for (const auto& [at, array] : places) {
    buffer.append(text, done, at - done);
    for (size_t i = 0; i < array->size; ++i) {
      buffer += i ? ",\n" : "\n";
      HD_ASSIGN_OR_RETURN(json element, array->element(i));
      buffer += Indented(element.dump(1), 2);
      HD_RETURN_IF_ERROR(flush_if_full());
    }
    if (array->size) buffer += "\n ";
    done = at;  // the "]"
  }
  buffer.append(text, done);
  buffer += "\n";
  return out(buffer);
}

template <typename Input>
Result<PlanFile> ReadPlanFileFrom(Input&& input, const std::string& where,
                                  const PlanElementSinks& sinks) {
  // Each element of the three long arrays is converted as soon as it is
  // parsed and dropped from the tree (the callback returns false), so the
  // tree never holds more than one of them: at 100,000 chunks the whole
  // tree was most of a restore's peak memory.
  PlanFile file;
  std::string key;    // the top-level key being read
  std::string error;  // the first element that did not read as its type
  auto element = [&](int depth, json::parse_event_t event, json& parsed) -> bool {
    if (depth == 1 && event == json::parse_event_t::key) {
      key = parsed.get<std::string>();
      return true;
    }
    if (depth != 2 || event != json::parse_event_t::object_end ||
        (key != "tables" && key != "jobs" && key != "post_data")) {
      return true;
    }
    try {
      if (key == "tables") {
        if (sinks.table) {
          sinks.table(parsed.get<TableInfo>());
        } else {
          file.plan.tables.push_back(parsed.get<TableInfo>());
        }
      } else if (key == "jobs") {
        if (sinks.job) {
          sinks.job(JobFromJson(parsed), parsed.value("file", std::string()));
        } else {
          file.plan.jobs.push_back(JobFromJson(parsed));
          file.job_files.push_back(parsed.value("file", std::string()));
        }
      } else {
        if (!file.post_data) file.post_data.emplace();
        if (sinks.post_data) {
          sinks.post_data(parsed.get<PostDataItem>());
        } else {
          file.post_data->push_back(parsed.get<PostDataItem>());
        }
      }
    } catch (const std::exception& e) {
      if (error.empty()) error = key + "[]: " + e.what();
    }
    return false;
  };
  json j = json::parse(std::forward<Input>(input), element, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Corrupt(where + " is not valid JSON");
  if (!error.empty()) return Corrupt(where + " does not read as a hyperdump plan: " + error);
  try {
    PlanFile rest = j.get<PlanFile>();  // what is left: the short parts
    std::swap(rest.plan.tables, file.plan.tables);
    std::swap(rest.plan.jobs, file.plan.jobs);
    std::swap(rest.job_files, file.job_files);
    if (j.contains("post_data") && !j["post_data"].is_null()) {
      if (!file.post_data) file.post_data.emplace();  // an empty map
      std::swap(rest.post_data, file.post_data);
    }
    return rest;
  } catch (const std::exception& e) {
    return Corrupt(where + " does not read as a hyperdump plan: " + e.what());
  }
}

Result<PlanFile> ReadPlanFile(const std::string& text, const std::string& where) {
  return ReadPlanFileFrom(text, where, {});
}

Result<PlanFile> ReadPlanFile(std::istream& in, const std::string& where) {
  return ReadPlanFileFrom(in, where, {});
}

Result<PlanFile> ReadPlanFile(std::istream& in, const std::string& where,
                              const PlanElementSinks& sinks) {
  return ReadPlanFileFrom(in, where, sinks);
}

ItemPlacement PlacementOf(const PostDataItem& item) {
  ItemPlacement p;
  p.toc_id = item.toc_id;
  if (item.table) p.table = item.table->Key();
  if (item.references) p.ref = item.references->Key();
  return p;
}

}  // namespace hyperdump::engine
