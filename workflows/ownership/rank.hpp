#pragma once
// Ranking the commits of a release range as the cause of one failure (docs/triage.md, "Ranking").
// For each frame at depth d (0 = innermost frame that maps to a repository file):
//   +10/(1+d) exact_line        the commit owns the frame's line (range-limited blame)
//   +4/(1+d)  nearby_line       otherwise, it owns a line within ±3 of it
//   +3/(1+d)  touched_frame_file it changed the frame's file (once per file, at the file's shallowest frame)
//   +3        touched_test_file it changed the test's file or the file the test is about (once)
//   +2        identifier_in_diff an identifier the failure names is on a line it added or removed (once)
// Ties: the stronger single signal, then the nearer line, then fewer files changed, then the newer
// commit, then the SHA (so results never depend on input order). Pure function, any thread.
#include <map>
#include <string>
#include <vector>

#include "workflows/ownership/diff_scan.hpp"
#include "workflows/ownership/git.hpp"

namespace tugboat::ownership {

inline constexpr int kNearbyLines = 3;
inline constexpr double kIdentifierPoints = 2.0;

struct frame_ref {
  std::string path;  // repository path
  int line = 0;
  int depth = 0;
};

struct signal_hit {
  std::string signal;  // exact_line, nearby_line, touched_frame_file, touched_test_file, identifier_in_diff
  double points = 0;
  std::string file;
  int line = 0;        // 0 when the signal is not about a line
  std::string code;    // the blamed line's text, when about a line; the +/- diff line for identifier_in_diff
  int depth = 0;       // depth of the frame behind the signal (0 for the test file)
};

struct ranked_commit {
  const commit_info* commit = nullptr;  // points into rank_input::candidates
  double score = 0;
  double strongest = 0;
  int nearest = -1;                      // line distance of the nearest owned line, -1 when none
  double local = 0;                      // the part of `score` that does not corroborate other failures
  std::vector<signal_hit> hits;          // strongest first
};

struct rank_input {
  std::vector<frame_ref> frames;                               // innermost first
  const std::map<std::string, std::vector<blamed_line>>* blames = nullptr;  // path → range-limited blame
  const std::map<std::string, commit_info>* candidates = nullptr;  // sha → commit in the range
  std::vector<std::string> test_files;                         // the test's file and its subject file
  // path → the candidates that changed it. Optional: built from `candidates` when null; pass one built
  // with `index_by_path` when ranking many failures against the same range.
  const std::map<std::string, std::vector<const commit_info*>>* touched_by = nullptr;
  // The identifiers the failure names, most telling first (extract_identifiers), and what the range's
  // diffs say about them (scan_patches). Either empty or null: no identifier_in_diff signal.
  std::vector<std::string> identifiers;
  const diff_identifier_index* diffs = nullptr;
};

std::map<std::string, std::vector<const commit_info*>> index_by_path(const std::map<std::string, commit_info>& candidates);

// Commits with a positive score, best first.
std::vector<ranked_commit> rank_commits(const rank_input& in);

// Scores add up across failing tests: each failure's list is re-ranked by its own score plus
// kCorroboration times what the same commits scored for the other failures. The weight keeps a
// failure's own evidence first (an exact frame line elsewhere cannot outrank one here), while a commit
// that broke several tests wins the ties and near-ties. `score` becomes that combined score.
// identifier_in_diff points (`local`) count for their own failure only: a name in a diff is weaker
// evidence, and a commit that already owns other failures' lines must not gain a failure's innermost
// frame from them.
inline constexpr double kCorroboration = 0.25;
void corroborate(std::vector<std::vector<ranked_commit>>& per_failure);

enum class confidence { high, medium, low };
std::string_view to_string(confidence c);
// high: the commit owns the exact line of a frame at depth <= 2; medium: any other commit signal.
confidence confidence_of(const ranked_commit& c);

}  // namespace tugboat::ownership
