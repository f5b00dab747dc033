#pragma once
// Regression classification: which failures are new, which were already failing, which are flaky.
// A test is identified by classname + name across every report of a set. Pure function, any thread.
#include <string>
#include <vector>

#include "workflows/qa/junit.hpp"

namespace tugboat::qa {

enum class failure_class { new_failure, pre_existing, flaky };
std::string_view to_string(failure_class c);  // "new", "pre_existing", "flaky"

struct classified_failure {
  failure_class cls = failure_class::new_failure;
  test_result detail;  // the first failing (or flaky) result seen for the test
};

struct qa_summary {
  int tests = 0;  // distinct tests (classname + name) over the current reports
  int passed = 0;
  int failed = 0;  // new + pre_existing
  int flaky = 0;
  int skipped = 0;
  int new_failures = 0;
  int pre_existing = 0;
};

struct classification {
  qa_summary summary;
  std::vector<classified_failure> failures;  // every failed and flaky test, in report order
};

// Rules: a test with a flaky result, or that both passed and failed in `current`, is flaky. A failed test
// is pre_existing when it failed (any failing or flaky attempt) in `previous`, else new. A test whose
// every result is skipped is skipped; otherwise it passed.
classification classify(const std::vector<test_result>& current, const std::vector<test_result>& previous);

}  // namespace tugboat::qa
