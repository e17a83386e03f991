#include "engine/cpu_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace hyperdump::engine {
namespace {

// Burns some CPU on this thread, so that both clocks move.
double Spin() {
  volatile double x = 0;
  for (int i = 0; i < 20'000'000; ++i) x = x + i * 0.5;
  return x;
}

TEST(CpuLogTest, EachRecordIsOneJsonLineWithWallServerAndClientSeconds) {
  char dir[] = "/tmp/hd-cpu-log.XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/cpu.jsonl";
  {
    Result<std::unique_ptr<CpuLog>> log = CpuLog::Open(path);
    ASSERT_TRUE(log.ok()) << log.status().message();
    // This process stands in for a backend: its /proc entry is readable.
    CpuMark before = MarkCpu(::getpid());
    Spin();
    (*log)->Record({{"job", "copy demo.t"}, {"bytes", 42}}, before, MarkCpu(::getpid()));
    // A backend on another machine: no /proc entry, so no server figure.
    before = MarkCpu(0);
    (*log)->Record({{"job", "remote"}}, before, MarkCpu(0));
  }
  std::ifstream in(path);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  nlohmann::json first = nlohmann::json::parse(line);
  EXPECT_EQ(first["job"], "copy demo.t");
  EXPECT_EQ(first["bytes"], 42);
  EXPECT_GT(first["wall_s"].get<double>(), 0);
  EXPECT_GT(first["client_cpu_s"].get<double>(), 0);
  EXPECT_GE(first["server_cpu_s"].get<double>(), 0);
  ASSERT_TRUE(std::getline(in, line));
  nlohmann::json second = nlohmann::json::parse(line);
  EXPECT_EQ(second["job"], "remote");
  EXPECT_TRUE(second["server_cpu_s"].is_null());
  EXPECT_FALSE(std::getline(in, line));
  std::system(("rm -rf " + std::string(dir)).c_str());
}

TEST(CpuLogTest, AnUnwritablePathIsAnErrorNamingTheFlag) {
  Result<std::unique_ptr<CpuLog>> log = CpuLog::Open("/nonexistent-dir/cpu.jsonl");
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().message(),
            "--cpu-log: cannot create /nonexistent-dir/cpu.jsonl: No such file or directory");
}

}  // namespace
}  // namespace hyperdump::engine
