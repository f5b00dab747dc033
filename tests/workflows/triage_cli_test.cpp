// The real `tugboat triage` binary (TUGBOAT_BIN): arguments, globs, output and exit codes.
#include <doctest/doctest.h>

#include <cstdlib>

#include "core/subprocess.hpp"
#include "scenario.hpp"

using namespace tugboat;
using namespace tugboat::testing;

namespace {

proc::result run_triage(std::vector<std::string> args, const std::string& cwd = {}) {
  const char* bin = std::getenv("TUGBOAT_BIN");
  REQUIRE_MESSAGE(bin != nullptr, "run through ctest, which sets TUGBOAT_BIN");
  proc::spawn_options o;
  o.argv = {bin, "triage"};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  o.cwd = cwd;
  o.timeout = std::chrono::seconds{120};
  return proc::run(o);
}

// One line on stderr and exit code 2: the contract for every input error.
void check_input_error(const proc::result& r, const std::string& needle) {
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find(needle) != std::string::npos);
  CHECK(r.err.starts_with("tugboat triage: "));
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

}  // namespace

TEST_CASE("tugboat triage --json prints the report for real files, globs included") {
  const auto& s = shared_scenario();
  auto r = run_triage({"--junit", "qa-c*.xml", "qa-billing.xml", "--previous", s.previous, "--repo", ".", "--json"},
                   s.repo.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.starts_with(R"({"summary":{"tests":13,"passed":2,"failed":9,"flaky":1,"skipped":1,"new":8,"pre_existing":1},)"));
  CHECK(r.out.find(R"("owner":{"name":"Dave Jones","email":"dave@example.com"},"confidence":"high")") != std::string::npos);
  CHECK(r.out.ends_with("}\n"));
  CHECK(r.err.empty());
}

TEST_CASE("tugboat triage prints a table by default and classifies without a repository") {
  const auto& s = shared_scenario();
  auto r = run_triage({"--junit", s.current, s.rerun});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.starts_with("QA: 10 tests — 1 passed, 7 failed (7 new, 0 pre-existing), 1 flaky, 1 skipped\n"));
  CHECK(r.out.find("owner:") == std::string::npos);
}

TEST_CASE("tugboat triage reports bad input on one line with exit code 2") {
  const auto& s = shared_scenario();
  check_input_error(run_triage({"--junit", s.repo.path() + "/none.xml"}), "none.xml: no such file");
  check_input_error(run_triage({"--junit", s.repo.path() + "/none-*.xml"}), "matches no file");
  check_input_error(run_triage({"--junit", s.current, "--repo", "/nonexistent/repo"}), "does not exist");
  check_input_error(run_triage({"--junit", s.current, "--repo", s.repo.path(), "--range", "v7..HEAD"}),
                    "unknown ref 'v7'");
  check_input_error(run_triage({"--junit", s.current, "--range", "v1.0..HEAD"}), "--range and --codeowners need --repo");
  check_input_error(run_triage({"--repo", s.repo.path()}), "--junit FILE... is required");
  check_input_error(run_triage({"--junit", s.current, "--bogus"}), "unknown option --bogus");
  check_input_error(run_triage({"--junit", s.repo.path() + "/.mailmap"}), "not a JUnit XML report");
  check_input_error(run_triage({"--junit", s.current, "--repo", s.repo.path(), "--timeout", "soon"}), "--timeout");
  auto plain = run_triage({"--junit", s.current, "--repo", std::filesystem::temp_directory_path().string()});
  check_input_error(plain, "is not a readable git repository");
}

TEST_CASE("tugboat triage --help explains the options and the default range") {
  auto r = run_triage({"--help"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("--junit FILE...") != std::string::npos);
  CHECK(r.out.find("default: the newest tag reachable from HEAD..HEAD") != std::string::npos);
}
