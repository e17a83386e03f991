// `--report FILE.html`: a self-contained page (inline CSS, SVG and a few lines
// of JS; nothing fetched from the network) showing where a run's time went:
// a Gantt timeline of every job attempt on every worker slot, coloured by
// kind (KindClass), with a tooltip per bar (object, kind, slot, bytes, rows,
// duration, error), idle time per slot, time per kind, failures, and the
// summary table. Every name is HTML-escaped and passed through RedactSecrets.
#ifndef HYPERDUMP_CLI_UI_REPORT_HTML_H_
#define HYPERDUMP_CLI_UI_REPORT_HTML_H_

#include <string>
#include <vector>

#include "base/status.h"
#include "cli/ui/summary.h"
#include "scheduler/events.h"

namespace hyperdump::ui {

// & < > " ' -> entities.
std::string HtmlEscape(const std::string& s);

// The page. Each attempt is one <rect class="bar k-KIND ..."> in <svg id="gantt">.
std::string RenderHtmlReport(const std::vector<scheduler::Event>& events, const RunSummary& summary,
                             const std::string& title);

// Writes RenderHtmlReport to `path` via a temporary file and a rename, so a
// reader never sees half a page. kIo naming the path on failure.
Status WriteHtmlReport(const std::string& path, const std::vector<scheduler::Event>& events,
                       const RunSummary& summary, const std::string& title);

}  // namespace hyperdump::ui

#endif  // HYPERDUMP_CLI_UI_REPORT_HTML_H_
