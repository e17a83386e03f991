#include "cli/ui/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>

#include "base/redact.h"
#include "cli/ui/units.h"

namespace hyperdump::ui {

using scheduler::Event;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

int PercentDone(const ProgressView& v) {
  uint64_t done = v.bytes, total = v.bytes_estimate;
  if (total == 0) {
    done = v.rows;
    total = v.rows_estimate;
  }
  if (total == 0) return -1;
  if (done >= total) return 100;
  return static_cast<int>(done * 100 / total);
}

std::optional<std::chrono::seconds> Remaining(const ProgressView& v) {
  if (v.bytes_estimate > 0) return EstimateRemaining(v.bytes, v.bytes_estimate, v.bytes_per_second);
  return EstimateRemaining(v.rows, v.rows_estimate, v.rows_per_second);
}

std::string BytesDoneText(const ProgressView& v) {
  std::string out = HumanBytes(v.bytes);
  if (v.bytes_estimate > 0) {
    out += " of " + HumanBytes(v.bytes_estimate) + " (" + std::to_string(PercentDone(v)) + "%)";
  }
  return out;
}

std::string RowsDoneText(const ProgressView& v) {
  std::string out = ShortCount(v.rows);
  if (v.rows_estimate > 0) out += " of " + ShortCount(v.rows_estimate);
  out += " rows";
  if (v.bytes_estimate == 0 && v.rows_estimate > 0) {
    out += " (" + std::to_string(PercentDone(v)) + "%)";
  }
  return out;
}

std::string EtaText(const ProgressView& v) {
  return PercentDone(v) < 0 ? std::string() : "ETA " + FormatEta(Remaining(v));
}

namespace {

std::string PadRight(const std::string& s, int columns) {
  std::string out = FitColumns(s, columns);
  int n = DisplayColumns(out);
  if (n < columns) out.append(static_cast<size_t>(columns - n), ' ');
  return out;
}

std::string PadLeft(const std::string& s, int columns) {
  int n = DisplayColumns(s);
  return n >= columns ? s : std::string(static_cast<size_t>(columns - n), ' ') + s;
}

std::string Bar(int percent, int cells) {
  int full = percent * cells / 100;
  std::string out = "[";
  for (int i = 0; i < cells; ++i) {
    if (i < full) {
      out += '=';
    } else if (i == full && percent < 100) {
      out += '>';
    } else {
      out += ' ';
    }
  }
  return out + "]";
}

std::string JobsText(const ProgressView& v) {
  std::string out = "jobs " + HumanCount(v.jobs_done) + " done, " + HumanCount(v.jobs_running) +
                    " running, " + HumanCount(v.jobs_ready) + " ready";
  if (v.jobs_failed) out += ", " + HumanCount(v.jobs_failed) + " failed";
  if (v.retries) out += ", " + HumanCount(v.retries) + (v.retries == 1 ? " retry" : " retries");
  return out;
}

std::string SlotLine(const SlotView& s, int width) {
  std::string head = "  " + PadLeft(std::to_string(s.slot), 3) + "  ";
  if (!s.busy) return head + "idle";
  // kind(10) name(...) amount(10) time(8), separated by spaces.
  const int fixed = 7 + 10 + 1 + 2 + 10 + 2 + 8;
  int name_width = std::max(10, width - fixed);
  std::string amount;
  if (s.bytes > 0) {
    amount = HumanBytes(s.bytes);
  } else if (s.rows > 0) {
    amount = ShortCount(s.rows) + " rows";
  }
  return head + PadRight(s.kind, 10) + " " + PadRight(RedactSecrets(s.name), name_width) + "  " +
         PadLeft(amount, 10) + "  " + PadLeft(HumanDuration(s.running), 8);
}

// "dump 1.2 GiB, restore 0.8 GiB; slower: " when several sides share the
// display (what follows is the slower side's progress), else "".
std::string SidesText(const ProgressView& v) {
  if (v.sides.size() < 2) return "";
  std::string out;
  for (const auto& [side, bytes] : v.sides) {
    out += (out.empty() ? "" : ", ") + side + " " + HumanBytes(bytes);
  }
  return out + "; slower: ";
}

}  // namespace

std::vector<std::string> RenderTerminalLines(const ProgressView& v, int width,
                                             size_t max_slot_lines) {
  std::vector<std::string> lines;
  std::string first;
  if (!v.label.empty()) first += v.label + " \xC2\xB7 ";  // U+00B7 middle dot
  first += v.phase.empty() ? "starting" : v.phase;
  int pct = PercentDone(v);
  first += pct >= 0 ? " " + Bar(pct, 20) + " " : "  ";
  first += SidesText(v) + BytesDoneText(v) + "  " + HumanRate(v.bytes_per_second);
  std::string eta = EtaText(v);
  if (!eta.empty()) first += "  " + eta;
  lines.push_back(first);

  lines.push_back(RowsDoneText(v) + " \xC2\xB7 " + JobsText(v) + " \xC2\xB7 elapsed " +
                  HumanDuration(v.elapsed));

  // Busy slots first when they do not all fit; slot order otherwise.
  std::vector<const SlotView*> order;
  for (const SlotView& s : v.slots) order.push_back(&s);
  if (order.size() > max_slot_lines) {
    std::stable_partition(order.begin(), order.end(), [](const SlotView* s) { return s->busy; });
  }
  size_t shown = std::min(order.size(), max_slot_lines);
  for (size_t i = 0; i < shown; ++i) lines.push_back(SlotLine(*order[i], width));
  if (shown < order.size()) {
    size_t busy = 0;
    for (size_t i = shown; i < order.size(); ++i) busy += order[i]->busy ? 1 : 0;
    lines.push_back("  \xE2\x80\xA6 " + std::to_string(order.size() - shown) + " more slots (" +
                    std::to_string(busy) + " busy)");
  }
  for (std::string& l : lines) l = FitColumns(l, width);
  return lines;
}

std::string RenderPlainLine(const ProgressView& v) {
  std::string out = "[" + HumanDuration(v.elapsed) + "]";
  if (!v.label.empty()) out += " " + v.label;
  if (!v.phase.empty()) out += " " + v.phase;
  out += ":";
  out += " " + SidesText(v) + BytesDoneText(v) + ", " + RowsDoneText(v) + ", " +
         HumanRate(v.bytes_per_second);
  std::string eta = EtaText(v);
  if (!eta.empty()) out += ", " + eta;
  out += "; " + JobsText(v);
  return out;
}

void RateMeter::Add(Clock::time_point at, uint64_t total) {
  samples_.emplace_back(at, total);
  // Keep one sample at or before the window's start as the baseline.
  while (samples_.size() > 2 && samples_[1].first <= at - window_) samples_.pop_front();
}

double RateMeter::PerSecond() const {
  if (samples_.size() < 2) return 0;
  const auto& [t0, v0] = samples_.front();
  const auto& [t1, v1] = samples_.back();
  double secs = std::chrono::duration<double>(t1 - t0).count();
  if (secs <= 0 || v1 < v0) return 0;
  return static_cast<double>(v1 - v0) / secs;
}

ProgressSink::ProgressSink(Options options) : options_(std::move(options)) {
  mode_ = options_.mode;
  if (mode_ == Mode::kAuto) {
    mode_ =
        (options_.out != nullptr && isatty(fileno(options_.out))) ? Mode::kTerminal : Mode::kPlain;
  }
  if (options_.out == nullptr) mode_ = Mode::kQuiet;
  start_ = Now();
  if (mode_ != Mode::kQuiet) thread_ = std::thread([this] { Loop(); });
}

ProgressSink::~ProgressSink() { Stop(); }

void ProgressSink::OnEvent(const Event& e) {
  std::lock_guard<std::mutex> lock(mu_);
  auto end_attempt = [&](bool keep_bytes) {
    auto it = slot_of_.find(e.job);
    if (it == slot_of_.end()) return false;
    Slot& s = slots_[static_cast<size_t>(it->second)];
    if (!keep_bytes) {
      // The attempt's work will be redone (or is lost): it is not progress.
      bytes_ -= std::min(bytes_, s.bytes);
      rows_ -= std::min(rows_, s.rows);
    }
    s = Slot{};
    slot_of_.erase(it);
    if (jobs_running_ > 0) --jobs_running_;
    return true;
  };
  switch (e.type) {
    case Event::kQueued:
      ++jobs_ready_;
      break;
    case Event::kStarted: {
      if (e.slot < 0) break;
      // Robust to a lost end event: an attempt of the same job, or another job
      // on the same slot, is over when this one starts.
      end_attempt(false);
      if (static_cast<size_t>(e.slot) < slots_.size() && slots_[static_cast<size_t>(e.slot)].busy) {
        Slot& old = slots_[static_cast<size_t>(e.slot)];
        slot_of_.erase(old.job);
        old = Slot{};
        if (jobs_running_ > 0) --jobs_running_;
      }
      if (jobs_ready_ > 0) --jobs_ready_;
      ++jobs_running_;
      if (slots_.size() <= static_cast<size_t>(e.slot))
        slots_.resize(static_cast<size_t>(e.slot) + 1);
      Slot& s = slots_[static_cast<size_t>(e.slot)];
      s = Slot{true, e.job, e.name, e.kind, e.at, 0, 0};
      slot_of_[e.job] = e.slot;
      break;
    }
    case Event::kProgress: {
      bytes_ += e.bytes;
      rows_ += e.rows;
      if (!e.side.empty()) {
        side_done_[e.side].first += e.bytes;
        side_done_[e.side].second += e.rows;
      }
      auto it = slot_of_.find(e.job);
      if (it != slot_of_.end()) {
        slots_[static_cast<size_t>(it->second)].bytes += e.bytes;
        slots_[static_cast<size_t>(it->second)].rows += e.rows;
      }
      break;
    }
    case Event::kFinished:
      end_attempt(true);
      ++jobs_done_;
      break;
    case Event::kRetry:
      end_attempt(false);
      ++retries_;
      break;
    case Event::kRequeued:
      end_attempt(false);
      break;
    case Event::kFailed:
      end_attempt(false);
      ++jobs_failed_;
      break;
    case Event::kCancelled:
      end_attempt(false);
      break;
  }
}

void ProgressSink::SetPhase(std::string phase) {
  Clock::time_point now = Now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    phase_ = phase;
    phase_starts_.emplace_back(std::move(phase), now);
  }
  if (mode_ != Mode::kPlain) return;
  std::lock_guard<std::mutex> out(out_mu_);
  if (stopped_) return;
  std::string line = "[" + HumanDuration(duration_cast<milliseconds>(now - start_)) + "]";
  if (!options_.label.empty()) line += " " + options_.label;
  std::lock_guard<std::mutex> lock(mu_);
  line += ": phase " + phase_ + "\n";
  std::fputs(line.c_str(), options_.out);
  std::fflush(options_.out);
}

void ProgressSink::SetEstimate(uint64_t bytes, uint64_t rows) {
  std::lock_guard<std::mutex> lock(mu_);
  bytes_estimate_ = bytes;
  rows_estimate_ = rows;
}

void ProgressSink::Print(const std::string& line) {
  if (options_.out == nullptr) return;
  std::lock_guard<std::mutex> out(out_mu_);
  // On a terminal: erase the display, write the line, draw the display below it.
  bool redraw = mode_ == Mode::kTerminal && !stopped_;
  if (redraw) EraseLocked();
  std::fputs((line + "\n").c_str(), options_.out);
  if (redraw) {
    std::vector<std::string> lines;
    {
      std::lock_guard<std::mutex> lock(mu_);
      lines = RenderTerminalLines(ViewLocked(Now()), Width() - 1, options_.max_slot_lines);
    }
    DrawLocked(lines);
  }
  std::fflush(options_.out);
}

void ProgressSink::Stop() {
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  std::lock_guard<std::mutex> out(out_mu_);
  if (stopped_) return;
  stopped_ = true;
  if (mode_ == Mode::kTerminal) {
    EraseLocked();
  } else if (mode_ == Mode::kPlain) {
    std::string line;
    {
      std::lock_guard<std::mutex> lock(mu_);
      line = RenderPlainLine(ViewLocked(Now()));
    }
    std::fputs((line + "\n").c_str(), options_.out);
  }
  if (options_.out != nullptr) std::fflush(options_.out);
}

ProgressView ProgressSink::View() {
  std::lock_guard<std::mutex> lock(mu_);
  return ViewLocked(Now());
}

ProgressView ProgressSink::ViewLocked(Clock::time_point now) {
  // Several sides: the run is as far as its slower side (fewest bytes).
  uint64_t bytes = bytes_, rows = rows_;
  if (side_done_.size() > 1) {
    bytes = UINT64_MAX;
    for (const auto& [side, done] : side_done_) {
      if (done.first < bytes) {
        bytes = done.first;
        rows = done.second;
      }
    }
  }
  byte_rate_.Add(now, bytes);
  row_rate_.Add(now, rows);
  ProgressView v;
  v.label = options_.label;
  v.phase = phase_;
  v.elapsed = duration_cast<milliseconds>(now - start_);
  v.bytes = bytes;
  v.rows = rows;
  if (side_done_.size() > 1) {
    for (const auto& [side, done] : side_done_) v.sides.emplace_back(side, done.first);
  }
  v.bytes_estimate = bytes_estimate_;
  v.rows_estimate = rows_estimate_;
  v.bytes_per_second = byte_rate_.PerSecond();
  v.rows_per_second = row_rate_.PerSecond();
  v.jobs_done = jobs_done_;
  v.jobs_running = jobs_running_;
  v.jobs_ready = jobs_ready_;
  v.jobs_failed = jobs_failed_;
  v.retries = retries_;
  for (size_t i = 0; i < slots_.size(); ++i) {
    const Slot& s = slots_[i];
    SlotView sv;
    sv.slot = static_cast<int>(i);
    sv.busy = s.busy;
    if (s.busy) {
      sv.name = s.name;
      sv.kind = s.kind;
      sv.running = duration_cast<milliseconds>(now - s.since);
      sv.bytes = s.bytes;
      sv.rows = s.rows;
    }
    v.slots.push_back(std::move(sv));
  }
  return v;
}

std::vector<PhaseTiming> ProgressSink::Phases() const {
  Clock::time_point now = Now();
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<PhaseTiming> out;
  for (size_t i = 0; i < phase_starts_.size(); ++i) {
    Clock::time_point end = i + 1 < phase_starts_.size() ? phase_starts_[i + 1].second : now;
    out.push_back(
        {phase_starts_[i].first, duration_cast<milliseconds>(end - phase_starts_[i].second)});
  }
  return out;
}

void ProgressSink::Loop() {
  const milliseconds period = mode_ == Mode::kTerminal ? options_.refresh : options_.plain_interval;
  std::unique_lock<std::mutex> wake(wake_mu_);
  while (!wake_.wait_for(wake, period, [this] { return stopping_; })) {
    wake.unlock();
    {
      std::lock_guard<std::mutex> out(out_mu_);
      if (!stopped_) {
        if (mode_ == Mode::kTerminal) {
          std::vector<std::string> lines;
          {
            std::lock_guard<std::mutex> lock(mu_);
            lines = RenderTerminalLines(ViewLocked(Now()), Width() - 1, options_.max_slot_lines);
          }
          DrawLocked(lines);
        } else {
          std::string line;
          {
            std::lock_guard<std::mutex> lock(mu_);
            line = RenderPlainLine(ViewLocked(Now()));
          }
          std::fputs((line + "\n").c_str(), options_.out);
        }
        std::fflush(options_.out);
      }
    }
    wake.lock();
  }
}

void ProgressSink::EraseLocked() {
  if (drawn_lines_ == 0) return;
  // To the start of the first drawn line, then clear to the end of the screen.
  std::fprintf(options_.out, "\x1b[%zuF\x1b[J", drawn_lines_);
  drawn_lines_ = 0;
}

void ProgressSink::DrawLocked(const std::vector<std::string>& lines) {
  std::string frame;
  if (drawn_lines_ > 0) frame += "\x1b[" + std::to_string(drawn_lines_) + "F";
  for (const std::string& l : lines) frame += "\x1b[2K" + l + "\n";
  frame += "\x1b[J";  // a shorter frame leaves no stale lines below
  std::fputs(frame.c_str(), options_.out);
  drawn_lines_ = lines.size();
}

int ProgressSink::Width() const {
  if (options_.width > 0) return options_.width;
  struct winsize ws {};
  if (options_.out != nullptr && ioctl(fileno(options_.out), TIOCGWINSZ, &ws) == 0 &&
      ws.ws_col > 20) {
    return ws.ws_col;
  }
  return 100;
}

}  // namespace hyperdump::ui
