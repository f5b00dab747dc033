#include "core/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <string_view>

extern char** environ;

namespace tugboat::proc {
namespace {

using steady = std::chrono::steady_clock;

// Owns a file descriptor; closes it once.
class fd_handle {
 public:
  fd_handle() = default;
  explicit fd_handle(int fd) : fd_(fd) {}
  fd_handle(const fd_handle&) = delete;
  fd_handle& operator=(const fd_handle&) = delete;
  ~fd_handle() { reset(); }
  int get() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

bool make_pipe(fd_handle& read_end, fd_handle& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
  return true;
}

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// The parent's environment with `overrides` applied, as "NAME=value" strings.
std::vector<std::string> build_env(const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    auto name = kv.substr(0, kv.find('='));
    bool replaced = std::any_of(overrides.begin(), overrides.end(), [&](const auto& o) { return o.first == name; });
    if (!replaced) out.emplace_back(kv);
  }
  for (const auto& [name, value] : overrides) out.push_back(name + "=" + value);
  return out;
}

// Appends while keeping only about the last `max` bytes; trimming is amortised so each byte moves O(1) times.
void append_bounded(std::string& buf, const char* data, std::size_t n, std::size_t max) {
  buf.append(data, n);
  if (max > 0 && buf.size() > 2 * max + 65536) buf.erase(0, buf.size() - max);
}

// Reads what is available; false once the stream reached EOF or failed (the caller closes it).
bool drain(int fd, std::string& buf, std::size_t max) {
  std::array<char, 65536> chunk;
  for (;;) {
    auto n = ::read(fd, chunk.data(), chunk.size());
    if (n > 0) {
      append_bounded(buf, chunk.data(), static_cast<std::size_t>(n), max);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    return false;
  }
}

// Blocks SIGPIPE in this thread while we write to the child's stdin, so a child that exits early shows
// up as EPIPE instead of killing the whole process; restores the mask and discards our SIGPIPE after.
class sigpipe_block {
 public:
  sigpipe_block() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
  }
  sigpipe_block(const sigpipe_block&) = delete;
  sigpipe_block& operator=(const sigpipe_block&) = delete;
  ~sigpipe_block() {
    if (raised_ && !sigismember(&old_, SIGPIPE)) {
      timespec zero{};
      while (sigtimedwait(&set_, nullptr, &zero) == -1 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  void raised() { raised_ = true; }

 private:
  sigset_t set_{};
  sigset_t old_{};
  bool raised_ = false;
};

struct spawn_setup {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attr{};
  spawn_setup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  spawn_setup(const spawn_setup&) = delete;
  spawn_setup& operator=(const spawn_setup&) = delete;
  ~spawn_setup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

}  // namespace

std::string result::describe() const {
  if (spawn_failed) return error;
  if (timed_out) return fmt::format("timed out after {} ms", duration.count());
  if (term_signal != 0) return fmt::format("killed by signal {} ({})", term_signal, ::strsignal(term_signal));
  return fmt::format("exit {}", exit_code);
}

bool kill_group(int pid, int sig) { return pid > 0 && ::kill(-pid, sig) == 0; }

int kill_tagged(std::string_view name, std::string_view value) {
  const std::string wanted = fmt::format("{}={}", name, value);
  const pid_t self = ::getpid();
  const pid_t own_group = ::getpgrp();
  int found = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const auto pid_text = entry.path().filename().string();
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(pid_text));
    if (pid == self) continue;
    std::ifstream env_file(entry.path() / "environ", std::ios::binary);  // gone or not ours: unreadable
    std::string vars((std::istreambuf_iterator<char>(env_file)), {});
    bool match = false;
    for (std::size_t at = 0; at < vars.size() && !match;) {
      const auto end = std::min(vars.find('\0', at), vars.size());
      match = std::string_view(vars).substr(at, end - at) == wanted;
      at = end + 1;
    }
    if (!match) continue;
    ++found;
    const pid_t group = ::getpgid(pid);
    if (group > 1 && group != own_group) ::kill(-group, SIGKILL);
    ::kill(pid, SIGKILL);
  }
  return found;
}

result run(const spawn_options& options) {
  result res;
  auto start = steady::now();
  auto finish = [&]() -> result& {
    res.duration = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start);
    return res;
  };
  if (options.argv.empty() || options.argv.front().empty()) {
    res.spawn_failed = true;
    res.error = "cannot start a process: empty argv";
    return finish();
  }

  fd_handle in_r, in_w, out_r, out_w, err_r, err_w;
  bool feed_stdin = !options.stdin_data.empty();
  if ((feed_stdin && !make_pipe(in_r, in_w)) || !make_pipe(out_r, out_w) || !make_pipe(err_r, err_w)) {
    res.spawn_failed = true;
    res.error = fmt::format("cannot create pipes for '{}': {}", options.argv.front(), std::strerror(errno));
    return finish();
  }

  spawn_setup setup;
  if (feed_stdin) {
    posix_spawn_file_actions_adddup2(&setup.actions, in_r.get(), 0);
  } else {
    posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&setup.actions, out_w.get(), 1);
  posix_spawn_file_actions_adddup2(&setup.actions, err_w.get(), 2);
  if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(&setup.actions, options.cwd.c_str());
  // Descriptors other threads opened without O_CLOEXEC must not leak into the child either.
  posix_spawn_file_actions_addclosefrom_np(&setup.actions, 3);

  // Own process group (so a timeout reaches grandchildren), no inherited mask or ignored signals.
  sigset_t empty_mask, all_default;
  sigemptyset(&empty_mask);
  sigemptyset(&all_default);
  for (int s = 1; s < NSIG; ++s) {
    if (s != SIGKILL && s != SIGSTOP) sigaddset(&all_default, s);
  }
  posix_spawnattr_setsigmask(&setup.attr, &empty_mask);
  posix_spawnattr_setsigdefault(&setup.attr, &all_default);
  posix_spawnattr_setpgroup(&setup.attr, 0);
  posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> env_strings = build_env(options.env);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_strings = options.argv;
  std::vector<char*> argv;
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, argv[0], &setup.actions, &setup.attr, argv.data(), envp.data());
  if (rc != 0) {
    res.spawn_failed = true;
    bool on_path = options.argv.front().find('/') == std::string::npos;
    res.error = fmt::format("cannot start '{}'{}: {}{}", options.argv.front(),
                            options.cwd.empty() ? "" : fmt::format(" in '{}'", options.cwd), std::strerror(rc),
                            rc == ENOENT && on_path ? " (not found on PATH, or no such directory)" : "");
    return finish();
  }
  in_r.reset();
  out_w.reset();
  err_w.reset();
  if (options.on_start) options.on_start(pid);

  set_nonblocking(out_r.get());
  set_nonblocking(err_r.get());
  if (feed_stdin) set_nonblocking(in_w.get());

  const bool has_timeout = options.timeout.count() > 0;
  const auto deadline = has_timeout ? start + options.timeout : steady::time_point::max();
  auto kill_at = steady::time_point::max();
  auto give_up_at = steady::time_point::max();
  bool term_sent = false;
  bool kill_sent = false;
  auto check_timers = [&] {
    if (!has_timeout) return;
    auto now = steady::now();
    if (!term_sent && now >= deadline) {
      res.timed_out = true;
      term_sent = true;
      kill_group(pid, SIGTERM);
      kill_at = now + options.kill_grace;
    }
    if (term_sent && !kill_sent && now >= kill_at) {
      kill_sent = true;
      kill_group(pid, SIGKILL);
      // A process that left the group may still hold our pipes; stop waiting for them after this.
      give_up_at = now + options.kill_grace;
    }
  };
  auto next_wake_ms = [&]() -> int {
    if (!has_timeout) return -1;
    auto next = !term_sent ? deadline : !kill_sent ? kill_at : give_up_at;
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(next - steady::now()).count();
    return static_cast<int>(std::clamp<long long>(ms, 0, 60'000));
  };

  sigpipe_block pipe_guard;
  std::size_t written = 0;
  while (out_r.open() || err_r.open() || in_w.open()) {
    std::array<pollfd, 3> fds{};
    nfds_t n = 0;
    if (out_r.open()) fds[n++] = pollfd{out_r.get(), POLLIN, 0};
    if (err_r.open()) fds[n++] = pollfd{err_r.get(), POLLIN, 0};
    if (in_w.open()) fds[n++] = pollfd{in_w.get(), POLLOUT, 0};
    int ready = ::poll(fds.data(), n, next_wake_ms());
    if (ready < 0 && errno != EINTR) {
      res.error = fmt::format("poll failed: {}", std::strerror(errno));
      break;
    }
    for (nfds_t i = 0; ready > 0 && i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == out_r.get()) {
        if (!drain(out_r.get(), res.out, options.max_output)) out_r.reset();
      } else if (fds[i].fd == err_r.get()) {
        if (!drain(err_r.get(), res.err, options.max_output)) err_r.reset();
      } else if (fds[i].fd == in_w.get()) {
        if ((fds[i].revents & (POLLERR | POLLHUP)) != 0) {
          in_w.reset();
          continue;
        }
        const auto& data = options.stdin_data;
        auto n_written = ::write(in_w.get(), data.data() + written, data.size() - written);
        if (n_written > 0) {
          written += static_cast<std::size_t>(n_written);
          if (written == data.size()) in_w.reset();
        } else if (n_written < 0 && errno == EPIPE) {
          pipe_guard.raised();
          in_w.reset();
        } else if (n_written < 0 && errno != EAGAIN && errno != EINTR) {
          in_w.reset();
        }
      }
    }
    check_timers();
    if (kill_sent && steady::now() >= give_up_at) break;
  }
  out_r.reset();
  err_r.reset();
  in_w.reset();

  // After a timeout, nothing of the group may outlive us. The leader is not reaped yet, so its group id
  // cannot have been reused.
  if (term_sent) kill_group(pid, SIGKILL);
  int status = 0;
  // With a timeout, wait on a pidfd so the exit is seen at once (no polling) while the timers still run.
  fd_handle exit_fd(has_timeout ? static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)) : -1);
  for (;;) {
    pid_t w = ::waitpid(pid, &status, has_timeout ? WNOHANG : 0);
    if (w == pid) break;
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      res.error = fmt::format("waitpid failed: {}", std::strerror(errno));
      return finish();
    }
    check_timers();
    if (exit_fd.open()) {
      pollfd p{exit_fd.get(), POLLIN, 0};
      ::poll(&p, 1, kill_sent ? 2 : next_wake_ms());
    } else {
      ::poll(nullptr, 0, 2);
    }
  }
  if (WIFEXITED(status)) res.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) res.term_signal = WTERMSIG(status);
  if (options.max_output > 0) {
    if (res.out.size() > options.max_output) res.out.erase(0, res.out.size() - options.max_output);
    if (res.err.size() > options.max_output) res.err.erase(0, res.err.size() - options.max_output);
  }
  return finish();
}

}  // namespace tugboat::proc
