// `tugboat triage`: QA triage and blame-based ownership from the command line (a CI job can call it).
// Parses arguments, expands globs, runs workflows::triage on this thread and prints a table or JSON.
// Exit codes: 0 the triage ran (whatever the tests did), 2 a usage or input error (one line on stderr).
#include <fmt/format.h>
#include <glob.h>

#include <cstdio>

#include "bot/cli.hpp"
#include "bot/commands.hpp"
#include "workflows/triage.hpp"

namespace tugboat::bot {
namespace {

constexpr std::string_view kHelp = R"(usage: tugboat triage --junit FILE... [--previous FILE...]
                      [--repo DIR [--range BASE..HEAD] [--codeowners FILE]] [--json]

Classifies the failures in JUnit XML reports as new, pre_existing or flaky and, with --repo, names an
owner for each one with evidence from git blame restricted to the release range.

  --junit FILE...       the QA reports to triage (globs such as 'out/*.xml' are expanded)
  --previous FILE...    the last release's reports: a test that failed there is pre_existing
  --repo DIR            the git repository the tests ran against; without it, only classify
  --range BASE..HEAD    the release range (default: the newest tag reachable from HEAD..HEAD)
  --codeowners FILE     a CODEOWNERS file (default: .github/, root or docs/ CODEOWNERS at HEAD)
  --timeout SECONDS     limit for each git command (default 120)
  --json                print JSON (schema in docs/triage.md) instead of a table
  --help                this text

Exit status: 0 when the triage ran, 2 for a usage error, a missing or unreadable file, a repository
that cannot be read or an unknown ref.
)";

bool has_glob_chars(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

std::vector<std::string> expand(const std::vector<std::string>& patterns, std::string_view option) {
  std::vector<std::string> files;
  for (const auto& p : patterns) {
    if (!has_glob_chars(p)) {
      files.push_back(p);
      continue;
    }
    glob_t g{};
    int rc = ::glob(p.c_str(), 0, nullptr, &g);
    if (rc == 0) {
      for (std::size_t i = 0; i < g.gl_pathc; ++i) files.emplace_back(g.gl_pathv[i]);
    }
    ::globfree(&g);
    if (rc == GLOB_NOMATCH) throw usage_error(fmt::format("--{} '{}' matches no file", option, p));
    if (rc != 0) throw usage_error(fmt::format("--{} '{}' cannot be expanded", option, p));
  }
  return files;
}

}  // namespace

int cmd_triage(args a) {
  workflows::triage_request request;
  bool json = false;
  try {
    cli c(a, {"json", "help"}, {"repo", "range", "codeowners", "timeout"}, {"junit", "previous"});
    if (c.flag("help")) {
      fmt::print("{}", kHelp);
      return 0;
    }
    if (!c.positional().empty()) throw usage_error(fmt::format("unexpected argument '{}'", c.positional().front()));
    request.junit = expand(c.values("junit"), "junit");
    request.previous = expand(c.values("previous"), "previous");
    if (request.junit.empty()) throw usage_error("--junit FILE... is required");
    request.repo = c.value("repo").value_or("");
    request.range = c.value("range").value_or("");
    request.codeowners = c.value("codeowners").value_or("");
    if (request.repo.empty() && (!request.range.empty() || !request.codeowners.empty())) {
      throw usage_error("--range and --codeowners need --repo");
    }
    if (auto t = c.value("timeout")) {
      int seconds = 0;
      try {
        seconds = std::stoi(*t);
      } catch (const std::exception&) {
        seconds = 0;
      }
      if (seconds <= 0) throw usage_error(fmt::format("--timeout '{}' is not a positive number of seconds", *t));
      request.git_timeout = std::chrono::seconds{seconds};
    }
    json = c.flag("json");
  } catch (const usage_error& e) {
    fmt::print(stderr, "tugboat triage: {} (see tugboat triage --help)\n", e.what());
    return 2;
  }

  workflows::triage_report report;
  try {
    report = workflows::triage(request);
  } catch (const workflows::triage_error& e) {
    fmt::print(stderr, "tugboat triage: {}\n", e.what());
    return 2;
  }
  for (const auto& w : report.warnings) fmt::print(stderr, "tugboat triage: warning: {}\n", w);
  if (json) {
    fmt::print("{}\n", workflows::to_json(report));
  } else {
    fmt::print("{}", workflows::to_table(report));
  }
  return 0;
}

}  // namespace tugboat::bot
