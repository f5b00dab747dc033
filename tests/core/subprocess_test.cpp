#include "core/subprocess.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

using namespace tugboat;
using namespace std::chrono_literals;

namespace {

proc::result sh(const std::string& script, proc::spawn_options o = {}) {
  o.argv = {"/bin/sh", "-c", script};
  return proc::run(o);
}

// A process is gone when /proc has no entry or only a zombie waiting for a reaper.
bool process_alive(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return false;
  std::string line;
  std::getline(stat, line);
  auto close_paren = line.rfind(')');
  return close_paren != std::string::npos && close_paren + 2 < line.size() && line[close_paren + 2] != 'Z';
}

}  // namespace

TEST_CASE("a child's exit code, stdout and stderr come back separately") {
  auto r = sh("echo out; echo err >&2; exit 3");
  CHECK(r.exit_code == 3);
  CHECK(r.term_signal == 0);
  CHECK(r.out == "out\n");
  CHECK(r.err == "err\n");
  CHECK_FALSE(r.ok());
  CHECK(r.describe() == "exit 3");
  CHECK(sh("true").ok());
}

TEST_CASE("arguments reach the program verbatim, with no shell in between") {
  proc::spawn_options o;
  o.argv = {"printf", "%s|", "a b", "$HOME", "; rm -rf /", "*"};
  auto r = proc::run(o);
  REQUIRE(r.ok());
  CHECK(r.out == "a b|$HOME|; rm -rf /|*|");
}

TEST_CASE("a child killed by a signal reports the signal") {
  auto r = sh("kill -9 $$");
  CHECK(r.term_signal == SIGKILL);
  CHECK(r.exit_code == -1);
  CHECK(r.describe().starts_with("killed by signal 9"));
}

TEST_CASE("a missing program is a spawn failure with a clear error") {
  proc::spawn_options o;
  o.argv = {"tugboat-no-such-program-xyz", "--help"};
  auto r = proc::run(o);
  CHECK(r.spawn_failed);
  CHECK_FALSE(r.ok());
  CHECK(r.error.find("tugboat-no-such-program-xyz") != std::string::npos);
  CHECK(r.error.find("No such file") != std::string::npos);
  o.argv.clear();
  CHECK(proc::run(o).spawn_failed);
}

TEST_CASE("a missing working directory is a spawn failure too") {
  proc::spawn_options o;
  o.argv = {"true"};
  o.cwd = "/nonexistent/tugboat-dir";
  auto r = proc::run(o);
  CHECK(r.spawn_failed);
  CHECK(r.error.find("/nonexistent/tugboat-dir") != std::string::npos);
}

TEST_CASE("environment overrides and the working directory apply to the child") {
  auto dir = std::filesystem::temp_directory_path();
  proc::spawn_options o;
  o.env = {{"TUGBOAT_TEST_VAR", "hello world"}, {"HOME", "/elsewhere"}};
  o.cwd = dir.string();
  auto r = sh("printf '%s|%s|' \"$TUGBOAT_TEST_VAR\" \"$HOME\"; pwd -P", o);
  REQUIRE(r.ok());
  CHECK(r.out == "hello world|/elsewhere|" + std::filesystem::canonical(dir).string() + "\n");
}

TEST_CASE("stdin is fed and closed, or empty when nothing is given") {
  proc::spawn_options o;
  o.argv = {"cat"};
  o.stdin_data = std::string(1 << 20, 'x') + "end";  // larger than a pipe buffer
  auto r = proc::run(o);
  REQUIRE(r.ok());
  CHECK(r.out.size() == (1u << 20) + 3);
  CHECK(r.out.ends_with("xend"));
  o.stdin_data.clear();
  r = proc::run(o);
  CHECK(r.ok());
  CHECK(r.out.empty());
}

TEST_CASE("a child that stops reading stdin early does not take the parent down") {
  proc::spawn_options o;
  o.argv = {"head", "-c", "3"};
  o.stdin_data = std::string(4 << 20, 'y');
  auto r = proc::run(o);
  CHECK(r.out == "yyy");
  CHECK(r.exit_code == 0);
}

TEST_CASE("bounded output keeps the last bytes of each stream") {
  proc::spawn_options o;
  o.max_output = 10;
  auto r = sh("seq 1 100000; seq 1 5000 >&2", o);
  REQUIRE(r.ok());
  CHECK(r.out == "99\n100000\n");
  CHECK(r.err == "4999\n5000\n");
  o.max_output = 0;
  r = sh("seq 1 100000", o);
  CHECK(r.out.size() == 588895);
}

TEST_CASE("a timeout kills the child's whole process group, grandchildren included") {
  auto pid_file = std::filesystem::temp_directory_path() / ("tugboat-subprocess-" + std::to_string(::getpid()));
  proc::spawn_options o;
  o.timeout = 300ms;
  o.kill_grace = 200ms;
  int started = 0;
  o.on_start = [&](int pid) { started = pid; };
  // The grandchild ignores SIGTERM and holds stdout open, so only the group SIGKILL can end the wait.
  auto r = sh("(trap '' TERM; echo $$ > " + pid_file.string() + "; exec sleep 30) & sleep 30", o);
  CHECK(started > 0);
  CHECK(r.timed_out);
  CHECK_FALSE(r.ok());
  CHECK(r.duration < 5s);
  CHECK(r.describe().starts_with("timed out"));
  std::ifstream in(pid_file);
  int grandchild = 0;
  in >> grandchild;
  REQUIRE(grandchild > 0);
  // SIGKILL is delivered asynchronously; give the kernel a moment without relying on timing for the verdict.
  for (int i = 0; i < 500 && process_alive(grandchild); ++i) ::usleep(2000);
  CHECK_FALSE(process_alive(grandchild));
  std::filesystem::remove(pid_file);
}

TEST_CASE("a child that finishes before its timeout is not marked timed out") {
  proc::spawn_options o;
  o.timeout = 10s;
  auto r = sh("echo quick", o);
  CHECK(r.ok());
  CHECK_FALSE(r.timed_out);
  CHECK(r.out == "quick\n");
}

TEST_CASE("kill_group signals a running child's group") {
  proc::spawn_options o;
  o.argv = {"sleep", "30"};
  o.on_start = [](int pid) { CHECK(proc::kill_group(pid, SIGTERM)); };
  auto r = proc::run(o);
  CHECK(r.term_signal == SIGTERM);
  CHECK_FALSE(proc::kill_group(0, SIGTERM));
}

TEST_CASE("descriptors of the parent do not leak into the child") {
  auto path = std::filesystem::temp_directory_path() / "tugboat-fd-leak-test";
  FILE* f = std::fopen(path.c_str(), "w");  // opened without O_CLOEXEC on purpose
  REQUIRE(f != nullptr);
  auto r = sh("ls /proc/self/fd | wc -l");
  std::fclose(f);
  std::filesystem::remove(path);
  REQUIRE(r.ok());
  // 0, 1, 2 and the directory ls itself opens.
  CHECK(std::stoi(r.out) == 4);
}

TEST_CASE("a timeout still fires when the child closed its output and keeps running") {
  proc::spawn_options o;
  o.timeout = 200ms;
  o.kill_grace = 200ms;
  auto r = sh("exec >&- 2>&-; sleep 30", o);
  CHECK(r.timed_out);
  CHECK(r.term_signal == SIGTERM);
  CHECK(r.duration < 5s);
}

TEST_CASE("a child that exits after closing its output is reaped with its status") {
  proc::spawn_options o;
  o.timeout = 10s;
  auto r = sh("exec >&- 2>&-; sleep 0.05; exit 4", o);
  CHECK_FALSE(r.timed_out);
  CHECK(r.exit_code == 4);
  CHECK(r.duration < 5s);
}

TEST_CASE("kill_tagged stops the processes whose environment carries the tag, with their groups, and only them") {
  const std::string tag = fmt::format("subprocess-test-{}", ::getpid());
  auto start = [](const std::string& value, std::atomic<int>& pid, proc::result& out) {
    return std::thread([value, &pid, &out] {
      proc::spawn_options o;
      // A grandchild in the same group, like a release script's `sleep`.
      o.argv = {"/bin/sh", "-c", "sleep 30 & wait"};
      o.env = {{"TUGBOAT_TEST_TAG", value}};
      o.timeout = 20s;
      o.on_start = [&pid](int p) { pid = p; };
      out = proc::run(o);
    });
  };
  std::atomic<int> tagged_pid{0}, other_pid{0};
  proc::result tagged, other;
  auto a = start(tag, tagged_pid, tagged);
  auto b = start(tag + "-other", other_pid, other);
  for (int i = 0; i < 500 && (tagged_pid == 0 || other_pid == 0); ++i) std::this_thread::sleep_for(10ms);
  std::this_thread::sleep_for(100ms);  // the shells have started their sleeps
  CHECK(proc::kill_tagged("TUGBOAT_TEST_TAG", tag) >= 1);
  a.join();
  CHECK(tagged.term_signal == SIGKILL);
  CHECK(!tagged.timed_out);
  // The other one is still running; stop it ourselves.
  CHECK(::kill(other_pid, 0) == 0);
  proc::kill_group(other_pid, SIGKILL);
  b.join();
  CHECK(other.term_signal == SIGKILL);
  CHECK(proc::kill_tagged("TUGBOAT_TEST_TAG", tag) == 0);
}
