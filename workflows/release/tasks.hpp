#pragma once
// The release workflow's in-process tasks (see store::job_spec::task). They block on git and on files,
// so the job runner calls them on a worker thread; their input and output are the text the workflow
// put in the job spec and reads back from the job result.
//   prepare: {repo, tag_pattern, version} → {version, base, base_sha, head_sha, commits}
//   triage:  {repo, base, head, junit (paths, globs or directories, one per line), previous (test ids)}
//            → {"report": <the triage JSON schema>, "warnings": [...]}
// Errors are exceptions with one readable line (the job runner turns them into a failed result).
#include <string>
#include <vector>

#include "store/jobs.hpp"

namespace tugboat::workflows::release {

store::job_result prepare_task(const store::job_row& job);
store::job_result triage_task(const store::job_row& job);

// "v1.4.2" → "1.4.3", "release-2.0" → "2.1" (the last number goes up); throws for a tag with no number.
std::string next_version(const std::string& tag);
// Paths, globs (relative ones against `base_dir`) and directories (every *.xml below them) to report
// files; throws std::runtime_error naming the first pattern that matches nothing.
std::vector<std::string> expand_reports(const std::vector<std::string>& patterns, const std::string& base_dir);

}  // namespace tugboat::workflows::release
