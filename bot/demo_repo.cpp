#include "bot/demo_repo.hpp"

#include <fmt/format.h>

#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/subprocess.hpp"

namespace tugboat::bot {
namespace {

namespace fs = std::filesystem;

struct author {
  const char* name;
  const char* email;
};
constexpr author kAlice{"Alice Archer", "alice@example.com"};
constexpr author kBob{"Bob Becker", "bob@example.com"};
constexpr author kCarol{"Carol Chandra", "carol@example.com"};

void write_file(const fs::path& p, std::string_view text) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p);
  out << text;
}

void git(const fs::path& repo, std::vector<std::string> args, const author& who = kCarol, int day = 0) {
  args.insert(args.begin(), {"git", "-C", repo.string()});
  proc::spawn_options o;
  o.argv = std::move(args);
  const auto date = fmt::format("2026-11-{:02} 10:00:00 +0000", 2 + day);
  o.env = {{"GIT_AUTHOR_NAME", who.name},  {"GIT_AUTHOR_EMAIL", who.email}, {"GIT_COMMITTER_NAME", who.name},
           {"GIT_COMMITTER_EMAIL", who.email}, {"GIT_AUTHOR_DATE", date},  {"GIT_COMMITTER_DATE", date}};
  auto r = proc::run(o);
  if (!r.ok()) throw std::runtime_error(fmt::format("git {} failed: {} {}", o.argv[3], r.describe(), r.err));
}

// A source file of `n` numbered lines, with `changes` (line → text) applied.
std::string source(std::string_view name, int n, const std::vector<std::pair<int, std::string>>& changes = {}) {
  std::string out;
  for (int i = 1; i <= n; ++i) {
    std::string line = fmt::format("  int {}_step_{} = {};  // line {}", name, i, i * 7, i);
    for (const auto& [at, text] : changes) {
      if (at == i) line = text;
    }
    out += line + "\n";
  }
  return out;
}

void commit(const fs::path& repo, const author& who, int day, const std::string& subject) {
  git(repo, {"add", "-A"}, who, day);
  git(repo, {"commit", "-q", "-m", subject}, who, day);
}

constexpr std::string_view kReport = R"xml(<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="9" failures="3" name="AllTests">
  <testsuite name="ParserTest" tests="4" failures="2">
    <testcase name="ParsesEmptyHeader" classname="ParserTest" file="src/parser.cpp" line="12">
      <failure message="src/parser.cpp:12&#10;Expected equality of these values:&#10;  header.size()&#10;    Which is: 1&#10;  0"><![CDATA[src/parser.cpp:12
Expected equality of these values:
  header.size()
    Which is: 1
  0]]></failure>
    </testcase>
    <testcase name="HandlesLongLines" classname="ParserTest">
      <failure message="src/parser.cpp:31: buffer overrun (read 4097 bytes of 4096)"/>
    </testcase>
    <testcase name="ParsesComments" classname="ParserTest"/>
    <testcase name="ParsesUnicode" classname="ParserTest"/>
  </testsuite>
  <testsuite name="RenderTest" tests="3" failures="1">
    <testcase name="RendersTables" classname="RenderTest">
      <failure message="src/render.cpp:20: expected 3 columns, got 2"/>
    </testcase>
    <testcase name="RendersLinks" classname="RenderTest"/>
    <testcase name="RendersCode" classname="RenderTest"/>
  </testsuite>
  <testsuite name="NetTest" tests="2" failures="1">
    <testcase name="RetriesOnTimeout" classname="NetTest" file="tests/net_test.cpp" line="8">
      <failure message="tests/net_test.cpp:8: timed out after 2000 ms"/>
    </testcase>
    <testcase name="Resolves" classname="NetTest"/>
  </testsuite>
</testsuites>
)xml";

// The rerun of the net tests: RetriesOnTimeout passed the second time, so it is flaky.
constexpr std::string_view kRerun = R"xml(<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="1" failures="0" name="Rerun">
  <testsuite name="NetTest" tests="1" failures="0">
    <testcase name="RetriesOnTimeout" classname="NetTest" file="tests/net_test.cpp" line="8"/>
  </testsuite>
</testsuites>
)xml";

// A stand-in for a coding agent's CLI: the demo's `[quickfix] command`. It gets the request in its
// argv and environment (never through a shell command line of ours), fixes typos in the sample repo,
// commits, and prints a link as an agent would.
constexpr std::string_view kAgent = R"sh(#!/usr/bin/env bash
# demo agent: fixes "teh" typos in Markdown files of the repository it runs in.
set -euo pipefail
request="$1"
echo "demo-agent: $request"
case "$request" in
  *typo*)
    files=$(grep -rlw "teh" --include='*.md' . || true)
    if [ -z "$files" ]; then echo "no typo found"; exit 1; fi
    for f in $files; do sed -i 's/\bteh\b/the/g' "$f"; echo "fixed: $f"; done
    git add -A
    git -c user.name=demo-agent -c user.email=agent@example.com commit -q -m "Fix typo ($TUGBOAT_RUN)"
    git show --stat --format='%h %s' HEAD
    echo "Opened https://git.example.com/acme/app/pull/42"
    ;;
  *)
    echo "demo-agent: I can only fix typos" >&2
    exit 3
    ;;
esac
)sh";

// The demo's release command: tags the release in the sample repository and "publishes" it.
constexpr std::string_view kShip = R"sh(#!/usr/bin/env bash
# demo release: tags the version at the released commit and prints what a real pipeline would.
set -euo pipefail
version="$1"; head="$2"
git -c user.name=tugboat -c user.email=tugboat@example.com tag -a "v$version" -m "Release $version" "$head"
echo "tagged v$version at ${head:0:7}"
echo "published acme-app $version to https://packages.example.com/acme-app/$version"
)sh";

void write_script_file(const fs::path& p, std::string_view text) {
  {
    std::ofstream out(p);
    out << text;
  }
  fs::permissions(p, fs::perms::owner_all);
}

}  // namespace

demo_world make_demo_world(const fs::path& dir) {
  demo_world w;
  w.repo = dir / "acme-app";
  const auto& repo = w.repo;
  fs::create_directories(repo);
  git(repo, {"init", "-q", "-b", "main"});
  write_file(repo / "README.md", "# acme-app\n\nA sample application for the Tugboat demo.\n");
  write_file(repo / "docs" / "install.md", "# Install\n\nRun `make install` and teh app is ready.\n");
  write_file(repo / "src" / "parser.cpp", source("parse", 40));
  write_file(repo / "src" / "render.cpp", source("render", 30));
  write_file(repo / "tests" / "net_test.cpp", source("net", 12));
  write_file(repo / ".github" / "CODEOWNERS", "# Owners\n*            @carol\ntests/net*  carol@example.com\n");
  commit(repo, kCarol, 0, "Initial import");
  git(repo, {"tag", "v1.3.0"});
  // Work after the release: each failure points at a line someone changed since v1.3.0.
  write_file(repo / "src" / "parser.cpp",
             source("parse", 40, {{12, "  if (header.empty()) return header.size();  // empty headers"}}));
  commit(repo, kAlice, 3, "Parse empty headers");
  write_file(repo / "src" / "render.cpp", source("render", 30, {{20, "  columns = cells.size() - 1;  // faster tables"}}));
  commit(repo, kBob, 5, "Faster table rendering");
  write_file(repo / "src" / "parser.cpp",
             source("parse", 40, {{12, "  if (header.empty()) return header.size();  // empty headers"},
                                  {31, "  read(buffer, 4097);  // long lines"}}));
  commit(repo, kAlice, 7, "Read long lines in one go");
  write_file(repo / "README.md", "# acme-app\n\nA sample application for the Tugboat demo.\n\nSee docs/.\n");
  commit(repo, kCarol, 8, "README: point at the docs");

  write_script_file(dir / "demo-agent", kAgent);
  write_script_file(dir / "demo-ship", kShip);
  w.qa_dir = dir / "qa";
  write_file(w.qa_dir / "unit.xml", kReport);
  write_file(w.qa_dir / "rerun.xml", kRerun);
  return w;
}


config demo_config(const std::filesystem::path& dir, const demo_world& world, std::chrono::seconds remind_every) {
  config cfg;
  cfg.source = "demo";
  cfg.store.path = (dir / "tugboat.db").string();
  cfg.quickfix.command = {(dir / "demo-agent").string(), "{text}"};
  cfg.quickfix.workdir = world.repo.string();
  cfg.quickfix.timeout = std::chrono::seconds{60};
  cfg.access.admins = {"U0ALICE"};
  cfg.access.releasers = {"U0DAVE"};
  cfg.release.repo = world.repo.string();
  cfg.release.qa_junit = {(world.qa_dir / "*.xml").string()};
  cfg.release.manager = "U0CAROL";
  cfg.release.commit_url = "https://git.example.com/acme/app/commit/{sha}";
  cfg.release.release_command = {(dir / "demo-ship").string(), "{version}", "{head}"};
  cfg.release.work_dir = (dir / "release-work").string();
  cfg.release.reminders.every = remind_every;
  cfg.release.reminders.working_hours = "00:00-24:00";
  cfg.release.reminders.working_days = "daily";
  cfg.release.reminders.escalate_after = 2;
  return cfg;
}

}  // namespace tugboat::bot
