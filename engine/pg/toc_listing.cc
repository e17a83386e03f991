#include "engine/pg/toc_listing.h"

#include <algorithm>
#include <cstdlib>

namespace hyperdump::engine {

namespace {

// The post-data descriptions (and a few others) that `text` may start with,
// longest first ("INDEX ATTACH" before "INDEX"); any other description is
// the first word (so "TABLE DATA" reads as "TABLE": only post-data items'
// descriptions are relied upon).
size_t DescSizeOf(std::string_view text) {
  static const char* const kDescs[] = {"PUBLICATION TABLES IN SCHEMA",
                                       "MATERIALIZED VIEW DATA",
                                       "CHECK CONSTRAINT",
                                       "PUBLICATION TABLE",
                                       "FK CONSTRAINT",
                                       "EVENT TRIGGER",
                                       "INDEX ATTACH",
                                       "ROW SECURITY",
                                       "SUBSCRIPTION",
                                       "PUBLICATION",
                                       "CONSTRAINT",
                                       "STATISTICS",
                                       "TRIGGER",
                                       "POLICY",
                                       "INDEX",
                                       "RULE"};
  for (const char* d : kDescs) {
    const std::string_view desc = d;
    if (text.size() > desc.size() && text.starts_with(desc) && text[desc.size()] == ' ') {
      return desc.size();
    }
  }
  return std::min(text.find(' '), text.size());
}

uint32_t OidOf(std::string_view digits) {
  return static_cast<uint32_t>(std::strtoul(std::string(digits).c_str(), nullptr, 10));
}

}  // namespace

std::string TocLine::line() const {
  return std::to_string(id) + "; " + std::to_string(catalog_oid) + " " + std::to_string(oid) + " " +
         text;
}

TocLine TocLine::Of(int id, uint32_t catalog_oid, uint32_t oid, std::string text) {
  TocLine l;
  l.id = id;
  l.catalog_oid = catalog_oid;
  l.oid = oid;
  l.desc_size = static_cast<uint32_t>(DescSizeOf(text));
  l.text = std::move(text);
  return l;
}

std::vector<TocLine> ParseTocListing(const std::string& listing) {
  // Reserved for every line: a listing has hundreds of thousands of entries
  // at 100,000 chunks, and growing the vector by doubling held its old and
  // new copy at the restore's peak memory (issue 18).
  std::vector<TocLine> out;
  out.reserve(std::count(listing.begin(), listing.end(), '\n') + 1);
  std::string_view rest = listing;
  while (!rest.empty()) {
    const size_t eol = std::min(rest.find('\n'), rest.size());
    const std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(std::min(eol + 1, rest.size()));
    if (line.empty() || line[0] == ';') continue;
    const size_t semi = line.find(';');
    if (semi == std::string_view::npos) continue;
    const int id = std::atoi(std::string(line.substr(0, semi)).c_str());
    if (id <= 0) continue;
    size_t pos = semi + 1;
    uint32_t oids[2] = {0, 0};
    for (uint32_t& field : oids) {
      while (pos < line.size() && line[pos] == ' ') ++pos;
      const size_t end = std::min(line.find(' ', pos), line.size());
      field = OidOf(line.substr(pos, end - pos));
      pos = end;
    }
    if (pos < line.size()) ++pos;
    out.push_back(TocLine::Of(id, oids[0], oids[1], std::string(line.substr(pos))));
  }
  return out;
}

}  // namespace hyperdump::engine
