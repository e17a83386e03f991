#include "engine/pg/toc_listing.h"

#include <cstdlib>
#include <sstream>

namespace hyperdump::engine {

namespace {

// The post-data descriptions (and a few others) that `text` may start with,
// longest first ("INDEX ATTACH" before "INDEX"); any other description is
// the first word (so "TABLE DATA" reads as "TABLE": only post-data items'
// descriptions are relied upon).
std::string DescOf(const std::string& text) {
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
    std::string desc = d;
    if (text.compare(0, desc.size() + 1, desc + " ") == 0) return desc;
  }
  return text.substr(0, text.find(' '));
}

}  // namespace

std::vector<TocLine> ParseTocListing(const std::string& listing) {
  std::vector<TocLine> out;
  std::istringstream in(listing);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == ';') continue;
    size_t semi = line.find(';');
    if (semi == std::string::npos) continue;
    TocLine l;
    l.id = std::atoi(line.substr(0, semi).c_str());
    if (l.id <= 0) continue;
    size_t pos = semi + 1;
    std::string* fields[] = {&l.catalog_oid, &l.oid};
    for (std::string* field : fields) {
      while (pos < line.size() && line[pos] == ' ') ++pos;
      size_t end = line.find(' ', pos);
      if (end == std::string::npos) end = line.size();
      *field = line.substr(pos, end - pos);
      pos = end;
    }
    if (pos < line.size()) ++pos;
    l.text = line.substr(pos);
    l.desc = DescOf(l.text);
    l.line = std::move(line);
    out.push_back(std::move(l));
  }
  return out;
}

}  // namespace hyperdump::engine
