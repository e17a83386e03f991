// Hides secrets in text bound for a terminal, a log or a report.
//
// ui/ must not depend on engine/ (and so libpq), so this is a self-contained
// sibling of engine::RedactConninfo that works on any text, not only on a
// connection string: error messages quote conninfo, job names may not.
#ifndef HYPERDUMP_CLI_UI_REDACT_H_
#define HYPERDUMP_CLI_UI_REDACT_H_

#include <string>

namespace hyperdump::ui {

// Replaces with "********":
//  - the password of any URI with user info: postgresql://u:secret@h/db;
//  - the value of any key ending in "password" (case-insensitive) given as
//    key=value or key: value, quoted or not: password=secret,
//    password = 'se cret', PGPASSWORD=secret, ?password=secret&x=1.
// Thread-safe. Fast when the text holds nothing that looks like a secret.
std::string RedactSecrets(const std::string& text);

}  // namespace hyperdump::ui

#endif  // HYPERDUMP_CLI_UI_REDACT_H_
