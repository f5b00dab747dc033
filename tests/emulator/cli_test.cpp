// `tugboat emulator` as a separate process: prints where it listens and the tokens, serves, and exits 0
// on SIGTERM. Needs TUGBOAT_BIN (set by ctest).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/emulator/fixture.hpp"

extern char** environ;

using namespace tugboat::test;
using namespace std::chrono_literals;

namespace {

// A child process started from an argv vector (no shell), its stdout on a pipe.
class child {
 public:
  explicit child(std::vector<std::string> args) {
    const char* bin = std::getenv("TUGBOAT_BIN");
    if (bin == nullptr) throw std::runtime_error("TUGBOAT_BIN is not set");
    args.insert(args.begin(), bin);
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = posix_spawn(&pid_, bin, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    out_ = fds[0];
    if (rc != 0) throw std::runtime_error("spawn failed");
  }
  ~child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(out_);
  }

  // Reads stdout until a line equal to `marker` (or EOF / timeout); returns everything read.
  std::string read_until(const std::string& marker, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (text_.find(marker + "\n") == std::string::npos) {
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[4096];
      auto n = read(out_, buf, sizeof buf);
      if (n <= 0) break;
      text_.append(buf, static_cast<std::size_t>(n));
    }
    return text_;
  }

  std::map<std::string, std::string> vars() const {
    std::map<std::string, std::string> out;
    std::istringstream in(text_);
    for (std::string line; std::getline(in, line);) {
      if (auto eq = line.find('='); eq != std::string::npos && line.find(' ') == std::string::npos) {
        out[line.substr(0, eq)] = line.substr(eq + 1);
      }
    }
    return out;
  }

  // Waits for the exit (SIGKILL after `timeout`); returns the exit code, or -signal.
  int wait(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      pollfd p{out_, POLLIN, 0};
      poll(&p, 1, 10);  // waiting for the child, not for time to pass
      char buf[256];
      if ((p.revents & POLLIN) != 0 && read(out_, buf, sizeof buf) > 0) continue;
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }

  void signal(int sig) { kill(pid_, sig); }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string text_;
};

}  // namespace

TEST_CASE("tugboat emulator prints the URL and tokens, serves, and exits 0 on SIGTERM") {
  child emu({"emulator", "--port", "0", "--no-rate-limits", "--ack-timeout", "500"});
  auto out = emu.read_until("ready (Ctrl-C to stop)", 10s);
  auto v = emu.vars();
  REQUIRE(v.contains("SLACK_API_URL"));
  CHECK(v["SLACK_API_URL"].starts_with("http://127.0.0.1:"));
  CHECK(v["SLACK_APP_TOKEN"].starts_with("xapp-"));
  CHECK(v["SLACK_BOT_TOKEN"].starts_with("xoxb-"));
  http_client api(v["SLACK_API_URL"]);
  auto r = api.post_json("auth.test", "{}", v["SLACK_BOT_TOKEN"]);
  CHECK(jstr(r.body, "/user_id") == "U0BOT");
  http_client ctl(v["CONTROL_URL"]);
  CHECK(jbool(ctl.get("info").body, "/ok"));
  emu.signal(SIGTERM);
  CHECK(emu.wait(5s) == 0);
}

TEST_CASE("tugboat emulator --tls writes a certificate a client can trust") {
  std::string cert = "cli_test_emulator_cert.pem";
  child emu({"emulator", "--tls", "--cert-out", cert});
  emu.read_until("ready (Ctrl-C to stop)", 10s);
  auto v = emu.vars();
  REQUIRE(v["SLACK_API_URL"].starts_with("https://127.0.0.1:"));
  CHECK(v["SSL_CERT_FILE"] == cert);
  std::ifstream in(cert);
  std::stringstream pem;
  pem << in.rdbuf();
  std::remove(cert.c_str());
  http_client api(v["SLACK_API_URL"], pem.str());
  auto url = jstr(
      api.request("POST", "apps.connections.open", {}, {{"Authorization", "Bearer " + v["SLACK_APP_TOKEN"]}})
          .body,
      "/url");
  CHECK(url.starts_with("wss://"));
  ws_client ws;
  ws.connect(url, pem.str());
  auto hello = ws.read(2s);
  REQUIRE(hello);
  CHECK(jstr(hello->data, "/type") == "hello");
  emu.signal(SIGINT);
  CHECK(emu.wait(5s) == 0);
}

TEST_CASE("tugboat emulator --help exits 0 and a bad option exits 2") {
  child help({"emulator", "--help"});
  CHECK(help.read_until("(end of output)", 5s).find("--no-rate-limits") != std::string::npos);
  CHECK(help.wait(5s) == 0);
  child bad({"emulator", "--port", "lots"});
  CHECK(bad.wait(5s) == 2);
  child unknown({"emulator", "--colour"});
  CHECK(unknown.wait(5s) == 2);
}
