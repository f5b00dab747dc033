#include "workflows/ownership/git.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>

#include "core/subprocess.hpp"
#include "scenario.hpp"

using namespace tugboat;
using namespace tugboat::ownership;
using namespace tugboat::testing;

namespace {

const blamed_line& at(const std::vector<blamed_line>& lines, int n) {
  auto it = std::find_if(lines.begin(), lines.end(), [&](const auto& l) { return l.line == n; });
  REQUIRE(it != lines.end());
  return *it;
}

}  // namespace

TEST_CASE("porcelain blame output parses into lines with their commits") {
  auto lines = parse_blame_porcelain(
      "1111111111111111111111111111111111111111 1 1 2\nauthor Ann\nauthor-mail <ann@x.org>\nauthor-time 1700000000\n"
      "author-tz +0000\nsummary First\nboundary\nfilename a.c\n\tone\n"
      "1111111111111111111111111111111111111111 2 2\n\ttwo\n"
      "2222222222222222222222222222222222222222 5 3 1\nauthor Ben\nauthor-mail <ben@x.org>\nauthor-time 1700000100\n"
      "summary Second\nprevious 1111111111111111111111111111111111111111 a.c\nfilename a.c\n\t\tindented\n");
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].line == 1);
  CHECK(lines[0].boundary);
  CHECK(lines[0].author == "Ann");
  CHECK(lines[0].email == "ann@x.org");
  CHECK(lines[1].code == "two");
  CHECK(lines[1].boundary);
  CHECK(lines[2].line == 3);
  CHECK(lines[2].sha == "2222222222222222222222222222222222222222");
  CHECK(lines[2].code == "\tindented");
  CHECK_FALSE(lines[2].boundary);
  CHECK(lines[2].summary == "Second");
  CHECK(iso_date(1700000000) == "2023-11-14T22:13:20Z");
}

TEST_CASE("refs are verified, unknown refs and non-repositories are clear errors") {
  const auto& s = shared_scenario();
  git_repo git(s.repo.path() + "/src");  // a subdirectory finds its top level
  CHECK(git.top() == std::filesystem::canonical(s.repo.dir()).string());
  CHECK(git.resolve("HEAD") == s.bob_billing);
  CHECK(git.resolve("v1.0") == s.alice_parser_test);
  CHECK(git.resolve(s.carol_calc.substr(0, 10)) == s.carol_calc);
  CHECK_THROWS_WITH_AS(git.resolve("no-such-tag"), doctest::Contains("unknown ref 'no-such-tag'"), git_error);
  CHECK_THROWS_AS(git.resolve("--output=/tmp/x"), git_error);
  CHECK(git.newest_tag(s.bob_billing) == "v1.0");
  CHECK_FALSE(git.newest_tag(s.init));
  CHECK_THROWS_WITH_AS(git_repo("/nonexistent/repo"), doctest::Contains("does not exist"), git_error);
  auto plain = std::filesystem::temp_directory_path();
  CHECK_THROWS_WITH_AS(git_repo(plain.string()), doctest::Contains("is not a readable git repository"), git_error);
}

TEST_CASE("the range log is mailmapped, skips nothing but merges and records both sides of a rename") {
  const auto& s = shared_scenario();
  git_repo git(s.repo.path());
  auto commits = git.log_range(s.alice_parser_test, s.bob_billing);
  REQUIRE(commits.size() == 7);
  CHECK(commits.front().sha == s.bob_billing);
  CHECK(commits.front().subject == "Billing: round half up");
  CHECK(commits.front().time == repo_builder::day_epoch(65));
  auto dave = std::find_if(commits.begin(), commits.end(), [&](const auto& c) { return c.sha == s.dave_parser; });
  REQUIRE(dave != commits.end());
  CHECK(dave->author == "Dave Jones");
  CHECK(dave->email == "dave@example.com");
  auto rename = std::find_if(commits.begin(), commits.end(), [&](const auto& c) { return c.sha == s.alice_rename; });
  REQUIRE(rename != commits.end());
  CHECK(rename->files == std::vector<std::string>{"src/legacy/old_name.cpp", "src/util/strings.cpp"});
  auto files = git.list_files(s.bob_billing);
  CHECK(std::find(files.begin(), files.end(), "src/util/strings.cpp") != files.end());
  CHECK(std::find(files.begin(), files.end(), "src/legacy/old_name.cpp") == files.end());
}

TEST_CASE("range-limited blame attributes in-range lines, marks older ones as boundary and follows renames") {
  const auto& s = shared_scenario();
  git_repo git(s.repo.path());
  auto lines = git.blame("src/calc.cpp", {{10, 14}, {24, 26}}, s.alice_parser_test, s.bob_billing, "");
  REQUIRE(lines.size() == 8);
  CHECK(at(lines, 12).sha == s.carol_calc);
  CHECK(at(lines, 12).code == "int calc_value = broken;");
  CHECK(at(lines, 12).author == "Carol Chen");
  CHECK_FALSE(at(lines, 12).boundary);
  CHECK(at(lines, 11).boundary);
  // Without the ignore list, the reformat owns line 25; with it, the line goes back to Carol.
  CHECK(at(lines, 25).sha == s.eve_format);
  auto top = git.top();
  auto ignoring = git.blame("src/calc.cpp", {{25, 25}}, s.alice_parser_test, s.bob_billing, top + "/.git-blame-ignore-revs");
  REQUIRE(ignoring.size() == 1);
  CHECK(ignoring[0].sha == s.carol_calc);
  CHECK(ignoring[0].code == "int total = (a + b);");

  auto renamed = git.blame("src/util/strings.cpp", {{4, 6}}, s.alice_parser_test, s.bob_billing, "");
  REQUIRE(renamed.size() == 3);
  CHECK(at(renamed, 5).sha == s.alice_rename);
  CHECK(at(renamed, 4).boundary);
  auto mailmapped = git.blame("src/parser.cpp", {{20, 20}}, s.alice_parser_test, s.bob_billing, "");
  REQUIRE(mailmapped.size() == 1);
  CHECK(mailmapped[0].author == "Dave Jones");
  CHECK(mailmapped[0].email == "dave@example.com");
}

TEST_CASE("blame ranges past the end of a file are clamped, and a missing file is an error") {
  const auto& s = shared_scenario();
  git_repo git(s.repo.path());
  auto lines = git.blame("src/calc.cpp", {{38, 44}, {90, 99}}, s.alice_parser_test, s.bob_billing, "");
  CHECK(lines.size() == 3);
  CHECK(git.blame("src/calc.cpp", {{90, 99}}, s.alice_parser_test, s.bob_billing, "").empty());
  CHECK_THROWS_WITH_AS(git.blame("src/gone.cpp", {{1, 2}}, s.alice_parser_test, s.bob_billing, ""),
                       doctest::Contains("git blame src/gone.cpp failed"), git_error);
}

TEST_CASE("a file's history lists its commits newest first, limited by date when asked") {
  const auto& s = shared_scenario();
  git_repo git(s.repo.path());
  auto history = git.path_history("tests/io_test.cpp", s.bob_billing, 0);
  REQUIRE(history.size() == 3);
  CHECK(history[0].sha == s.bob_io_2);
  CHECK(history[2].sha == s.init);
  auto recent = git.path_history("tests/io_test.cpp", s.bob_billing, repo_builder::day_epoch(15));
  REQUIRE(recent.size() == 1);
  CHECK(recent[0].author == "Bob Baker");
  CHECK(git.show_file(s.bob_billing, ".mailmap") == "Dave Jones <dave@example.com> dave <dave@old.example>\n");
  CHECK_FALSE(git.show_file(s.bob_billing, "nope"));
  CHECK(git.commit_time(s.bob_billing) == repo_builder::day_epoch(65));
}

TEST_CASE("a repository owned by another user is read, as a CI checkout often is (safe.directory)") {
  if (::geteuid() != 0) {
    MESSAGE("not root: cannot hand the repository to another user; skipped");
    return;
  }
  repo_builder foreign;
  foreign.write("a.txt", "a\n");
  auto sha = foreign.commit(kAlice, "only commit", 1);
  proc::spawn_options chown;
  chown.argv = {"chown", "-R", "12345:12345", foreign.path()};
  REQUIRE(proc::run(chown).ok());
  // Plain git refuses it...
  proc::spawn_options plain;
  plain.argv = {"git", "-C", foreign.path(), "rev-parse", "HEAD"};
  plain.env = {{"GIT_CONFIG_GLOBAL", "/dev/null"}, {"GIT_CONFIG_NOSYSTEM", "1"}};
  auto refused = proc::run(plain);
  CHECK_FALSE(refused.ok());
  CHECK(refused.err.find("dubious ownership") != std::string::npos);
  // ...while triage trusts exactly the repository it was pointed at.
  git_repo git(foreign.path());
  CHECK(git.resolve("HEAD") == sha);
}

TEST_CASE("the range's patches come from one log: a marker per commit, no context, renames as changes") {
  const auto& s = shared_scenario();
  git_repo git(s.repo.path());
  auto patches = git.log_patches(s.alice_parser_test, s.bob_billing, std::size_t{1} << 20);
  REQUIRE(patches);
  CHECK(patches->starts_with("\x01" + s.bob_billing + "\n"));
  CHECK(patches->find("\x01" + s.dave_parser + "\n") != std::string::npos);
  CHECK(patches->find("\x01" + s.alice_parser_test) == std::string::npos);  // BASE is not in the range
  CHECK(patches->find("\n-calc line 12\n+int calc_value = broken;\n") != std::string::npos);
  CHECK(patches->find("\n calc line 11\n") == std::string::npos);  // no context lines
  // The rename carries its one changed line, not the whole file twice.
  CHECK(patches->find("+strings line 5 // trims tabs too\n") != std::string::npos);
  CHECK(patches->find("-strings line 6") == std::string::npos);
  CHECK_FALSE(git.log_patches(s.alice_parser_test, s.bob_billing, 100));
}

TEST_CASE("the patches of listed commits come from one log of exactly those commits") {
  const auto& s = shared_scenario();
  git_repo git(s.repo.path());
  auto patches = git.commit_patches({s.dave_parser, s.carol_calc}, std::size_t{1} << 20);
  REQUIRE(patches);
  auto dave = patches->find("\x01" + s.dave_parser + "\n");
  auto carol = patches->find("\x01" + s.carol_calc + "\n");
  CHECK(dave == 0);
  CHECK(carol > dave);
  CHECK(carol != std::string::npos);
  CHECK(patches->find("\x01" + s.bob_billing) == std::string::npos);
  CHECK(patches->find("+int calc_value = broken;\n") != std::string::npos);
  CHECK(git.commit_patches({}, 100) == std::string{});
  CHECK_THROWS_AS(git.commit_patches({"--output=/tmp/x"}, 100), git_error);
}
