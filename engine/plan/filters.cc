#include "engine/plan/filters.h"

#include <cstring>
#include <vector>

namespace hyperdump::engine {
namespace {

// Splits `pattern` at unquoted dots into regex bodies, translating each part
// as psql's processSQLNamePattern does (see filters.h for the rules). The
// second element holds each part's literal text (quotes removed, unquoted
// text folded), used for the database part, which pg_dump compares as text.
Status Translate(std::string_view pattern, std::vector<std::string>* regexes,
                 std::vector<std::string>* literals) {
  regexes->assign(1, "");
  literals->assign(1, "");
  bool in_quotes = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char ch = pattern[i];
    std::string& re = regexes->back();
    std::string& lit = literals->back();
    if (ch == '"') {
      if (in_quotes && i + 1 < pattern.size() && pattern[i + 1] == '"') {
        re += '"';
        lit += '"';
        ++i;
      } else {
        in_quotes = !in_quotes;
      }
    } else if (!in_quotes && ch >= 'A' && ch <= 'Z') {
      re += static_cast<char>(ch - 'A' + 'a');
      lit += static_cast<char>(ch - 'A' + 'a');
    } else if (!in_quotes && ch == '*') {
      re += ".*";
      lit += ch;
    } else if (!in_quotes && ch == '?') {
      re += '.';
      lit += ch;
    } else if (!in_quotes && ch == '.') {
      regexes->emplace_back();
      literals->emplace_back();
    } else if (ch == '$') {
      re += "\\$";  // always literal: the pattern is anchored anyway
      lit += ch;
    } else {
      // Inside quotes regex characters are literal; outside they pass
      // through (psql lets users write regexes), except "[]", which is far
      // more likely an array type name than a bracket expression.
      if ((in_quotes && std::strchr("|*+?()[]{}.^$\\", ch) != nullptr) ||
          (ch == '[' && i + 1 < pattern.size() && pattern[i + 1] == ']')) {
        re += '\\';
      }
      re += ch;  // multibyte UTF-8 bytes are never ASCII: copied unchanged
      lit += ch;
    }
  }
  if (in_quotes) {
    return InvalidArgument("unterminated quoted identifier in pattern \"" + std::string(pattern) +
                           "\": close the double quote");
  }
  for (auto& re : *regexes) re = "^(" + re + ")$";
  return Status::Ok();
}

Result<NamePattern> Parse(std::string_view pattern, size_t max_parts, const char* what) {
  std::vector<std::string> regexes;
  std::vector<std::string> literals;
  HD_RETURN_IF_ERROR(Translate(pattern, &regexes, &literals));
  if (regexes.size() > max_parts) {
    return InvalidArgument("improper qualified name (too many dotted names) in " +
                           std::string(what) + " pattern \"" + std::string(pattern) + "\"");
  }
  NamePattern out;
  out.name = regexes.back();
  if (regexes.size() >= 2) out.schema = regexes[regexes.size() - 2];
  if (regexes.size() == 3) out.database = literals[0];
  return out;
}

}  // namespace

Result<NamePattern> ParseSchemaPattern(std::string_view pattern) {
  // A schema pattern has at most db.schema: its last part is the schema.
  HD_ASSIGN_OR_RETURN(NamePattern p, Parse(pattern, 2, "schema"));
  NamePattern out;
  out.name = p.name;
  if (p.schema) {
    std::vector<std::string> regexes;
    std::vector<std::string> literals;
    HD_RETURN_IF_ERROR(Translate(pattern, &regexes, &literals));
    out.database = literals[0];
  }
  return out;
}

Result<NamePattern> ParseTablePattern(std::string_view pattern) {
  return Parse(pattern, 3, "table");
}

std::string ExactSchemaPattern(std::string_view schema) {
  std::string out = "\"";
  for (char ch : schema) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

std::string ExactTablePattern(std::string_view schema, std::string_view name) {
  return ExactSchemaPattern(schema) + "." + ExactSchemaPattern(name);
}

}  // namespace hyperdump::engine
