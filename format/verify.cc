#include "format/verify.h"

#include <algorithm>
#include <boost/filesystem.hpp>
#include <cstdio>
#include <map>
#include <set>
#include <vector>

#include "base/units.h"
#include "format/checksum.h"
#include "format/reader.h"

namespace hyperdump::format {

namespace fs = boost::filesystem;

namespace {

// Reads a file to its end so that the reader checks it, through `buf`; ""
// when good. One buffer for all files: a new 1 MiB buffer per file (zeroed,
// and mapped anew since main fixed malloc's mmap threshold at 1 MiB) made a
// verify of 126,934 files spend 70 s in the kernel (issue 18).
std::string CheckFile(const ArchiveReader& reader, const FileEntry& entry, VerifyReport& report,
                      std::vector<char>& buf) {
  Result<std::unique_ptr<DataFileReader>> r = reader.OpenFile(entry.name);
  if (!r.ok()) return r.status().message();
  while (true) {
    Result<size_t> n = (*r)->Read(buf.data(), buf.size());
    if (!n.ok()) return n.status().message();
    if (*n == 0) break;
    report.uncompressed_bytes += *n;
  }
  report.stored_bytes += entry.compressed_bytes;
  return "";
}

// Files on disk, relative to `dir`, '/'-separated.
std::vector<std::string> FilesOnDisk(const std::string& dir, std::vector<FileProblem>& problems) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  fs::recursive_directory_iterator it(dir, ec), end;
  if (ec) {
    problems.push_back({".", "cannot list the archive directory: " + ec.message()});
    return out;
  }
  for (; it != end; it.increment(ec)) {
    if (ec) {
      problems.push_back({".", "cannot list the archive directory: " + ec.message()});
      break;
    }
    if (fs::is_directory(it->symlink_status())) continue;
    out.push_back(fs::relative(it->path(), dir).generic_string());
  }
  return out;
}

std::string Ratio(uint64_t raw, uint64_t stored) {
  if (stored == 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(raw) / static_cast<double>(stored));
  return buf;
}

// What `list` shows as the object: meta.object, else meta.schema.meta.table.
std::string ObjectOf(const FileEntry& e) {
  const nlohmann::json m = e.meta.Json();
  if (!m.is_object()) return "";
  if (auto it = m.find("object"); it != m.end() && it->is_string()) return it->get<std::string>();
  auto s = m.find("schema");
  auto t = m.find("table");
  if (s != m.end() && t != m.end() && s->is_string() && t->is_string()) {
    return s->get<std::string>() + "." + t->get<std::string>();
  }
  return "";
}

}  // namespace

Result<VerifyReport> VerifyArchive(const std::string& dir) {
  HD_ASSIGN_OR_RETURN(std::unique_ptr<ArchiveReader> reader, ArchiveReader::Open(dir));
  VerifyReport report;
  report.dir = dir;
  std::vector<char> buf(1 << 20);
  for (const FileEntry& e : reader->manifest().files) {
    ++report.files_checked;
    std::string why = CheckFile(*reader, e, report, buf);
    if (!why.empty()) report.problems.push_back({e.name, why});
  }
  for (const std::string& name : FilesOnDisk(dir, report.problems)) {
    if (name == kManifestName || reader->manifest().Find(name) != nullptr) continue;
    if (name.rfind(std::string(kLocalDir) + "/", 0) == 0) continue;  // a tool's notes
    bool temp = name.size() > 4 && name.substr(name.size() - 4) == kTempSuffix;
    report.problems.push_back(
        {name, temp ? "leftover temporary file from an interrupted write, not in the manifest"
                    : "extra file not listed in the manifest (remove it, or it was not written "
                      "by this dump)"});
  }
  std::stable_sort(report.problems.begin(), report.problems.end(),
                   [](const FileProblem& a, const FileProblem& b) { return a.name < b.name; });
  return report;
}

namespace {

// What `hyperdump list` sums over the files, for the table and for JSON.
struct ListingTotals {
  uint64_t raw = 0, stored = 0, rows = 0;
  std::set<std::string> jobs, objects;

  void Add(const FileEntry& e, const std::string& object) {
    if (!e.job.empty()) jobs.insert(e.job);
    if (!object.empty()) objects.insert(object);
    raw += e.uncompressed_bytes;
    stored += e.compressed_bytes;
    rows += e.rows.value_or(0);
  }
};

}  // namespace

std::string FormatListing(const std::string& dir, const Manifest& m) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"FILE", "KIND", "JOB", "OBJECT", "CODEC", "ROWS", "RAW", "STORED", "RATIO"});
  ListingTotals t;
  for (const FileEntry& e : m.files) {
    std::string object = ObjectOf(e);
    t.Add(e, object);
    std::string codec(CodecName(e.codec));
    if (e.codec == Codec::kZstd) codec += "-" + std::to_string(e.level);
    rows.push_back({e.name, std::string(FileKindName(e.kind)), e.job.empty() ? "-" : e.job,
                    object.empty() ? "-" : object, codec, e.rows ? std::to_string(*e.rows) : "-",
                    HumanBytes(e.uncompressed_bytes), HumanBytes(e.compressed_bytes),
                    Ratio(e.uncompressed_bytes, e.compressed_bytes)});
  }
  rows.push_back({"TOTAL", std::to_string(m.files.size()) + " files",
                  std::to_string(t.jobs.size()) + " jobs",
                  std::to_string(t.objects.size()) + " objects", "", std::to_string(t.rows),
                  HumanBytes(t.raw), HumanBytes(t.stored), Ratio(t.raw, t.stored)});

  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  // Numbers are right-aligned, text left-aligned.
  auto numeric = [](size_t col) { return col >= 5; };
  std::string out = "archive " + dir + " (format " + std::to_string(m.major) + "." +
                    std::to_string(m.minor) + ", written " + m.created_at + " by hyperdump " +
                    m.tool_version + ")\n";
  for (size_t r = 0; r < rows.size(); ++r) {
    if (r == rows.size() - 1) {
      size_t total_width = 0;
      for (size_t w : width) total_width += w + 2;
      out += std::string(total_width - 2, '-') + "\n";
    }
    std::string line;
    for (size_t i = 0; i < rows[r].size(); ++i) {
      const std::string& cell = rows[r][i];
      std::string pad(width[i] - cell.size(), ' ');
      line += numeric(i) ? pad + cell : cell + pad;
      if (i + 1 < rows[r].size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

nlohmann::json ListingJson(const std::string& dir, const Manifest& m) {
  nlohmann::json files = nlohmann::json::array();
  ListingTotals t;
  for (const FileEntry& e : m.files) {
    std::string object = ObjectOf(e);
    t.Add(e, object);
    nlohmann::json f = {{"name", e.name},
                        {"kind", FileKindName(e.kind)},
                        {"job", e.job},
                        {"object", object},
                        {"codec", CodecName(e.codec)},
                        {"level", e.level},
                        {"rows", e.rows ? nlohmann::json(*e.rows) : nlohmann::json()},
                        {"uncompressed_bytes", e.uncompressed_bytes},
                        {"compressed_bytes", e.compressed_bytes},
                        {"checksum", ChecksumToHex(e.checksum)},
                        {"meta", e.meta.Json()}};
    files.push_back(std::move(f));
  }
  return {{"archive", dir},
          {"format_version", {{"major", m.major}, {"minor", m.minor}}},
          {"created_at", m.created_at},
          {"tool_version", m.tool_version},
          {"source", m.source},
          {"files", std::move(files)},
          {"totals",
           {{"files", m.files.size()},
            {"jobs", t.jobs.size()},
            {"objects", t.objects.size()},
            {"rows", t.rows},
            {"uncompressed_bytes", t.raw},
            {"compressed_bytes", t.stored}}}};
}

}  // namespace hyperdump::format
