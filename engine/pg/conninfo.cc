#include "engine/pg/conninfo.h"

#include <libpq-fe.h>

#include <cctype>
#include <cstring>

#include "base/redact.h"

namespace hyperdump::engine {
namespace {

constexpr const char* kMask = "********";

size_t CountSecrets(const std::vector<ConninfoParam>& params) {
  size_t n = 0;
  for (const ConninfoParam& p : params) n += p.secret ? 1 : 0;
  return n;
}

// `text` without its secrets, each removed with the words that name it.
std::string RemoveSecretText(const std::string& text) {
  std::string out = text;
  std::vector<SecretSpan> spans = FindSecrets(text);
  for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
    size_t begin = it->key_begin, end = it->value_end;
    if (it->kind == SecretSpan::kUriQuery) {
      if (out[begin - 1] == '&') {
        --begin;  // with the '&' before it
      } else if (end < out.size() && out[end] == '&') {
        ++end;  // the first parameter: keep the '?', drop the '&' after it
      }
    } else if (it->kind == SecretSpan::kKeyValue) {
      while (end < out.size() && std::isspace(static_cast<unsigned char>(out[end]))) ++end;
    }
    out.erase(begin, end - begin);
  }
  while (!out.empty() && (out.back() == '?' || out.back() == '&' || out.back() == ' ')) {
    out.pop_back();
  }
  return out;
}

}  // namespace

Result<std::vector<ConninfoParam>> ParseConninfo(const std::string& conninfo) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (!opts) {
    std::string why = err ? err : "unparsable";
    if (err) PQfreemem(err);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    return InvalidArgument("not a libpq URI or conninfo: " + why);
  }
  std::vector<ConninfoParam> out;
  for (PQconninfoOption* o = opts; o->keyword; ++o) {
    if (!o->val) continue;
    out.push_back({o->keyword, o->val, o->dispchar && std::strchr(o->dispchar, '*') != nullptr});
  }
  PQconninfoFree(opts);
  return out;
}

std::string FormatConninfo(const std::vector<ConninfoParam>& params) {
  std::string out;
  for (const ConninfoParam& p : params) {
    if (!out.empty()) out += ' ';
    out += p.keyword + "='";
    for (char c : p.value) {
      if (c == '\\' || c == '\'') out += '\\';
      out += c;
    }
    out += '\'';
  }
  return out;
}

std::string RedactConninfo(const std::string& conninfo) {
  auto params = ParseConninfo(conninfo);
  if (!params.ok()) return RedactSecrets(conninfo);
  size_t secrets = CountSecrets(*params);
  if (secrets == 0) return conninfo;
  // The text masked in place, if libpq reads from it the same secrets, each
  // now the mask (a form the patterns missed fails this check).
  std::string masked = RedactSecrets(conninfo);
  auto check = ParseConninfo(masked);
  bool all_masked = check.ok() && CountSecrets(*check) == secrets;
  for (const ConninfoParam& p : check.ok() ? *check : std::vector<ConninfoParam>{}) {
    if (p.secret && p.value != kMask) all_masked = false;
  }
  if (all_masked) return masked;
  for (ConninfoParam& p : *params) {
    if (p.secret) p.value = kMask;
  }
  return FormatConninfo(*params);
}

std::string ConninfoWithoutSecrets(const std::string& conninfo) {
  auto params = ParseConninfo(conninfo);
  if (!params.ok()) return RemoveSecretText(conninfo);
  if (CountSecrets(*params) == 0) return conninfo;
  std::string removed = RemoveSecretText(conninfo);
  auto check = ParseConninfo(removed);
  if (check.ok() && CountSecrets(*check) == 0 &&
      check->size() + CountSecrets(*params) == params->size()) {
    return removed;
  }
  std::vector<ConninfoParam> kept;
  for (const ConninfoParam& p : *params) {
    if (!p.secret) kept.push_back(p);
  }
  return FormatConninfo(kept);
}

}  // namespace hyperdump::engine
