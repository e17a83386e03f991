// The live progress display: overall bytes and rows of the estimate, rate,
// ETA, phase, and what each worker slot is doing.
//
// Split in two so tests need neither a terminal nor a clock:
//  - ProgressView and the Render* functions: pure, exact text for a state;
//  - ProgressSink: collects the state from scheduler events (any thread) and
//    draws it from its own thread: on a terminal it redraws a few lines in
//    place with ANSI escapes about 4 times a second; otherwise it writes one
//    plain line every `plain_interval`; quiet mode writes nothing.
// No Debian package offers a C++ progress display, hence this small one.
#ifndef HYPERDUMP_CLI_UI_PROGRESS_H_
#define HYPERDUMP_CLI_UI_PROGRESS_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cli/ui/summary.h"
#include "scheduler/events.h"

namespace hyperdump::ui {

using Clock = std::chrono::steady_clock;

// What one worker slot is doing at the moment of the view.
struct SlotView {
  int slot = 0;
  bool busy = false;
  std::string name, kind;  // of the running job
  std::chrono::milliseconds running{0};
  uint64_t bytes = 0, rows = 0;  // of the running attempt so far
};

// A state of the run, as the display shows it.
struct ProgressView {
  std::string label;  // "dump", "restore"
  std::string phase;
  std::chrono::milliseconds elapsed{0};
  uint64_t bytes = 0, rows = 0;                    // done
  uint64_t bytes_estimate = 0, rows_estimate = 0;  // 0: unknown
  double bytes_per_second = 0, rows_per_second = 0;
  uint64_t jobs_done = 0, jobs_running = 0, jobs_ready = 0, jobs_failed = 0, retries = 0;
  std::vector<SlotView> slots;
  // Runs sharing the display (Event::side), with their bytes done, when
  // there are several: `bytes`, `rows` and the rates are then the slower
  // side's, so that the bar and the ETA are the whole run's.
  std::vector<std::pair<std::string, uint64_t>> sides;
};

// Percent done (0..100) against the byte estimate, else the row estimate;
// -1 when there is no estimate.
int PercentDone(const ProgressView& v);

// Time left at the current rate: bytes if estimated, else rows.
std::optional<std::chrono::seconds> Remaining(const ProgressView& v);

// "12.0 GiB of 30.0 GiB (40%)"; "12.0 GiB" without a byte estimate.
std::string BytesDoneText(const ProgressView& v);
// "1.2M of 2.7M rows", with " (45%)" when rows are what the percentage is
// measured against (no byte estimate); "1.2M rows" without a row estimate.
std::string RowsDoneText(const ProgressView& v);
// "ETA 3m 05s", "ETA --" while the rate is unknown, "" without any estimate.
std::string EtaText(const ProgressView& v);

// The lines a terminal shows, each at most `width` columns, no newlines:
//   restore · data [=========>          ] 13.5 GiB of 30.0 GiB (45%)  85.2 MiB/s  ETA 3m 18s
//   1.2M of 2.7M rows · jobs 120 done, 8 running, 30 ready, 2 retries · elapsed 2m 40s
//     0  data     public.metrics chunk 17                     1.2 GiB    12.0s
//     1  idle
// At most `max_slot_lines` slot lines; busy slots first if there are more.
std::vector<std::string> RenderTerminalLines(const ProgressView& v, int width,
                                             size_t max_slot_lines = 16);

// One self-contained line for logs (no ANSI, no newline):
//   [2m 40s] restore data: 13.5 GiB of 30.0 GiB (45%), 1.2M of 2.7M rows, 85.2 MiB/s,
//   ETA 3m 18s; jobs 120 done, 8 running, 30 ready
std::string RenderPlainLine(const ProgressView& v);

// Bytes per second over a sliding window of samples of a running total.
// Not thread-safe: the owner locks.
class RateMeter {
 public:
  explicit RateMeter(std::chrono::milliseconds window = std::chrono::seconds(10))
      : window_(window) {}
  void Add(Clock::time_point at, uint64_t total);
  // Rate between the oldest sample still in the window and the newest; 0
  // with fewer than two samples or no time between them.
  double PerSecond() const;

 private:
  std::chrono::milliseconds window_;
  std::deque<std::pair<Clock::time_point, uint64_t>> samples_;
};

class ProgressSink : public scheduler::EventSink {
 public:
  enum class Mode {
    kAuto,      // kTerminal if `out` is a terminal, else kPlain
    kTerminal,  // redraw in place with ANSI escapes
    kPlain,     // a plain line every plain_interval and at each phase
    kQuiet,     // nothing (--quiet); state is still kept for Phases()
  };
  struct Options {
    Mode mode = Mode::kAuto;
    std::FILE* out = stderr;  // not owned; must outlive the sink
    std::string label;        // "dump", "restore"
    std::chrono::milliseconds refresh{250};
    std::chrono::milliseconds plain_interval{std::chrono::seconds(10)};
    size_t max_slot_lines = 16;
    int width = 0;  // 0: the terminal's width (TIOCGWINSZ), 100 if unknown
    std::function<Clock::time_point()> clock;  // default Clock::now; tests inject
  };

  // Starts the drawing thread unless quiet. The run's clock starts now.
  explicit ProgressSink(Options options);
  ~ProgressSink() override;  // Stop()
  ProgressSink(const ProgressSink&) = delete;
  ProgressSink& operator=(const ProgressSink&) = delete;

  // Thread-safe and quick: updates counters under a mutex, draws nothing.
  void OnEvent(const scheduler::Event& event) override;

  // The phase shown from now on ("schema", "data", ...); ends the previous
  // phase's timing. In plain mode also writes a line.
  void SetPhase(std::string phase);
  // The run's expected total; 0 for unknown. May be called again to refine.
  void SetEstimate(uint64_t bytes, uint64_t rows);
  // Writes `line` (a warning, a notice) above the live display without
  // garbling it. Written in every mode, quiet included: a warning is not progress.
  void Print(const std::string& line);

  // Stops the drawing thread and erases the live display (terminal) or writes
  // a last line (plain). Idempotent; events after Stop are still counted.
  void Stop();

  // The state now (by the injected clock); also samples the rate.
  ProgressView View();
  // Every phase so far with its duration; the current one runs up to now.
  std::vector<PhaseTiming> Phases() const;
  Mode mode() const { return mode_; }

 private:
  struct Slot {
    bool busy = false;
    scheduler::JobId job = 0;
    std::string name, kind;
    Clock::time_point since;
    uint64_t bytes = 0, rows = 0;
  };
  Clock::time_point Now() const { return options_.clock ? options_.clock() : Clock::now(); }
  ProgressView ViewLocked(Clock::time_point now);
  void Loop();
  void DrawLocked(const std::vector<std::string>& lines);  // terminal; out_mu_ held
  void EraseLocked();                                      // terminal; out_mu_ held
  int Width() const;

  Options options_;
  Mode mode_;
  Clock::time_point start_;

  mutable std::mutex mu_;  // guards the state below
  std::string phase_;
  std::vector<std::pair<std::string, Clock::time_point>> phase_starts_;
  uint64_t bytes_ = 0, rows_ = 0, bytes_estimate_ = 0, rows_estimate_ = 0;
  // Per Event::side (empty side: not kept): bytes and rows done.
  std::map<std::string, std::pair<uint64_t, uint64_t>> side_done_;
  uint64_t jobs_done_ = 0, jobs_running_ = 0, jobs_ready_ = 0, jobs_failed_ = 0, retries_ = 0;
  std::vector<Slot> slots_;
  std::unordered_map<scheduler::JobId, int> slot_of_;  // running job -> slot
  RateMeter byte_rate_, row_rate_;

  std::mutex out_mu_;  // serialises writes to options_.out; taken before mu_
  size_t drawn_lines_ = 0;
  bool stopped_ = false;  // guarded by out_mu_

  std::mutex wake_mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by wake_mu_
  std::thread thread_;
};

}  // namespace hyperdump::ui

#endif  // HYPERDUMP_CLI_UI_PROGRESS_H_
