#pragma once
// Benchmark support: what /proc says about a process (CPU time of its threads and of its reaped children,
// RSS now and at its peak), the load average, and one printed row per figure beside its target.
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace tugboat::bench {

struct proc_sample {
  double cpu_seconds = 0;       // the process's own threads
  double children_seconds = 0;  // children it has waited for (git, release commands)
  long rss_kib = 0;
  long hwm_kib = 0;  // peak RSS
  long long runs = 0;  // times its threads were scheduled in (about one per wake-up)
};

inline proc_sample sample(int pid) {
  proc_sample s;
  {
    std::ifstream stat(fmt::format("/proc/{}/stat", pid));
    std::string content((std::istreambuf_iterator<char>(stat)), {});
    const auto close = content.rfind(')');
    if (close == std::string::npos) return s;
    std::istringstream rest(content.substr(close + 2));
    std::string field;
    long ticks[4] = {0, 0, 0, 0};  // utime stime cutime cstime: fields 14..17
    for (int i = 3; i <= 17 && rest >> field; ++i) {
      if (i >= 14) ticks[i - 14] = std::stol(field);
    }
    const auto hz = static_cast<double>(sysconf(_SC_CLK_TCK));
    s.cpu_seconds = static_cast<double>(ticks[0] + ticks[1]) / hz;
    s.children_seconds = static_cast<double>(ticks[2] + ticks[3]) / hz;
  }
  // /proc/PID/stat counts in 10 ms ticks; the scheduler's per-thread run time is in nanoseconds. Use it
  // when the threads alive now account for at least what the ticks say (none ran and exited).
  double precise = 0;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator(fmt::format("/proc/{}/task", pid), ec)) {
    std::ifstream schedstat(task.path() / "schedstat");
    long long ns = 0, waited_ns = 0, runs = 0;
    if (schedstat >> ns) precise += static_cast<double>(ns) / 1e9;
    if (schedstat >> waited_ns >> runs) s.runs += runs;
  }
  if (precise + 0.01 >= s.cpu_seconds) s.cpu_seconds = precise;
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmRSS:")) s.rss_kib = std::stol(line.substr(6));
    if (line.starts_with("VmHWM:")) s.hwm_kib = std::stol(line.substr(6));
  }
  return s;
}

inline std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return fmt::format("{} {} {}", a, b, c);
}

inline void row(std::string_view what, const std::string& value, std::string_view target, bool ok) {
  fmt::print("  {:<44} {:>14}   target {:<14} {}\n", what, value, target, ok ? "ok" : "MISSED");
}

}  // namespace tugboat::bench
