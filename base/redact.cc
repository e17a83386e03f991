#include "base/redact.h"

#include <algorithm>
#include <cctype>
#include <regex>

namespace hyperdump {
namespace {

bool ContainsNoCase(const std::string& text, const std::string& lower_needle) {
  auto it =
      std::search(text.begin(), text.end(), lower_needle.begin(), lower_needle.end(),
                  [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  return it != text.end();
}

// Adds the spans of `re`'s matches: group 1 is the text that names the
// secret, group 2 its value.
void AddMatches(const std::string& text, const std::regex& re, SecretSpan::Kind kind,
                std::vector<SecretSpan>* out) {
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it) {
    const std::smatch& m = *it;
    auto begin = static_cast<size_t>(m.position(2));
    out->push_back({kind, static_cast<size_t>(m.position(1)), begin,
                    begin + static_cast<size_t>(m.length(2))});
  }
}

}  // namespace

std::vector<SecretSpan> FindSecrets(const std::string& text) {
  std::vector<SecretSpan> found;
  if (text.find("://") != std::string::npos) {
    // scheme://user:secret@host. As libpq reads a URI, the user info ends at
    // the first '@' or '/', and the password at that '@'.
    static const std::regex uri_pw(R"([A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*(:)([^@/\s]*)@)");
    AddMatches(text, uri_pw, SecretSpan::kUriUserInfo, &found);
  }
  if (ContainsNoCase(text, "password")) {
    // URI query parameter: stops at '&' (the next parameter) or a space.
    static const std::regex query_pw(R"([?&]([A-Za-z_]*password=)([^&\s]*))", std::regex::icase);
    AddMatches(text, query_pw, SecretSpan::kUriQuery, &found);
    // key=value (conninfo, environment): quoted up to the closing quote, bare
    // up to white space (a conninfo password may hold '&' or ','). key: value
    // (JSON-ish, YAML-ish): bare up to white space, ',', '}' or a quote.
    static const std::regex kv_pw(
        R"((?:^|[^?&A-Za-z_])([A-Za-z_]*password"?\s*=\s*)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s'"]\S*))",
        std::regex::icase);
    AddMatches(text, kv_pw, SecretSpan::kKeyValue, &found);
    static const std::regex colon_pw(
        R"((?:^|[^?&A-Za-z_])([A-Za-z_]*password"?\s*:\s*)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s'",}]+))",
        std::regex::icase);
    AddMatches(text, colon_pw, SecretSpan::kKeyValue, &found);
  }
  // In text order; where two patterns saw the same secret, the first wins.
  std::sort(found.begin(), found.end(),
            [](const SecretSpan& a, const SecretSpan& b) { return a.value_begin < b.value_begin; });
  std::vector<SecretSpan> out;
  for (const SecretSpan& s : found) {
    if (out.empty() || s.key_begin >= out.back().value_end) out.push_back(s);
  }
  return out;
}

std::string RedactSecrets(const std::string& text) {
  std::vector<SecretSpan> spans = FindSecrets(text);
  if (spans.empty()) return text;
  std::string out;
  size_t at = 0;
  for (const SecretSpan& s : spans) {
    out.append(text, at, s.value_begin - at);
    out += "********";
    at = s.value_end;
  }
  out.append(text, at, std::string::npos);
  return out;
}

}  // namespace hyperdump
