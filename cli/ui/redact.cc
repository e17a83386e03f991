#include "cli/ui/redact.h"

#include <algorithm>
#include <cctype>
#include <regex>

namespace hyperdump::ui {
namespace {

bool ContainsNoCase(const std::string& text, const std::string& lower_needle) {
  auto it =
      std::search(text.begin(), text.end(), lower_needle.begin(), lower_needle.end(),
                  [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  return it != text.end();
}

}  // namespace

std::string RedactSecrets(const std::string& text) {
  bool has_uri = text.find("://") != std::string::npos;
  bool has_key = ContainsNoCase(text, "password");
  if (!has_uri && !has_key) return text;

  std::string out = text;
  if (has_uri) {
    // scheme://user:secret@host -> scheme://user:********@host. In a URI a
    // password cannot hold a raw '@', '/' or space (they are %-encoded).
    static const std::regex uri_pw(R"(([A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*):[^@/\s]*@)");
    out = std::regex_replace(out, uri_pw, "$1:********@");
  }
  if (has_key) {
    // URI query parameter: stops at '&' (the next parameter) or a space.
    static const std::regex query_pw(R"(([?&][A-Za-z_]*password=)[^&\s]*)", std::regex::icase);
    out = std::regex_replace(out, query_pw, "$1********");
    // key=value (conninfo, env) or key: value (JSON-ish, YAML-ish), not in a
    // query (done above): quoted values up to the closing quote, bare ones up
    // to white space (a conninfo password may hold '&').
    static const std::regex kv_pw(
        R"((^|[^?&A-Za-z_])([A-Za-z_]*password"?\s*[=:]\s*)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s'",}]+))",
        std::regex::icase);
    out = std::regex_replace(out, kv_pw, "$1$2********");
  }
  return out;
}

}  // namespace hyperdump::ui
