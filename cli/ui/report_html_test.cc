#include "cli/ui/report_html.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/ui/test_events.h"

namespace hyperdump::ui {
namespace {

using scheduler::Event;
using testing::Ended;
using testing::Ev;
using testing::Progress;

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

std::vector<Event> SmallRun() {
  std::vector<Event> ev;
  const char* kinds[] = {"schema",      "catalog", "copy",     "index",
                         "foreign key", "analyze", "sequences"};
  for (scheduler::JobId j = 0; j < 7; ++j) {
    int slot = static_cast<int>(j % 3);
    ev.push_back(Ev(Event::kStarted, j, j, slot, "job " + std::to_string(j), kinds[j]));
    ev.push_back(Progress(j, j + 0.5, slot, 1000 * (j + 1), 10 * (j + 1)));
    ev.push_back(Ended(Event::kFinished, j, j + 1, slot));
  }
  return ev;
}

TEST(HtmlEscapeTest, EscapesMarkupCharacters) {
  EXPECT_EQ(HtmlEscape(R"(<a href="x">'&'</a>)"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST(RenderHtmlReportTest, DrawsOneBarPerJobColouredByKind) {
  RunSummary s;
  AddEventTotals(SmallRun(), &s);
  std::string html = RenderHtmlReport(SmallRun(), s, "restore of app");
  EXPECT_EQ(Count(html, "<rect class=\"bar "), 7u);
  for (const char* k : {"schema", "catalog", "data", "index", "constraint", "analyze", "other"}) {
    EXPECT_EQ(Count(html, std::string("<rect class=\"bar k-") + k + "\""), 1u) << k;
  }
  // Tooltip of job 2 (data, slot 2): object, kind, slot, bytes, rows, duration.
  EXPECT_NE(html.find("<title>job 2\ncopy \xC2\xB7 slot 2\n2.9 KiB \xC2\xB7 30 rows\n1.0s (at 2.0s)"
                      "</title>"),
            std::string::npos);
  EXPECT_NE(html.find("<title>restore of app</title>"), std::string::npos);
  // Three lanes, and idle time per slot in the table.
  EXPECT_EQ(Count(html, "<rect class=\"lane"), 3u);
  EXPECT_NE(html.find("<h2>Worker slots</h2>"), std::string::npos);
}

TEST(RenderHtmlReportTest, IsSelfContained) {
  std::string html = RenderHtmlReport(SmallRun(), RunSummary(), "t");
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
}

TEST(RenderHtmlReportTest, EscapesNamesAndRedactsSecrets) {
  std::vector<Event> ev = {
      Ev(Event::kStarted, 1, 0, 0, "<script>alert(1)</script>", "copy"),
      Ended(Event::kFailed, 1, 1, 0,
            Status(StatusCode::kConnection, "lost postgresql://u:hunter2@h/db <b>", "08006")),
  };
  RunSummary s;
  s.warnings = {"<img src=x onerror=alert(1)>"};
  std::string html = RenderHtmlReport(ev, s, "</title><script>x</script>");
  // Only the page's own script tag, none from the data.
  EXPECT_EQ(Count(html, "<script>"), 1u);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("hunter2"), std::string::npos);
  EXPECT_NE(html.find("postgresql://u:********@h/db &lt;b&gt;"), std::string::npos);
  EXPECT_EQ(Count(html, "<rect class=\"bar k-data failed\""), 1u);
}

TEST(RenderHtmlReportTest, RetriedJobsHaveABarPerAttempt) {
  std::vector<Event> ev = {
      Ev(Event::kStarted, 1, 0, 0, "idx", "index"),
      Ended(Event::kRetry, 1, 1, 0, Status(StatusCode::kDatabase, "deadlock", "40P01")),
      Ev(Event::kStarted, 1, 2, 1, "idx", "index"),
      Ended(Event::kFinished, 1, 3, 1),
  };
  std::string html = RenderHtmlReport(ev, RunSummary(), "t");
  EXPECT_EQ(Count(html, "data-job=\"1\""), 2u);
  EXPECT_EQ(Count(html, "<rect class=\"bar k-index failed\""), 1u);
  EXPECT_NE(html.find("<td>40P01</td>"), std::string::npos);
}

TEST(RenderHtmlReportTest, AnEmptyRunStillMakesAPage) {
  std::string html = RenderHtmlReport({}, RunSummary(), "nothing");
  EXPECT_EQ(Count(html, "<rect class=\"bar "), 0u);
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

TEST(WriteHtmlReportTest, WritesTheFileAndNamesThePathOnFailure) {
  std::string path = ::testing::TempDir() + "/ui_report_test.html";
  ASSERT_TRUE(WriteHtmlReport(path, SmallRun(), RunSummary(), "t").ok());
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), RenderHtmlReport(SmallRun(), RunSummary(), "t"));
  std::remove(path.c_str());

  Status st = WriteHtmlReport("/nonexistent-dir/r.html", SmallRun(), RunSummary(), "t");
  EXPECT_EQ(st.code(), StatusCode::kIo);
  EXPECT_NE(st.message().find("/nonexistent-dir/r.html"), std::string::npos);
}

}  // namespace
}  // namespace hyperdump::ui
