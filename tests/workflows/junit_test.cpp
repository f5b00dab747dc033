#include "workflows/qa/junit.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

using namespace tugboat;

namespace {

std::string fixture(const std::string& name) { return std::string(TUGBOAT_FIXTURES) + "/junit/" + name; }

const qa::test_result& find(const qa::junit_report& r, std::string_view name) {
  auto it = std::find_if(r.tests.begin(), r.tests.end(), [&](const auto& t) { return t.name == name; });
  REQUIRE(it != r.tests.end());
  return *it;
}

std::size_t count(const qa::junit_report& r, qa::outcome o) {
  return static_cast<std::size_t>(std::count_if(r.tests.begin(), r.tests.end(), [&](const auto& t) { return t.result == o; }));
}

}  // namespace

TEST_CASE("a real gtest report yields failures, skips and disabled tests with file and line") {
  auto r = qa::load_junit(fixture("gtest_calc.xml"));
  REQUIRE(r.tests.size() == 5);
  CHECK(r.warnings.empty());
  CHECK(count(r, qa::outcome::passed) == 1);
  CHECK(count(r, qa::outcome::failed) == 2);
  CHECK(count(r, qa::outcome::skipped) == 2);  // GTEST_SKIP and DISABLED_ (status="notrun")
  const auto& large = find(r, "AddsLargeNumbers");
  CHECK(large.classname == "CalcTest");
  CHECK(large.file == "calc_test.cpp");
  CHECK(large.line == 5);
  // gtest starts with a bare location line; the message is the first line that says what failed.
  CHECK(large.message == "Expected equality of these values:");
  CHECK(large.text.starts_with("calc_test.cpp:5\nExpected equality"));
  CHECK(large.text.ends_with("overflow & <carry>"));
  CHECK(find(r, "ThrowsOnGarbage").message ==
        "C++ exception with description \"unexpected token\" thrown in the test body.");
  CHECK(find(r, "DISABLED_Slow").result == qa::outcome::skipped);
}

TEST_CASE("a real ctest report keeps the output of a failed test, where ctest puts everything") {
  auto r = qa::load_junit(fixture("ctest_store.xml"));
  REQUIRE(r.tests.size() == 4);
  const auto& migrate = find(r, "storage.migrate");
  CHECK(migrate.result == qa::outcome::failed);
  CHECK(migrate.output.find("src/store/migrate.cpp:88: error") != std::string::npos);
  CHECK(migrate.message == "src/store/migrate.cpp:88: error: version 3 expected, got 2");
  CHECK(find(r, "net.disabled").result == qa::outcome::skipped);
  CHECK(find(r, "net.skipped").result == qa::outcome::skipped);
  CHECK(find(r, "storage.roundtrip").result == qa::outcome::passed);
  CHECK(find(r, "storage.roundtrip").output.empty());  // only failures carry their output
}

TEST_CASE("Surefire reruns: rerunFailure stays failed, flakyFailure is flaky, header counts are ignored") {
  auto r = qa::load_junit(fixture("surefire_billing.xml"));
  REQUIRE(r.tests.size() == 4);  // the header claims 99
  const auto& charge = find(r, "testCharge");
  CHECK(charge.result == qa::outcome::failed);
  CHECK(charge.classname == "com.acme.BillingTest");
  CHECK(charge.message == "expected: <10> but was: <11>");
  CHECK(charge.text.find("at com.acme.Billing.charge(Billing.java:7)") != std::string::npos);
  const auto& refund = find(r, "testRefund");
  CHECK(refund.result == qa::outcome::flaky);
  CHECK(refund.message == "Read timed out");
  CHECK(refund.text.find("Gateway.java:31") != std::string::npos);
  CHECK(find(r, "testCrash").result == qa::outcome::failed);
  CHECK(find(r, "testInvoice").result == qa::outcome::passed);
}

TEST_CASE("pytest, Catch2, jest and go-junit-report dialects parse with their locations in the text") {
  auto py = qa::load_junit(fixture("pytest_calc.xml"));
  REQUIRE(py.tests.size() == 4);
  CHECK(find(py, "test_divide").result == qa::outcome::failed);
  CHECK(find(py, "test_divide").message == "assert 2.5 == 2");
  CHECK(find(py, "test_divide").text.find("src/calc.py:14: AssertionError") != std::string::npos);
  CHECK(find(py, "test_fixture").result == qa::outcome::failed);  // <error>
  CHECK(find(py, "test_gpu").result == qa::outcome::skipped);

  auto catch2 = qa::load_junit(fixture("catch2_parser.xml"));
  REQUIRE(catch2.tests.size() == 3);
  CHECK(find(catch2, "Parser/rejects empty input").message == "parse(\"\").ok()");
  CHECK(find(catch2, "Parser/rejects empty input").text.find("parser_test.cpp:20") != std::string::npos);
  CHECK(find(catch2, "Parser/[.slow] fuzz").result == qa::outcome::skipped);

  auto jest = qa::load_junit(fixture("jest_calc.xml"));
  REQUIRE(jest.tests.size() == 2);
  CHECK(find(jest, "calc subtracts").message == "Error: expect(received).toBe(expected) // Object.is equality");

  auto go = qa::load_junit(fixture("go_calc.xml"));
  REQUIRE(go.tests.size() == 2);
  CHECK(find(go, "TestSub").message == "Failed");
  CHECK(find(go, "TestSub").text == "Failed\n    calc_test.go:12: Sub(3, 1) = 4, want 2");
}

TEST_CASE("a real node --test JUnit report: test cases straight under <testsuites>") {
  auto r = qa::load_junit(fixture("node_test_calc.xml"));
  REQUIRE(r.tests.size() == 3);
  const auto& sub = find(r, "calc subtracts");
  CHECK(sub.result == qa::outcome::failed);
  CHECK(sub.classname == "test");
  CHECK(sub.message == "Expected values to be strictly equal:4 !== 2");
  CHECK(sub.text.find("(file:///tmp/nodefx/calc.test.mjs:5:39)") != std::string::npos);
  CHECK(find(r, "calc skips").result == qa::outcome::skipped);
  CHECK(find(r, "calc adds").result == qa::outcome::passed);
}

TEST_CASE("nested suites, entities and split CDATA are read whole; DTD entities are never expanded") {
  auto r = qa::load_junit(fixture("nested_entities.xml"));
  REQUIRE(r.tests.size() == 3);
  const auto& t = find(r, "entities & <angles> \xE2\x98\xBA");
  CHECK(t.classname == "inner.Case");
  CHECK(t.message == "first \"quoted\" line");
  CHECK(t.text.find("part one part two and text") != std::string::npos);
  CHECK(t.text.find("root:") == std::string::npos);  // /etc/passwd stayed out
  // A testcase without classname takes its suite's name.
  CHECK(find(r, "passes").classname == "inner");
  CHECK(find(r, "direct").classname == "outer.Case");
}

TEST_CASE("invalid UTF-8 is cleaned before it goes anywhere") {
  auto r = qa::load_junit(fixture("invalid_utf8.xml"));
  REQUIRE(r.tests.size() == 1);
  CHECK(r.tests[0].name == "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes");
  CHECK(r.tests[0].message == "caf\xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_CASE("a truncated report keeps what parsed and says so") {
  auto r = qa::load_junit(fixture("truncated.xml"));
  REQUIRE(r.tests.size() == 2);
  CHECK(find(r, "two").result == qa::outcome::failed);
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].find("truncated.xml: XML error at byte") != std::string::npos);
  CHECK(r.warnings[0].find("kept the 2 test cases") != std::string::npos);
  CHECK(r.xml_error.find("truncated.xml: XML error at byte") != std::string::npos);
  CHECK(qa::load_junit(fixture("gtest_calc.xml")).xml_error.empty());
}

TEST_CASE("missing, oversized, empty and non-JUnit files are clear errors naming the file") {
  CHECK_THROWS_WITH_AS(qa::load_junit(fixture("nope.xml")), doctest::Contains("nope.xml: no such file"), qa::qa_error);
  CHECK_THROWS_WITH_AS(qa::load_junit(fixture("gtest_calc.xml"), 100),
                       doctest::Contains("over the 100 byte limit"), qa::qa_error);
  CHECK_THROWS_WITH_AS(qa::load_junit(fixture("not_junit.xml")), doctest::Contains("the root element is <html>"),
                       qa::qa_error);
  CHECK_THROWS_WITH_AS(qa::parse_junit("", "empty.xml"), doctest::Contains("empty.xml: not a JUnit XML report"),
                       qa::qa_error);
  CHECK_THROWS_AS(qa::parse_junit("just text", "text.xml"), qa::qa_error);
  CHECK_THROWS_WITH_AS(qa::load_junit(TUGBOAT_FIXTURES), doctest::Contains("not a regular file"), qa::qa_error);
}

TEST_CASE("a testsuite root and a single failing case parse from memory") {
  auto r = qa::parse_junit(R"(<testsuite name="s"><testcase classname="c" name="n">
    <error message="">  first real line
second</error></testcase></testsuite>)",
                           "mem");
  REQUIRE(r.tests.size() == 1);
  CHECK(r.tests[0].result == qa::outcome::failed);
  CHECK(r.tests[0].message == "first real line");
  CHECK(r.tests[0].report == "mem");
}
