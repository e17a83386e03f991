// Finds and hides passwords in text bound for a terminal, a log, a report or
// another process's argv: the one set of patterns for secrets written as
// text. engine/pg/conninfo.h builds on it for connection strings, with libpq's
// own parser as the judge; ui/ (which must not see libpq) uses it directly
// on free text: error messages quote conninfo, job names may not.
//
// Pure functions; thread-safe.
#ifndef HYPERDUMP_BASE_REDACT_H_
#define HYPERDUMP_BASE_REDACT_H_

#include <cstddef>
#include <string>
#include <vector>

namespace hyperdump {

// One secret in a text: its value is text[value_begin, value_end); the text
// that names it starts at key_begin (the ':' before a URI's password, the
// key of key=value, the parameter of a URI query).
struct SecretSpan {
  enum Kind { kUriUserInfo, kUriQuery, kKeyValue };
  Kind kind;
  size_t key_begin;
  size_t value_begin;
  size_t value_end;
};

// The secrets, in order, that do not overlap:
//  - the password of any URI with user info: postgresql://u:secret@h/db;
//  - a URI query parameter ending in "password": ?password=secret&x=1;
//  - the value of any key ending in "password" (case-insensitive) given as
//    key=value or key: value, quoted or not: password=secret,
//    password = 'se cret', PGPASSWORD=secret, "password": "x".
// A bare key=value value runs to white space, as libpq reads it.
std::vector<SecretSpan> FindSecrets(const std::string& text);

// Every secret's value replaced with "********". Fast when the text holds
// nothing that looks like a secret.
std::string RedactSecrets(const std::string& text);

}  // namespace hyperdump

#endif  // HYPERDUMP_BASE_REDACT_H_
