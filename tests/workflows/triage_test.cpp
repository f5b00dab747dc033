#include "workflows/triage.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <fstream>

#include "scenario.hpp"

using namespace tugboat;
using namespace tugboat::testing;
using workflows::evidence_item;
using workflows::failure_report;

namespace {

const failure_report& failure(const workflows::triage_report& r, std::string_view name) {
  auto it = std::find_if(r.failures.begin(), r.failures.end(), [&](const auto& f) { return f.name == name; });
  REQUIRE(it != r.failures.end());
  return *it;
}

workflows::triage_request request_for(const release_scenario& s) {
  workflows::triage_request req;
  req.junit = {s.current, s.billing, s.rerun};
  req.previous = {s.previous};
  req.repo = s.repo.path();
  req.range = "v1.0..HEAD";
  return req;
}

void check_commit_evidence(const evidence_item& e, const std::string& sha, const std::string& signal,
                           const std::string& file, int line, const std::string& code) {
  CHECK(e.commit == sha);
  CHECK(e.short_sha == sha.substr(0, 7));
  CHECK(e.signal == signal);
  CHECK(e.file == file);
  CHECK(e.line == line);
  CHECK(e.code == code);
}

// The full triage of the shared scenario, computed once.
const workflows::triage_report& shared_report() {
  static const workflows::triage_report report = workflows::triage(request_for(shared_scenario()));
  return report;
}

}  // namespace

TEST_CASE("triage classifies every failure and names the owner of each with checkable evidence") {
  const auto& s = shared_scenario();
  const auto& r = shared_report();
  CHECK(r.warnings.empty());
  CHECK(r.base == s.alice_parser_test);
  CHECK(r.head == s.bob_billing);
  // One blame per file with a frame. Files no commit in the range touched (socket.cpp, BillingTest.java)
  // are skipped when the range log is in before their turn comes, so they may or may not appear.
  auto blamed = r.blamed_files;
  std::erase_if(blamed, [](const std::string& f) {
    return f == "src/net/socket.cpp" || f == "src/test/java/com/acme/BillingTest.java";
  });
  CHECK(blamed == std::vector<std::string>{"src/calc.cpp", "src/main/java/com/acme/Billing.java", "src/parser.cpp",
                                           "src/util/strings.cpp"});
  CHECK(r.blamed_files.size() <= 6);

  const auto& sum = r.summary;
  CHECK(sum.tests == 13);
  CHECK(sum.passed == 2);
  CHECK(sum.failed == 8);
  CHECK(sum.flaky == 2);
  CHECK(sum.skipped == 1);
  CHECK(sum.new_failures == 7);
  CHECK(sum.pre_existing == 1);
  REQUIRE(r.failures.size() == 10);
  std::vector<std::string> order;
  for (const auto& f : r.failures) order.push_back(f.name);
  CHECK(order == std::vector<std::string>{"AddsLargeNumbers", "Formats", "Sometimes", "RejectsEmpty",
                                          "ThrowsOnGarbage", "Trims", "Connects", "Reads", "testCharge",
                                          "testRefund"});

  SUBCASE("the exact line of a frame in the range names its author, with high confidence") {
    const auto& f = failure(r, "AddsLargeNumbers");
    CHECK(f.cls == qa::failure_class::new_failure);
    CHECK(f.message == "Value of: calc()");
    REQUIRE(f.owner);
    CHECK(f.owner->name == "Carol Chen");
    CHECK(f.owner->email == "carol@example.com");
    CHECK(f.confidence == ownership::confidence::high);
    CHECK(f.test_file == "tests/calc_test.cpp");
    REQUIRE(f.evidence.size() == 3);
    check_commit_evidence(f.evidence[0], s.carol_calc, "exact_line", "src/calc.cpp", 12, "int calc_value = broken;");
    CHECK(f.evidence[0].subject == "Make calc faster");
    CHECK(f.evidence[0].author == "Carol Chen");
    CHECK(f.evidence[0].date == "2026-02-10T00:00:00Z");
    check_commit_evidence(f.evidence[1], s.carol_calc, "touched_frame_file", "src/calc.cpp", 0, "");
    // src/calc.cpp is also what tests/calc_test.cpp tests.
    check_commit_evidence(f.evidence[2], s.carol_calc, "touched_test_file", "src/calc.cpp", 0, "");
  }

  SUBCASE("a reformat listed in .git-blame-ignore-revs and a bot commit are never owners") {
    const auto& f = failure(r, "Formats");
    REQUIRE(f.owner);
    CHECK(f.owner->name == "Carol Chen");
    CHECK(f.confidence == ownership::confidence::high);
    REQUIRE_FALSE(f.evidence.empty());
    check_commit_evidence(f.evidence[0], s.carol_calc, "exact_line", "src/calc.cpp", 25, "int total = (a + b);");
  }

  SUBCASE(".mailmap turns an old identity into the person, and the innermost frame wins") {
    const auto& f = failure(r, "RejectsEmpty");
    REQUIRE(f.owner);
    CHECK(f.owner->name == "Dave Jones");
    CHECK(f.owner->email == "dave@example.com");
    CHECK(f.confidence == ownership::confidence::high);
    REQUIRE(f.evidence.size() == 3);
    check_commit_evidence(f.evidence[0], s.dave_parser, "exact_line", "src/parser.cpp", 20,
                          "parser line 20 // accepts empty input now");
    CHECK(f.evidence[0].author == "Dave Jones");
    CHECK(f.evidence[0].email == "dave@example.com");
  }

  SUBCASE("a CI path maps into the repository and blame follows the rename") {
    const auto& f = failure(r, "Trims");
    REQUIRE(f.owner);
    CHECK(f.owner->name == "Alice Archer");
    CHECK(f.confidence == ownership::confidence::high);
    REQUIRE_FALSE(f.evidence.empty());
    check_commit_evidence(f.evidence[0], s.alice_rename, "exact_line", "src/util/strings.cpp", 5,
                          "strings line 5 // trims tabs too");
  }

  SUBCASE("a nearby line and the subject file give a medium-confidence owner for a Java trace") {
    const auto& f = failure(r, "testCharge");
    CHECK(f.classname == "com.acme.BillingTest");
    CHECK(f.test_file == "src/test/java/com/acme/BillingTest.java");
    REQUIRE(f.owner);
    CHECK(f.owner->name == "Bob Baker");
    CHECK(f.confidence == ownership::confidence::medium);
    REQUIRE(f.evidence.size() == 3);
    check_commit_evidence(f.evidence[0], s.bob_billing, "nearby_line", "src/main/java/com/acme/Billing.java", 9,
                          "billing line 9 changed");
    check_commit_evidence(f.evidence[1], s.bob_billing, "touched_frame_file", "src/main/java/com/acme/Billing.java", 0, "");
    check_commit_evidence(f.evidence[2], s.bob_billing, "touched_test_file", "src/main/java/com/acme/Billing.java", 0, "");
  }

  SUBCASE("with no culprit in the range, CODEOWNERS names the owner of the frame's file") {
    const auto& f = failure(r, "Connects");
    REQUIRE(f.owner);
    CHECK(f.owner->name == "@net-owners");
    CHECK(f.owner->email.empty());
    CHECK(f.confidence == ownership::confidence::low);
    REQUIRE(f.evidence.size() == 1);
    CHECK(f.evidence[0].signal == "codeowners");
    CHECK(f.evidence[0].commit.empty());
    CHECK(f.evidence[0].file == ".github/CODEOWNERS");
    CHECK(f.evidence[0].line == 2);
    CHECK(f.evidence[0].code == "/src/net/     @net-owners");
  }

  SUBCASE("without frames or CODEOWNERS, the most frequent recent author of the test file owns it") {
    const auto& f = failure(r, "Reads");
    REQUIRE(f.owner);
    CHECK(f.owner->name == "Bob Baker");
    CHECK(f.confidence == ownership::confidence::low);
    REQUIRE(f.evidence.size() == 1);
    check_commit_evidence(f.evidence[0], s.bob_io_2, "frequent_author", "tests/io_test.cpp", 0, "");
  }

  SUBCASE("pre-existing and flaky failures name no culprit and go to the test's owner") {
    const auto& pre = failure(r, "ThrowsOnGarbage");
    CHECK(pre.cls == qa::failure_class::pre_existing);
    REQUIRE(pre.owner);
    CHECK(pre.owner->name == "Alice Archer");
    CHECK(pre.confidence == ownership::confidence::low);
    REQUIRE(pre.evidence.size() == 1);
    check_commit_evidence(pre.evidence[0], s.alice_parser_test, "frequent_author", "tests/parser_test.cpp", 0, "");

    const auto& mixed = failure(r, "Sometimes");
    CHECK(mixed.cls == qa::failure_class::flaky);
    REQUIRE(mixed.owner);
    CHECK(mixed.owner->name == "Alice Archer");
    CHECK(mixed.evidence.at(0).signal == "frequent_author");

    const auto& refund = failure(r, "testRefund");
    CHECK(refund.cls == qa::failure_class::flaky);
    REQUIRE(refund.owner);
    CHECK(refund.owner->name == "@java-team");
    CHECK(refund.confidence == ownership::confidence::low);
    CHECK(refund.evidence.at(0).line == 3);
  }
}

TEST_CASE("the default range starts at the newest tag reachable from HEAD") {
  const auto& s = shared_scenario();
  auto req = request_for(s);
  req.range.clear();
  req.parallelism = 1;
  auto r = workflows::triage(req);
  CHECK(r.base == s.alice_parser_test);
  CHECK(r.base_label == "v1.0");
  CHECK(r.head_label == "HEAD");
  CHECK(failure(r, "AddsLargeNumbers").owner->name == "Carol Chen");
}

TEST_CASE("the runner-up authors are named as candidates, strongest first, never the owner twice") {
  repo_builder repo;
  repo.write("src/render.cpp", numbered_lines("render line", 30));
  repo.write("src/other.cpp", numbered_lines("other line", 10));
  repo.commit(kAlice, "Initial import", 0);
  repo.git({"tag", "v1.0"});
  repo.set_line("src/render.cpp", 20, "render line 20 // faster");
  repo.commit(kBob, "Faster tables", 1);
  repo.set_line("src/render.cpp", 22, "render line 22 // widths follow");
  repo.commit(kCarol, "Widths follow the columns", 2);
  repo.set_line("src/render.cpp", 5, "render line 5 // tidy");
  repo.commit(kBob, "Tidy the header", 3);
  repo.set_line("src/other.cpp", 2, "other line 2 // changed");
  repo.commit(kAlice, "Unrelated", 4);
  repo.write("qa.xml", R"(<testsuite name="RenderTest"><testcase name="Tables" classname="RenderTest">)"
                       R"(<failure message="src/render.cpp:20: expected 3 columns"/></testcase></testsuite>)");
  workflows::triage_request req;
  req.junit = {repo.path() + "/qa.xml"};
  req.repo = repo.path();
  auto r = workflows::triage(req);
  const auto& f = failure(r, "Tables");
  REQUIRE(f.owner);
  CHECK(f.owner->email == "bob@example.com");
  // Carol changed a line two below; Bob's other commit only touched the file, so Bob is not named again;
  // Alice never touched render.cpp in the range.
  REQUIRE(f.candidates.size() == 1);
  CHECK(f.candidates[0].name == "Carol Chen");
  CHECK(f.candidates[0].email == "carol@example.com");
  CHECK(workflows::to_json(r).find(R"("candidates":[{"name":"Carol Chen","email":"carol@example.com"}])") !=
        std::string::npos);
}

TEST_CASE("an empty range is a warning and every new failure falls back to CODEOWNERS or file history") {
  const auto& s = shared_scenario();
  auto req = request_for(s);
  req.range = "HEAD..HEAD";
  auto r = workflows::triage(req);
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].find("the range HEAD..HEAD is empty") != std::string::npos);
  CHECK(r.blamed_files.size() <= 6);
  for (const auto& f : r.failures) {
    CHECK(f.confidence == ownership::confidence::low);
  }
  CHECK(failure(r, "Connects").owner->name == "@net-owners");
  // tests/calc_test.cpp was only ever touched by Alice.
  CHECK(failure(r, "AddsLargeNumbers").owner->name == "Alice Archer");
}

TEST_CASE("a given CODEOWNERS file replaces the repository's") {
  const auto& s = shared_scenario();
  auto req = request_for(s);
  req.codeowners = (s.repo.dir().parent_path() / ("tugboat-test-codeowners-" + s.repo.dir().filename().string())).string();
  std::ofstream(req.codeowners) << "src/net/socket.cpp  net@example.com\n";
  auto r = workflows::triage(req);
  std::filesystem::remove(req.codeowners);
  const auto& f = failure(r, "Connects");
  REQUIRE(f.owner);
  CHECK(f.owner->name == "net@example.com");
  CHECK(f.owner->email == "net@example.com");
  CHECK(f.evidence.at(0).file == req.codeowners);
  CHECK(f.evidence.at(0).line == 1);
  // The repository's *.java rule is gone with it.
  CHECK(failure(r, "testRefund").owner->name != "@java-team");
}

TEST_CASE("without a repository triage only classifies") {
  const auto& s = shared_scenario();
  workflows::triage_request req;
  req.junit = {s.current};
  auto r = workflows::triage(req);
  CHECK(r.summary.tests == 10);
  CHECK(r.summary.new_failures == 8);
  CHECK(r.summary.flaky == 0);  // no rerun report this time: Sometimes is simply new
  for (const auto& f : r.failures) {
    CHECK_FALSE(f.owner);
    CHECK_FALSE(f.confidence);
    CHECK(f.evidence.empty());
  }
  CHECK(r.base.empty());
}

TEST_CASE("results already in memory classify like reports on disk") {
  qa::test_result before;
  before.classname = "CalcTest";
  before.name = "AddsLargeNumbers";
  before.result = qa::outcome::failed;
  workflows::triage_request req;
  req.junit = {shared_scenario().current};
  req.previous_results = {before};
  auto r = workflows::triage(req);
  CHECK(r.summary.pre_existing == 1);
  CHECK(failure(r, "AddsLargeNumbers").cls == qa::failure_class::pre_existing);
  req.current_results = {before};
  req.junit.clear();
  r = workflows::triage(req);
  CHECK(r.summary.tests == 1);
  CHECK(r.summary.pre_existing == 1);
}

TEST_CASE("bad input is a triage_error with one clear line") {
  const auto& s = shared_scenario();
  auto req = request_for(s);
  req.range = "v9.9..HEAD";
  CHECK_THROWS_WITH_AS(workflows::triage(req), doctest::Contains("unknown ref 'v9.9'"), workflows::triage_error);
  req.range = "v1.0...HEAD";
  CHECK_THROWS_WITH_AS(workflows::triage(req), doctest::Contains("is not of the form BASE..HEAD"), workflows::triage_error);
  req = request_for(s);
  req.junit.push_back(s.repo.path() + "/missing.xml");
  CHECK_THROWS_WITH_AS(workflows::triage(req), doctest::Contains("missing.xml: no such file"), workflows::triage_error);
  req = request_for(s);
  req.repo = s.repo.path() + "/nope";
  CHECK_THROWS_WITH_AS(workflows::triage(req), doctest::Contains("does not exist"), workflows::triage_error);
  req = request_for(s);
  req.junit.clear();
  CHECK_THROWS_AS(workflows::triage(req), workflows::triage_error);
  req = request_for(s);
  req.codeowners = "/nonexistent/CODEOWNERS";
  CHECK_THROWS_WITH_AS(workflows::triage(req), doctest::Contains("cannot read the CODEOWNERS file"), workflows::triage_error);
  // Even a report without failures has its refs checked.
  req = request_for(s);
  req.junit = {s.rerun};
  req.range = "v9.9..HEAD";
  CHECK_THROWS_WITH_AS(workflows::triage(req), doctest::Contains("unknown ref 'v9.9'"), workflows::triage_error);
  // A repository without tags needs an explicit range.
  repo_builder bare;
  bare.write("a.txt", "a\n");
  bare.commit(kAlice, "only commit", 1);
  req = request_for(s);
  req.repo = bare.path();
  req.range.clear();
  CHECK_THROWS_WITH_AS(workflows::triage(req), doctest::Contains("no tag is reachable from HEAD"), workflows::triage_error);
}

TEST_CASE("with strict_reports, a report cut short is an error instead of a warning") {
  repo_builder repo;
  repo.write("qa.xml", R"(<testsuite name="S"><testcase name="a" classname="S"/><testcase name="b" classname="S">)"
                       R"(<failure message="boom"/></testcase><testcase name="c" cl)");
  workflows::triage_request req;
  req.junit = {repo.path() + "/qa.xml"};
  auto lenient = workflows::triage(req);
  CHECK(lenient.summary.failed == 1);
  REQUIRE(lenient.warnings.size() == 1);
  CHECK(lenient.warnings[0].find("kept the 2 test cases") != std::string::npos);
  req.strict_reports = true;
  CHECK_THROWS_WITH_AS(workflows::triage(req), doctest::Contains("qa.xml: XML error at byte"), workflows::triage_error);
  CHECK_THROWS_WITH_AS(workflows::triage(req), doctest::Contains("cut short or broken"), workflows::triage_error);
}

TEST_CASE("the JSON report follows the documented schema") {
  const auto& s = shared_scenario();
  auto json = workflows::to_json(shared_report());
  CHECK(json.starts_with(R"({"summary":{"tests":13,"passed":2,"failed":8,"flaky":2,"skipped":1,"new":7,"pre_existing":1},"failures":[)"));
  auto expected_first = fmt::format(
      R"j({{"name":"AddsLargeNumbers","classname":"CalcTest","class":"new","message":"Value of: calc()",)j"
      R"("owner":{{"name":"Carol Chen","email":"carol@example.com"}},"confidence":"high","evidence":[)"
      R"({{"commit":"{0}","short":"{1}","subject":"Make calc faster","author":"Carol Chen","email":"carol@example.com",)"
      R"("date":"2026-02-10T00:00:00Z","file":"src/calc.cpp","line":12,"code":"int calc_value = broken;","signal":"exact_line"}},)"
      R"({{"commit":"{0}","short":"{1}","subject":"Make calc faster","author":"Carol Chen","email":"carol@example.com",)"
      R"("date":"2026-02-10T00:00:00Z","file":"src/calc.cpp","line":null,"code":null,"signal":"touched_frame_file"}},)"
      R"({{"commit":"{0}","short":"{1}","subject":"Make calc faster","author":"Carol Chen","email":"carol@example.com",)"
      R"("date":"2026-02-10T00:00:00Z","file":"src/calc.cpp","line":null,"code":null,"signal":"touched_test_file"}}],"candidates":[]}})",
      s.carol_calc, s.carol_calc.substr(0, 7));
  CHECK(json.find(expected_first) != std::string::npos);
  CHECK(json.find(R"("owner":{"name":"@net-owners","email":null},"confidence":"low","evidence":[{"commit":null,"short":null,)"
                  R"("subject":null,"author":null,"email":null,"date":null,"file":".github/CODEOWNERS","line":2,)"
                  R"("code":"/src/net/     @net-owners","signal":"codeowners"}])") != std::string::npos);

  workflows::triage_request classify_only;
  classify_only.junit = {s.rerun};
  CHECK(workflows::to_json(workflows::triage(classify_only)) ==
        R"({"summary":{"tests":1,"passed":1,"failed":0,"flaky":0,"skipped":0,"new":0,"pre_existing":0},"failures":[]})");
}

TEST_CASE("the table shows each failure with its owner and evidence") {
  auto table = workflows::to_table(shared_report());
  CHECK(table.starts_with("QA: 13 tests — 2 passed, 8 failed (7 new, 1 pre-existing), 2 flaky, 1 skipped\n"));
  CHECK(table.find("NEW          CalcTest.AddsLargeNumbers\n") != std::string::npos);
  CHECK(table.find("owner: Carol Chen <carol@example.com> (high confidence)") != std::string::npos);
  CHECK(table.find("src/calc.cpp:12  | int calc_value = broken;") != std::string::npos);
  CHECK(table.find("FLAKY        com.acme.BillingTest.testRefund") != std::string::npos);
}

namespace {

// Bob changes parse_header and a line of the HTTP test; Carol, a day later, the body code and another
// line of the same test: for a failure of that test the two are equal but for the newer commit.
struct http_repo {
  repo_builder repo;
  std::string strict, chunked;
  http_repo() {
    repo.write("src/http/header.cpp",
               "bool parse_header(std::string_view line) {\n" + numbered_lines("header line", 10));
    repo.write("src/http/body.cpp", numbered_lines("body line", 10));
    repo.write("tests/http_test.cpp", numbered_lines("http test line", 10));
    repo.commit(kAlice, "Initial import", 0);
    repo.git({"tag", "v1.0"});
    repo.set_line("src/http/header.cpp", 1, "bool parse_header(std::string_view line, bool strict) {");
    repo.set_line("tests/http_test.cpp", 3, "http test line 3 // strict headers");
    strict = repo.commit(kBob, "Headers need a colon", 1);
    repo.set_line("src/http/body.cpp", 4, "body line 4 // chunked");
    repo.set_line("tests/http_test.cpp", 7, "http test line 7 // chunked bodies");
    chunked = repo.commit(kCarol, "Chunked bodies", 2);
  }
  workflows::triage_report triage(const std::string& testcase,
                                  std::size_t max_patch_bytes = std::size_t{64} << 20) {
    repo.write("qa.xml", R"(<testsuite name="HttpTest">)" + testcase + "</testsuite>");
    workflows::triage_request req;
    req.junit = {repo.path() + "/qa.xml"};
    req.repo = repo.path();
    req.max_patch_bytes = max_patch_bytes;
    return workflows::triage(req);
  }
};

const std::string kNamesParseHeader =
    R"(<testcase name="ParsesHost" classname="HttpTest" file="tests/http_test.cpp">)"
    R"(<failure message="Value of: parse_header(&quot;Host: x&quot;)&#x0A;  Actual: false&#x0A;Expected: true"/></testcase>)";

}  // namespace

TEST_CASE("a function the failure names, changed in the range, decides between otherwise equal commits") {
  http_repo h;
  auto r = h.triage(kNamesParseHeader);
  CHECK(r.warnings.empty());
  const auto& f = failure(r, "ParsesHost");
  REQUIRE(f.owner);
  CHECK(f.owner->name == "Bob Baker");
  CHECK(f.confidence == ownership::confidence::medium);
  REQUIRE(f.evidence.size() == 2);
  check_commit_evidence(f.evidence[0], h.strict, "touched_test_file", "tests/http_test.cpp", 0, "");
  check_commit_evidence(f.evidence[1], h.strict, "identifier_in_diff", "src/http/header.cpp", 0,
                        "-bool parse_header(std::string_view line) {");
  REQUIRE(f.candidates.size() == 1);
  CHECK(f.candidates[0].name == "Carol Chen");
  CHECK(
      workflows::to_json(r).find(
          R"("line":null,"code":"-bool parse_header(std::string_view line) {","signal":"identifier_in_diff"})") !=
      std::string::npos);
  CHECK(workflows::to_table(r).find("identifier_in_diff") != std::string::npos);
}

TEST_CASE("without an identifier in any diff the ranking is as before: the newer of two equal commits") {
  http_repo h;
  auto r =
      h.triage(R"(<testcase name="ParsesHost" classname="HttpTest" file="tests/http_test.cpp">)"
               R"(<failure message="Value of: ok&#x0A;  Actual: false&#x0A;Expected: true"/></testcase>)");
  const auto& f = failure(r, "ParsesHost");
  REQUIRE(f.owner);
  CHECK(f.owner->name == "Carol Chen");
  for (const auto& e : f.evidence) CHECK(e.signal != "identifier_in_diff");
}

TEST_CASE("a failure with no frame and no test file is owned through the identifier it names") {
  http_repo h;
  auto r = h.triage(R"(<testcase name="Decodes" classname="Codec">)"
                    R"(<failure message="parse_header returned garbage for &quot;X-Id&quot;"/></testcase>)");
  const auto& f = failure(r, "Decodes");
  REQUIRE(f.owner);
  CHECK(f.owner->name == "Bob Baker");
  CHECK(f.confidence == ownership::confidence::medium);
  REQUIRE(f.evidence.size() == 1);
  CHECK(f.evidence[0].signal == "identifier_in_diff");
  CHECK(f.evidence[0].commit == h.strict);
}

TEST_CASE("a range whose diffs pass the size cap leaves the identifier signal out, with a warning") {
  http_repo h;
  auto r = h.triage(kNamesParseHeader, 16);
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].find("identifier_in_diff is left out") != std::string::npos);
  CHECK(failure(r, "ParsesHost").owner->name == "Carol Chen");
  // A failure only the signal could own has the range read beside the blames: the same cap holds.
  auto early = h.triage(R"(<testcase name="Decodes" classname="Codec">)"
                        R"(<failure message="parse_header returned garbage"/></testcase>)",
                        16);
  REQUIRE(early.warnings.size() == 1);
  CHECK(early.warnings[0].find("identifier_in_diff is left out") != std::string::npos);
  CHECK_FALSE(failure(early, "Decodes").owner);
}

TEST_CASE("a failure whose best commit leads by more than the signal is worth diffs no commit") {
  http_repo h;
  auto r = h.triage(
      R"(<testcase name="ParsesHost" classname="HttpTest" file="tests/http_test.cpp">)"
      R"(<failure message="src/http/header.cpp:1: parse_header rejected &quot;Host: x&quot;"/></testcase>)");
  CHECK(r.warnings.empty());
  const auto& f = failure(r, "ParsesHost");
  REQUIRE(f.owner);
  CHECK(f.owner->name == "Bob Baker");
  CHECK(f.confidence == ownership::confidence::high);
  REQUIRE(f.evidence.size() == 3);  // exact line, its file, the test file: no diff was read
  for (const auto& e : f.evidence) CHECK(e.signal != "identifier_in_diff");
}
