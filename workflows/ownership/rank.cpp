#include "workflows/ownership/rank.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <set>

namespace tugboat::ownership {
namespace {

double weight(int depth) { return 1.0 / (1.0 + depth); }

}  // namespace

std::string_view to_string(confidence c) {
  switch (c) {
    case confidence::high: return "high";
    case confidence::medium: return "medium";
    case confidence::low: return "low";
  }
  return "low";
}

std::map<std::string, std::vector<const commit_info*>> index_by_path(const std::map<std::string, commit_info>& candidates) {
  std::map<std::string, std::vector<const commit_info*>> out;
  for (const auto& [sha, c] : candidates) {
    for (const auto& f : c.files) {
      auto& list = out[f];
      if (list.empty() || list.back() != &c) list.push_back(&c);
    }
  }
  return out;
}

namespace {

// The ranking order: score, then the stronger single signal, the nearer line, fewer files, newer.
bool better(const ranked_commit& a, const ranked_commit& b) {
  constexpr double kEpsilon = 1e-9;
  if (std::fabs(a.score - b.score) > kEpsilon) return a.score > b.score;
  if (std::fabs(a.strongest - b.strongest) > kEpsilon) return a.strongest > b.strongest;
  int na = a.nearest < 0 ? INT32_MAX : a.nearest;
  int nb = b.nearest < 0 ? INT32_MAX : b.nearest;
  if (na != nb) return na < nb;
  if (a.commit->files.size() != b.commit->files.size()) return a.commit->files.size() < b.commit->files.size();
  if (a.commit->time != b.commit->time) return a.commit->time > b.commit->time;
  return a.commit->sha < b.commit->sha;
}

}  // namespace

void corroborate(std::vector<std::vector<ranked_commit>>& per_failure) {
  std::map<std::string, double> totals;
  for (const auto& list : per_failure) {
    for (const auto& r : list) totals[r.commit->sha] += r.score - r.local;
  }
  for (auto& list : per_failure) {
    for (auto& r : list) r.score += kCorroboration * (totals[r.commit->sha] - (r.score - r.local));
    std::sort(list.begin(), list.end(), better);
  }
}

std::vector<ranked_commit> rank_commits(const rank_input& in) {
  std::map<std::string, std::vector<const commit_info*>> local_index;
  const auto* touched_by = in.touched_by;
  if (touched_by == nullptr && in.candidates != nullptr) {
    local_index = index_by_path(*in.candidates);
    touched_by = &local_index;
  }
  auto touching = [&](const std::string& path) -> const std::vector<const commit_info*>& {
    static const std::vector<const commit_info*> kNone;
    if (touched_by == nullptr) return kNone;
    auto it = touched_by->find(path);
    return it == touched_by->end() ? kNone : it->second;
  };
  std::map<std::string, ranked_commit> scores;
  auto credit = [&](const commit_info& c, signal_hit hit) {
    auto& r = scores[c.sha];
    r.commit = &c;
    r.score += hit.points;
    r.strongest = std::max(r.strongest, hit.points);
    r.hits.push_back(std::move(hit));
  };
  auto note_distance = [&](const std::string& sha, int distance) {
    auto& r = scores[sha];
    if (r.nearest < 0 || distance < r.nearest) r.nearest = distance;
  };

  std::set<std::pair<std::string, std::string>> file_credited;  // (sha, path)
  for (const auto& f : in.frames) {
    const double w = weight(f.depth);
    if (in.blames != nullptr && in.candidates != nullptr) {
      auto b = in.blames->find(f.path);
      if (b != in.blames->end()) {
        // Per commit, the line that best ties it to this frame: exact, else the nearest.
        std::map<std::string, const blamed_line*> best;
        for (const auto& line : b->second) {
          int distance = std::abs(line.line - f.line);
          if (line.boundary || distance > kNearbyLines || !in.candidates->contains(line.sha)) continue;
          auto& slot = best[line.sha];
          if (slot == nullptr || distance < std::abs(slot->line - f.line)) slot = &line;
        }
        for (const auto& [sha, line] : best) {
          const auto& commit = in.candidates->at(sha);
          int distance = std::abs(line->line - f.line);
          bool exact = distance == 0;
          credit(commit, {exact ? "exact_line" : "nearby_line", (exact ? 10.0 : 4.0) * w, f.path, line->line,
                          line->code, f.depth});
          note_distance(sha, distance);
        }
      }
    }
    for (const auto* commit : touching(f.path)) {
      if (!file_credited.emplace(commit->sha, f.path).second) continue;
      credit(*commit, {"touched_frame_file", 3.0 * w, f.path, 0, {}, f.depth});
    }
  }
  std::set<std::string> test_credited;
  for (const auto& test_file : in.test_files) {
    for (const auto* commit : touching(test_file)) {
      if (!test_credited.insert(commit->sha).second) continue;
      credit(*commit, {"touched_test_file", 3.0, test_file, 0, {}, 0});
    }
  }
  // Once per commit however many of the failure's identifiers its diff names; the evidence shows the
  // first of them in the failure's order (the message's own words come first).
  if (in.diffs != nullptr && in.candidates != nullptr && !in.identifiers.empty()) {
    for (const auto& [sha, found] : *in.diffs) {
      auto commit = in.candidates->find(sha);
      if (commit == in.candidates->end()) continue;
      for (const auto& id : in.identifiers) {
        auto at = found.find(id);
        if (at == found.end()) continue;
        credit(commit->second,
               {"identifier_in_diff", kIdentifierPoints, at->second.file, 0, at->second.text, 0});
        scores[sha].local += kIdentifierPoints;
        break;
      }
    }
  }

  std::vector<ranked_commit> out;
  for (auto& [sha, r] : scores) {
    std::stable_sort(r.hits.begin(), r.hits.end(),
                     [](const signal_hit& a, const signal_hit& b) { return a.points > b.points; });
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(), better);
  return out;
}

confidence confidence_of(const ranked_commit& c) {
  for (const auto& h : c.hits) {
    if (h.signal == "exact_line" && h.depth <= 2) return confidence::high;
  }
  return confidence::medium;
}

}  // namespace tugboat::ownership
