#include "cli/ui/report_html.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>

#include "base/redact.h"
#include "cli/ui/timeline.h"
#include "cli/ui/units.h"

namespace hyperdump::ui {

using scheduler::Event;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

std::string HtmlEscape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

constexpr KindClass kAllKinds[] = {KindClass::kSchema, KindClass::kCatalog,    KindClass::kData,
                                   KindClass::kIndex,  KindClass::kConstraint, KindClass::kAnalyze,
                                   KindClass::kOther};

// Text for people: redacted, then escaped.
std::string Text(const std::string& s) { return HtmlEscape(RedactSecrets(s)); }

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string Percent(double fraction) {
  return std::to_string(static_cast<int>(std::lround(fraction * 100))) + "%";
}

// Axis label for an offset that is a multiple of the tick step.
std::string TickLabel(int64_t ms) {
  if (ms == 0) return "0";
  if (ms < 60'000) {
    char buf[48];
    if (ms % 1000 == 0) {
      std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(ms / 1000));
    } else {
      std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000.0);
    }
    return buf;
  }
  int64_t s = ms / 1000;
  char buf[64];
  if (s < 3600) {
    if (s % 60 == 0) {
      std::snprintf(buf, sizeof buf, "%lldm", static_cast<long long>(s / 60));
    } else {
      std::snprintf(buf, sizeof buf, "%lldm %02llds", static_cast<long long>(s / 60),
                    static_cast<long long>(s % 60));
    }
  } else {
    std::snprintf(buf, sizeof buf, "%lldh %02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60));
  }
  return buf;
}

int64_t TickStep(int64_t span_ms) {
  static const int64_t kSteps[] = {100,      200,      500,     1000,    2000,    5000,
                                   10000,    15000,    30000,   60000,   120000,  300000,
                                   600000,   900000,   1800000, 3600000, 7200000, 10800000,
                                   21600000, 43200000, 86400000};
  for (int64_t step : kSteps) {
    if (span_ms / step <= 10) return step;
  }
  return 86400000LL * ((span_ms / 86400000LL) / 10 + 1);
}

const char* kStyle = R"CSS(
:root { --schema:#7b5ea7; --catalog:#e8833a; --data:#3b7dd8; --index:#3fa34d;
        --constraint:#b5651d; --analyze:#1fa3a3; --other:#8c8c8c; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color:#1d2330; background:#f6f7f9; margin:0; padding:20px 28px; }
h1 { font-size:22px; margin:0 0 2px; }
h2 { font-size:16px; margin:22px 0 8px; }
.sub { color:#5b6475; margin:0 0 14px; }
.cards { display:flex; flex-wrap:wrap; gap:10px; }
.card { background:#fff; border:1px solid #e1e4ea; border-radius:8px; padding:8px 14px; min-width:130px; }
.card b { display:block; font-size:18px; }
.card span { color:#5b6475; font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
.panel { background:#fff; border:1px solid #e1e4ea; border-radius:8px; padding:10px 12px; overflow-x:auto; }
.legend { display:flex; flex-wrap:wrap; gap:14px; margin:0 0 8px; color:#39404d; }
.legend i { display:inline-block; width:12px; height:12px; border-radius:3px; margin-right:5px; vertical-align:-1px; }
svg text { font: 11px system-ui, "DejaVu Sans", sans-serif; fill:#39404d; }
.lane { fill:#f1f3f6; } .lane.odd { fill:#e9ecf1; }
.grid line { stroke:#c9ced8; stroke-width:1; shape-rendering:crispEdges; }
.bar { stroke:#fff; stroke-width:.5; }
.bar:hover, .bar.hl { stroke:#111; stroke-width:1.5; }
.bar.failed { fill-opacity:.45; stroke:#d62728; stroke-width:1.5; stroke-dasharray:3 2; }
.bar.open { fill-opacity:.6; }
.bl { fill:#fff; pointer-events:none; font-size:10px; }
.k-schema { fill:var(--schema); } .k-catalog { fill:var(--catalog); } .k-data { fill:var(--data); }
.k-index { fill:var(--index); } .k-constraint { fill:var(--constraint); }
.k-analyze { fill:var(--analyze); } .k-other { fill:var(--other); }
.row { display:flex; flex-wrap:wrap; gap:16px; align-items:flex-start; }
table { border-collapse:collapse; background:#fff; }
th, td { padding:4px 10px; border-bottom:1px solid #e6e8ee; text-align:left; vertical-align:top; }
td.n, th.n { text-align:right; font-variant-numeric: tabular-nums; }
th { font-weight:600; color:#39404d; background:#f1f3f6; }
.err { color:#b3261e; }
.note { color:#5b6475; font-size:12px; }
)CSS";

const char* kScript = R"JS(
(function () {
  var bars = document.querySelectorAll('#gantt rect.bar');
  var out = document.getElementById('bar-count');
  if (out) out.textContent = bars.length + (bars.length === 1 ? ' bar' : ' bars') + ' drawn';
  // Hovering one attempt of a job outlines all its attempts (retries).
  bars.forEach(function (b) {
    b.addEventListener('mouseenter', function () {
      document.querySelectorAll('#gantt rect[data-job="' + b.dataset.job + '"]')
        .forEach(function (o) { o.classList.add('hl'); });
    });
    b.addEventListener('mouseleave', function () {
      document.querySelectorAll('#gantt rect.hl')
        .forEach(function (o) { o.classList.remove('hl'); });
    });
  });
})();
)JS";

// The text inside a bar: the object, without a leading verb that the colour
// already says ("copy public.t" -> "public.t"); the tooltip has the full name.
std::string BarLabel(const std::string& name) {
  static const char* const kVerbs[] = {"copy ",   "index ",  "analyze ", "constraint ",
                                       "vacuum ", "create ", "restore ", "dump "};
  for (const char* verb : kVerbs) {
    size_t n = std::strlen(verb);
    if (name.size() > n && name.compare(0, n, verb) == 0) return name.substr(n);
  }
  return name;
}

// Cuts a label to `columns`. Names ending in a number ("metrics chunk 17")
// differ at the end, so those keep their end; others keep their start.
std::string FitLabel(const std::string& s, int columns) {
  int n = DisplayColumns(s);
  if (n <= columns) return s;
  if (!std::isdigit(static_cast<unsigned char>(s.back()))) return FitColumns(s, columns);
  size_t i = 0;
  for (int skip = n - (columns - 1); i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && skip-- == 0) break;
  }
  return "\xE2\x80\xA6" + s.substr(i);
}

std::string OutcomeLabel(const JobSpan& s) {
  if (s.open) return "unfinished";
  return EventName(s.outcome);
}

std::string Tooltip(const JobSpan& s, std::chrono::steady_clock::time_point t0) {
  auto dur = duration_cast<milliseconds>(s.end - s.start);
  std::string t =
      RedactSecrets(s.name) + "\n" + s.kind + " \xC2\xB7 slot " + std::to_string(s.slot);
  if (s.attempt > 1) t += " \xC2\xB7 attempt " + std::to_string(s.attempt);
  t += "\n" + HumanBytes(s.bytes) + " \xC2\xB7 " + HumanCount(s.rows) + " rows";
  t += "\n" + HumanDuration(dur) + " (at " +
       HumanDuration(duration_cast<milliseconds>(s.start - t0)) + ")";
  if (s.open || s.outcome != Event::kFinished) t += "\n" + OutcomeLabel(s);
  if (!s.status.ok()) {
    t += ": " + RedactSecrets(s.status.message());
    if (!s.status.sqlstate().empty()) t += " [SQLSTATE " + s.status.sqlstate() + "]";
  } else if (!s.detail.empty()) {
    t += ": " + RedactSecrets(s.detail);
  }
  return HtmlEscape(t);
}

void Card(std::string* out, const std::string& label, const std::string& value) {
  *out += "<div class=\"card\"><span>" + HtmlEscape(label) + "</span><b>" + HtmlEscape(value) +
          "</b></div>\n";
}

void Row(std::string* out, const std::string& key, const std::string& value_html,
         bool numeric = true) {
  *out += "<tr><th>" + HtmlEscape(key) + "</th><td" + (numeric ? " class=\"n\"" : "") + ">" +
          value_html + "</td></tr>\n";
}

}  // namespace

std::string RenderHtmlReport(const std::vector<Event>& events, const RunSummary& summary,
                             const std::string& title) {
  std::vector<JobSpan> spans = BuildSpans(events);
  using TimePoint = std::chrono::steady_clock::time_point;
  TimePoint t0 = TimePoint::max(), t1 = TimePoint::min();
  for (const Event& e : events) {
    t0 = std::min(t0, e.at);
    t1 = std::max(t1, e.at);
  }
  if (events.empty()) t0 = t1 = TimePoint();
  const int64_t span_ms = std::max<int64_t>(1, duration_cast<milliseconds>(t1 - t0).count());

  int lanes = summary.slots;
  for (const JobSpan& s : spans) lanes = std::max(lanes, s.slot + 1);

  // Per slot and per kind totals.
  std::vector<int64_t> busy_ms(static_cast<size_t>(lanes), 0);
  std::vector<int> slot_jobs(static_cast<size_t>(lanes), 0);
  struct KindStats {
    std::set<scheduler::JobId> jobs;
    int64_t ms = 0;
    uint64_t bytes = 0, rows = 0;
  };
  std::map<KindClass, KindStats> kinds;
  int64_t all_busy_ms = 0;
  for (const JobSpan& s : spans) {
    int64_t ms = duration_cast<milliseconds>(s.end - s.start).count();
    if (s.slot >= 0) {
      busy_ms[static_cast<size_t>(s.slot)] += ms;
      slot_jobs[static_cast<size_t>(s.slot)] += 1;
    }
    KindStats& k = kinds[ClassifyKind(s.kind)];
    k.jobs.insert(s.job);
    k.ms += ms;
    k.bytes += s.bytes;
    k.rows += s.rows;
    all_busy_ms += ms;
  }

  std::string h;
  h.reserve(4096 + spans.size() * 400);
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<title>" + Text(title) + "</title>\n<style>" + std::string(kStyle) + "</style>\n";
  h += "</head>\n<body>\n<h1>" + Text(title) + "</h1>\n";
  h += "<p class=\"sub\">hyperdump " + HtmlEscape(summary.command) + " " +
       OutcomeWord(summary.status) + (summary.status.ok() ? " in " : " after ") +
       HumanDuration(summary.total) + " \xC2\xB7 " + std::to_string(lanes) +
       " worker slots \xC2\xB7 busy " + Percent(summary.busy_fraction) + " of the time</p>\n";
  if (!summary.status.ok()) {
    h += "<p class=\"err\">" + Text(summary.status.message()) + "</p>\n";
  }

  double secs = std::chrono::duration<double>(summary.total).count();
  h += "<div class=\"cards\">\n";
  Card(&h, "Duration", HumanDuration(summary.total));
  Card(&h, "Moved", HumanBytes(summary.bytes));
  Card(&h, "Rows", HumanCount(summary.rows));
  Card(&h, "Throughput", secs > 0 ? HumanRate(static_cast<double>(summary.bytes) / secs) : "-");
  Card(&h, "Jobs", HumanCount(summary.jobs_done));
  Card(&h, "Retries", HumanCount(summary.retries));
  Card(&h, "Workers busy", Percent(summary.busy_fraction));
  Card(&h, "Warnings", std::to_string(summary.warnings.size()));
  h += "</div>\n";

  // The Gantt chart.
  h += "<h2>Timeline</h2>\n<div class=\"panel\">\n<div class=\"legend\">";
  for (KindClass k : kAllKinds) {
    auto it = kinds.find(k);
    size_t n = it == kinds.end() ? 0 : it->second.jobs.size();
    h += "<span><i style=\"background:var(--" + std::string(KindClassName(k)) + ")\"></i>" +
         KindClassName(k) + " (" + std::to_string(n) + ")</span>";
  }
  h += "<span><i style=\"border:1.5px dashed #d62728\"></i>retried / failed</span></div>\n";

  const double left = 64, right = 52, top = 24, lane_h = 24, bar_h = 18, chart_w = 1180;
  const double width = left + chart_w + right;
  const double height = top + lane_h * std::max(lanes, 1) + 6;
  auto x_of = [&](TimePoint t) {
    return left + static_cast<double>(duration_cast<milliseconds>(t - t0).count()) /
                      static_cast<double>(span_ms) * chart_w;
  };
  h += "<svg id=\"gantt\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Num(width) +
       "\" height=\"" + Num(height) + "\" viewBox=\"0 0 " + Num(width) + " " + Num(height) +
       "\" role=\"img\" aria-label=\"job timeline per worker slot\">\n";
  for (int lane = 0; lane < lanes; ++lane) {
    double y = top + lane * lane_h;
    h += "<rect class=\"lane" + std::string(lane % 2 ? " odd" : "") + "\" x=\"" + Num(left) +
         "\" y=\"" + Num(y) + "\" width=\"" + Num(chart_w) + "\" height=\"" + Num(lane_h) + "\"/>";
    h += "<text x=\"" + Num(left - 8) + "\" y=\"" + Num(y + lane_h / 2 + 4) +
         "\" text-anchor=\"end\">slot " + std::to_string(lane) + "</text>";
    double busy =
        static_cast<double>(busy_ms[static_cast<size_t>(lane)]) / static_cast<double>(span_ms);
    h += "<text x=\"" + Num(left + chart_w + 6) + "\" y=\"" + Num(y + lane_h / 2 + 4) + "\">" +
         Percent(std::min(1.0, busy)) + "</text>\n";
  }
  h += "<g class=\"grid\">";
  int64_t step = TickStep(span_ms);
  for (int64_t t = 0; t <= span_ms; t += step) {
    double x = left + static_cast<double>(t) / static_cast<double>(span_ms) * chart_w;
    h += "<line x1=\"" + Num(x) + "\" y1=\"" + Num(top - 4) + "\" x2=\"" + Num(x) + "\" y2=\"" +
         Num(height - 6) + "\"/>";
    h += "<text x=\"" + Num(x) + "\" y=\"" + Num(top - 8) + "\" text-anchor=\"middle\">" +
         TickLabel(t) + "</text>";
  }
  h += "</g>\n";
  for (const JobSpan& s : spans) {
    if (s.slot < 0) continue;
    double x = x_of(s.start);
    double w = std::max(1.5, x_of(s.end) - x);
    double y = top + s.slot * lane_h + (lane_h - bar_h) / 2;
    std::string cls = "bar k-" + std::string(KindClassName(ClassifyKind(s.kind)));
    if (s.open) cls += " open";
    if (!s.open && s.outcome != Event::kFinished) cls += " failed";
    h += "<rect class=\"" + cls + "\" data-job=\"" + std::to_string(s.job) + "\" x=\"" + Num(x) +
         "\" y=\"" + Num(y) + "\" width=\"" + Num(w) + "\" height=\"" + Num(bar_h) +
         "\" rx=\"2\"><title>" + Tooltip(s, t0) + "</title></rect>";
    // A label inside bars wide enough to hold a few characters.
    int chars = static_cast<int>((w - 6) / 6.2);
    if (chars >= 6) {
      h += "<text class=\"bl\" x=\"" + Num(x + 4) + "\" y=\"" + Num(y + bar_h / 2 + 3.5) + "\">" +
           HtmlEscape(FitLabel(RedactSecrets(BarLabel(s.name)), chars)) + "</text>";
    }
    h += "\n";
  }
  h += "</svg>\n<p class=\"note\"><span id=\"bar-count\">" + std::to_string(spans.size()) +
       " job attempts</span>. Hover a bar for the object, bytes, rows and duration; grey lane "
       "background is idle time. Percentages on the right: share of the run each slot was "
       "busy.</p>\n</div>\n";

  h += "<div class=\"row\">\n";
  // Summary table.
  h += "<section><h2>Summary</h2><table>\n";
  Row(&h, "Outcome", OutcomeWord(summary.status), false);
  Row(&h, "Total duration", HumanDuration(summary.total));
  for (const PhaseTiming& p : summary.phases) {
    Row(&h, "phase " + p.name, HumanDuration(p.duration));
  }
  Row(&h, "Bytes", HumanBytes(summary.bytes) + " (" + HumanCount(summary.bytes) + ")");
  Row(&h, "Rows", HumanCount(summary.rows));
  if (secs > 0) {
    Row(&h, "Throughput",
        HumanRate(static_cast<double>(summary.bytes) / secs) + ", " +
            HumanCount(
                static_cast<uint64_t>(std::llround(static_cast<double>(summary.rows) / secs))) +
            " rows/s");
  }
  Row(&h, "Jobs done", HumanCount(summary.jobs_done));
  Row(&h, "Jobs failed", HumanCount(summary.jobs_failed));
  if (summary.jobs_cancelled) Row(&h, "Jobs cancelled", HumanCount(summary.jobs_cancelled));
  Row(&h, "Retries", HumanCount(summary.retries));
  Row(&h, "Requeued", HumanCount(summary.requeues));
  Row(&h, "Worker slots", std::to_string(lanes));
  Row(&h, "Workers busy", Percent(summary.busy_fraction));
  Row(&h, "Warnings", std::to_string(summary.warnings.size()));
  h += "</table></section>\n";

  // Idle time per slot.
  h += "<section><h2>Worker slots</h2><table>\n<tr><th>slot</th><th class=\"n\">attempts</th>"
       "<th class=\"n\">busy</th><th class=\"n\">idle</th><th class=\"n\">busy %</th></tr>\n";
  for (int lane = 0; lane < lanes; ++lane) {
    int64_t b = busy_ms[static_cast<size_t>(lane)];
    h += "<tr><td>" + std::to_string(lane) + "</td><td class=\"n\">" +
         std::to_string(slot_jobs[static_cast<size_t>(lane)]) + "</td><td class=\"n\">" +
         HumanDuration(milliseconds(b)) + "</td><td class=\"n\">" +
         HumanDuration(milliseconds(std::max<int64_t>(0, span_ms - b))) + "</td><td class=\"n\">" +
         Percent(std::min(1.0, static_cast<double>(b) / static_cast<double>(span_ms))) +
         "</td></tr>\n";
  }
  h += "</table></section>\n";

  // Where the time went, per kind.
  h += "<section><h2>Time per kind</h2><table>\n<tr><th>kind</th><th class=\"n\">jobs</th>"
       "<th class=\"n\">worker time</th><th class=\"n\">share</th><th class=\"n\">bytes</th>"
       "<th class=\"n\">rows</th></tr>\n";
  for (KindClass k : kAllKinds) {
    auto it = kinds.find(k);
    if (it == kinds.end()) continue;
    const KindStats& ks = it->second;
    h += "<tr><td><i style=\"display:inline-block;width:10px;height:10px;border-radius:2px;"
         "margin-right:6px;background:var(--" +
         std::string(KindClassName(k)) + ")\"></i>" + KindClassName(k) + "</td><td class=\"n\">" +
         std::to_string(ks.jobs.size()) + "</td><td class=\"n\">" +
         HumanDuration(milliseconds(ks.ms)) + "</td><td class=\"n\">" +
         Percent(all_busy_ms > 0 ? static_cast<double>(ks.ms) / static_cast<double>(all_busy_ms)
                                 : 0) +
         "</td><td class=\"n\">" + HumanBytes(ks.bytes) + "</td><td class=\"n\">" +
         HumanCount(ks.rows) + "</td></tr>\n";
  }
  h += "</table></section>\n</div>\n";

  // Attempts that did not finish, and warnings.
  std::string problems;
  for (const JobSpan& s : spans) {
    if (!s.open && s.outcome == Event::kFinished) continue;
    std::string why = !s.status.ok() ? s.status.message() : s.detail;
    problems += "<tr><td>" + Text(s.name) + "</td><td>" + Text(s.kind) + "</td><td class=\"n\">" +
                std::to_string(s.slot) + "</td><td>" + OutcomeLabel(s) + "</td><td>" +
                HtmlEscape(s.status.sqlstate()) + "</td><td class=\"err\">" + Text(why) +
                "</td></tr>\n";
  }
  if (!problems.empty()) {
    h += "<h2>Retried, requeued and failed attempts</h2><table>\n<tr><th>job</th><th>kind</th>"
         "<th class=\"n\">slot</th><th>outcome</th><th>SQLSTATE</th><th>error</th></tr>\n" +
         problems + "</table>\n";
  }
  if (!summary.warnings.empty()) {
    h += "<h2>Warnings</h2><ul>\n";
    for (const std::string& w : summary.warnings) h += "<li>" + Text(w) + "</li>\n";
    h += "</ul>\n";
  }
  h += "<script>" + std::string(kScript) + "</script>\n</body>\n</html>\n";
  return h;
}

Status WriteHtmlReport(const std::string& path, const std::vector<Event>& events,
                       const RunSummary& summary, const std::string& title) {
  std::string html = RenderHtmlReport(events, summary, title);
  std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    return IoError("cannot write report " + path + ": " + std::strerror(errno) +
                   " (check that the directory exists and is writable)");
  }
  size_t written = std::fwrite(html.data(), 1, html.size(), f);
  int err = written == html.size() ? 0 : errno;
  if (std::fclose(f) != 0 && err == 0) err = errno;
  if (err == 0 && std::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    std::remove(tmp.c_str());
    return IoError("cannot write report " + path + ": " + std::strerror(err));
  }
  return Status::Ok();
}

}  // namespace hyperdump::ui
