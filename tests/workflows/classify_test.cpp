#include "workflows/qa/classify.hpp"

#include <doctest/doctest.h>

using namespace tugboat;
using qa::outcome;

namespace {

qa::test_result result(std::string cls, std::string name, outcome o) {
  qa::test_result t;
  t.classname = std::move(cls);
  t.name = std::move(name);
  t.result = o;
  t.message = o == outcome::passed ? "" : "boom";
  return t;
}

}  // namespace

TEST_CASE("failures are new unless the same test failed in the previous reports") {
  std::vector<qa::test_result> current = {result("A", "one", outcome::failed), result("A", "two", outcome::failed),
                                          result("A", "three", outcome::passed)};
  std::vector<qa::test_result> previous = {result("A", "two", outcome::failed), result("A", "one", outcome::passed),
                                           result("B", "one", outcome::failed)};
  auto c = qa::classify(current, previous);
  REQUIRE(c.failures.size() == 2);
  CHECK(c.failures[0].detail.name == "one");
  CHECK(c.failures[0].cls == qa::failure_class::new_failure);
  CHECK(c.failures[1].detail.name == "two");
  CHECK(c.failures[1].cls == qa::failure_class::pre_existing);
  CHECK(c.summary.tests == 3);
  CHECK(c.summary.passed == 1);
  CHECK(c.summary.failed == 2);
  CHECK(c.summary.new_failures == 1);
  CHECK(c.summary.pre_existing == 1);
}

TEST_CASE("a test is identified by classname and name together") {
  auto c = qa::classify({result("A", "one", outcome::failed)}, {result("B", "one", outcome::failed)});
  REQUIRE(c.failures.size() == 1);
  CHECK(c.failures[0].cls == qa::failure_class::new_failure);
}

TEST_CASE("a flaky result, or a pass and a failure of the same test, is flaky") {
  std::vector<qa::test_result> current = {result("A", "rerun", outcome::flaky), result("A", "mixed", outcome::failed),
                                          result("A", "mixed", outcome::passed), result("A", "twice", outcome::failed),
                                          result("A", "twice", outcome::failed)};
  // Flaky wins over "failed before": a pass in this run means it is not simply still broken.
  auto c = qa::classify(current, {result("A", "mixed", outcome::failed)});
  REQUIRE(c.failures.size() == 3);
  CHECK(c.failures[0].cls == qa::failure_class::flaky);
  CHECK(c.failures[1].cls == qa::failure_class::flaky);
  CHECK(c.failures[1].detail.result == outcome::failed);  // the failing attempt is the one described
  CHECK(c.failures[2].cls == qa::failure_class::new_failure);
  CHECK(c.summary.tests == 3);
  CHECK(c.summary.flaky == 2);
  CHECK(c.summary.failed == 1);
}

TEST_CASE("skipped tests count as skipped, and a skip plus a pass counts as passed") {
  auto c = qa::classify({result("A", "off", outcome::skipped), result("A", "rerun", outcome::skipped),
                         result("A", "rerun", outcome::passed)},
                        {});
  CHECK(c.failures.empty());
  CHECK(c.summary.tests == 2);
  CHECK(c.summary.skipped == 1);
  CHECK(c.summary.passed == 1);
}

TEST_CASE("a test that was flaky last time and fails now is pre-existing") {
  auto c = qa::classify({result("A", "one", outcome::failed)}, {result("A", "one", outcome::flaky)});
  REQUIRE(c.failures.size() == 1);
  CHECK(c.failures[0].cls == qa::failure_class::pre_existing);
  CHECK(qa::to_string(c.failures[0].cls) == "pre_existing");
}
