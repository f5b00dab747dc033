#pragma once
// QA results from JUnit XML: the plain model every consumer sees, and the parser that fills it.
// The parser accepts the dialects real tools write — gtest, Catch2, ctest, pytest, Maven Surefire,
// jest-junit, go-junit-report — with `<testsuites>` or `<testsuite>` roots and nested suites. It counts
// testcases itself (header counts lie), cleans every string to valid UTF-8, keeps what parsed from a
// truncated file (with a warning) and refuses files over a size cap. Pure functions, any thread.
// `load_junit` throws `qa_error` (one readable line naming the file) for missing, oversized, empty or
// non-JUnit files.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tugboat::qa {

class qa_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class outcome {
  passed,
  failed,   // <failure>, <error>, Surefire <rerunFailure>/<rerunError>, ctest status="fail"
  flaky,    // Surefire <flakyFailure>/<flakyError>: failed, then passed on a rerun
  skipped,  // <skipped>, gtest status="notrun", ctest status="disabled"/"notrun"
};

struct test_result {
  std::string classname;
  std::string name;
  outcome result = outcome::passed;
  std::string message;     // first line of the failure (message attribute, else the text)
  std::string text;        // the failure's full text: message attribute and body (all text/CDATA)
  std::string output;      // system-out/system-err of a failed case (tail), where ctest puts everything
  std::string file;        // `file` attribute (gtest, Catch2), may be empty
  int line = 0;            // `line` attribute, 0 when absent
  std::string report;      // the report file it came from
};

struct junit_report {
  std::vector<test_result> tests;
  std::vector<std::string> warnings;  // e.g. a truncated file
  // Set when the document is not well-formed XML: "FILE: XML error at byte N (why)". What parsed before the
  // error is in `tests`, which a caller that must not pass on partial results (a release) refuses.
  std::string xml_error;
};

inline constexpr std::size_t kDefaultMaxReportBytes = 256u << 20;
inline constexpr std::size_t kMaxOutputBytes = 64u << 10;  // per failed case, the tail of its output

// Parses a document already in memory; `source` names it in warnings and errors.
junit_report parse_junit(std::string_view xml, std::string_view source);
// Reads and parses a file, refusing files larger than `max_bytes`.
junit_report load_junit(const std::string& path, std::size_t max_bytes = kDefaultMaxReportBytes);

std::string_view to_string(outcome o);

}  // namespace tugboat::qa
