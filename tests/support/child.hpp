#pragma once
// A child process for integration tests: the real `tugboat` binary started with an argv and extra
// environment, its stdout+stderr captured in a file, signalled and waited for with a deadline.
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace tugboat::testing {

class child {
 public:
  // stdin comes from `stdin_path` ("" = /dev/null).
  child(std::vector<std::string> argv, std::vector<std::pair<std::string, std::string>> env,
        std::string log_path, const std::string& stdin_path = {});
  ~child();  // SIGKILLs a child still running
  child(const child&) = delete;
  child& operator=(const child&) = delete;

  int pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // The exit code (128+signal when killed), or -1 if it did not end within `timeout`.
  int wait(std::chrono::milliseconds timeout);
  std::string log() const;  // what it printed so far

 private:
  int pid_ = -1;
  int status_ = -1;
  bool reaped_ = false;
  std::string log_path_;
};

// The path of the built `tugboat` binary (TUGBOAT_BIN, set by ctest).
std::string tugboat_binary();
// A fresh temporary directory, removed by the destructor.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace tugboat::testing
