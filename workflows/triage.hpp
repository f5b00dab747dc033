#pragma once
// QA triage and blame-based ownership: the engine behind `tugboat triage` and the release workflow.
// Pure data in (report paths, a repository, a range), plain structs out; no Slack, no event loop.
// `triage` blocks for as long as git needs (blames run in parallel, up to the number of cores): call it
// from a worker thread. It throws `triage_error` — one readable line — for a missing or unreadable
// report, an unreadable repository or an unknown ref; problems with single files become warnings.
// The JSON encoding is the public schema documented in docs/triage.md.
#include <chrono>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "workflows/ownership/rank.hpp"
#include "workflows/qa/classify.hpp"
#include "workflows/qa/junit.hpp"

namespace tugboat::workflows {

class triage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct triage_request {
  std::vector<std::string> junit;     // current QA reports (paths, globs already expanded)
  std::vector<std::string> previous;  // the last release's reports, for new vs pre_existing
  // Results already in memory (e.g. the last release's, from the store), used beside the files above.
  std::vector<qa::test_result> current_results;
  std::vector<qa::test_result> previous_results;
  std::string repo;                   // empty: classify only
  std::string range;                  // "BASE..HEAD"; empty: newest tag reachable from HEAD..HEAD
  std::string codeowners;             // a CODEOWNERS file; empty: .github/, root, docs/ of HEAD
  std::chrono::milliseconds git_timeout{std::chrono::seconds{120}};  // per git process
  unsigned parallelism = 0;           // concurrent blames; 0 = number of cores
  std::size_t max_report_bytes = qa::kDefaultMaxReportBytes;
  long long recent_days = 90;         // "recent" for the most-frequent-author fallback
  // The range's patches, read for the identifier_in_diff signal, are held up to this size; past it the
  // signal is left out (with a warning) rather than holding a huge range in memory.
  std::size_t max_patch_bytes = std::size_t{64} << 20;
  // A current report that is not well-formed XML (a QA run cut short) is a triage_error instead of a
  // warning over the test cases before the error: a release must not pass QA on half a report.
  bool strict_reports = false;
};

struct owner_info {
  std::string name;
  std::string email;  // empty when unknown (a CODEOWNERS @handle)
};

struct evidence_item {
  std::string commit;   // full SHA; empty for CODEOWNERS evidence
  std::string short_sha;
  std::string subject;
  std::string author;
  std::string email;
  std::string date;     // ISO 8601, UTC, author date
  std::string file;
  int line = 0;         // 0 when the signal is not about a line
  std::string code;     // the blamed line's text, the CODEOWNERS rule, or an identifier's +/- diff line
  std::string signal;   // exact_line, nearby_line, touched_frame_file, touched_test_file, identifier_in_diff,
                        // codeowners, frequent_author, full_history_blame
};

struct failure_report {
  std::string name;
  std::string classname;
  qa::failure_class cls = qa::failure_class::new_failure;
  std::string message;  // first line
  std::optional<owner_info> owner;
  std::optional<ownership::confidence> confidence;
  std::vector<evidence_item> evidence;  // strongest first
  // Who else the ranking points at (authors of the next commits, strongest first, not the owner): whom to
  // ask when the owner says it is not theirs.
  std::vector<owner_info> candidates;
  std::string test_file;                // repository path of the test, when known
};

struct triage_report {
  qa::qa_summary summary;
  std::vector<failure_report> failures;
  std::vector<std::string> warnings;
  std::string base, head;              // full SHAs of the range (empty without a repository)
  std::string base_label, head_label;  // as the user (or the default) named them
  std::vector<std::string> blamed_files;  // one git blame each; files no commit in the range touched are skipped
};

inline constexpr std::size_t kMaxEvidence = 5;
inline constexpr std::size_t kMaxCandidates = 3;

triage_report triage(const triage_request& request);

// The documented JSON schema (docs/triage.md), one object, no trailing newline.
std::string to_json(const triage_report& report);
// A readable summary for a terminal.
std::string to_table(const triage_report& report);

}  // namespace tugboat::workflows
