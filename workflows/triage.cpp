#include "workflows/triage.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "core/text.hpp"
#include "workflows/ownership/codeowners.hpp"
#include "workflows/ownership/diff_scan.hpp"
#include "workflows/ownership/frames.hpp"
#include "workflows/ownership/git.hpp"
#include "workflows/ownership/identifiers.hpp"
#include "workflows/ownership/test_files.hpp"

namespace tugboat::workflows {
namespace {

using namespace tugboat::ownership;

// Runs fn(0..n-1) on up to `threads` threads (this one included). fn must not throw.
template <typename Fn>
void parallel_for(std::size_t n, unsigned threads, Fn fn) {
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < n; i = next++) fn(i);
  };
  // jthreads: should starting one fail, those already running are joined, not terminated.
  std::vector<std::jthread> pool;
  for (unsigned t = 1; t < threads && t < n; ++t) pool.emplace_back(worker);
  worker();
}

bool is_bot(const commit_info& c) {
  return c.author.ends_with("[bot]") || c.email.find("[bot]@") != std::string::npos;
}

// Full SHAs listed in a .git-blame-ignore-revs file (comments and blank lines skipped).
std::set<std::string> read_ignore_revs(const std::string& path) {
  std::set<std::string> revs;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto t = text::trim(line);
    if (t.size() >= 40 && std::all_of(t.begin(), t.begin() + 40, [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
      revs.insert(text::to_lower(t.substr(0, 40)));
    }
  }
  return revs;
}

std::vector<line_range> merge_ranges(std::vector<line_range> ranges) {
  std::sort(ranges.begin(), ranges.end(), [](auto a, auto b) { return a.first < b.first; });
  std::vector<line_range> merged;
  for (auto r : ranges) {
    if (!merged.empty() && r.first <= merged.back().last + 1) {
      merged.back().last = std::max(merged.back().last, r.last);
    } else {
      merged.push_back(r);
    }
  }
  return merged;
}

evidence_item commit_evidence(const commit_info& c, std::string signal, std::string file, int line = 0,
                              std::string code = {}) {
  evidence_item e;
  e.commit = c.sha;
  e.short_sha = c.sha.substr(0, 7);
  e.subject = c.subject;
  e.author = c.author;
  e.email = c.email;
  e.date = iso_date(c.time);
  e.file = std::move(file);
  e.line = line;
  e.code = std::move(code);
  e.signal = std::move(signal);
  return e;
}

// More commits than this to diff for identifier_in_diff: one log over the whole range instead of a list.
constexpr std::size_t kMaxListedCommits = 2000;

// Deeper frames weigh 1/(1+d): past ten the weight is too small to be worth blaming their files.
constexpr std::size_t kMaxRankedFrames = 10;

// What we learn about one failure before asking git anything.
struct failure_facts {
  std::vector<frame_ref> frames;
  std::optional<std::string> test_file;
  std::optional<std::string> subject;
  std::vector<std::string> identifiers;  // for identifier_in_diff
  bool diffed = false;                   // identifier_in_diff was looked for (scan_identifier_diffs)
};

// The failure text's identifiers; the test's output only when the text names none (ctest puts
// everything there), since a log is mostly noise.
std::vector<std::string> failure_identifiers(const qa::test_result& t) {
  auto ids = extract_identifiers(t.text);
  if (ids.empty()) ids = extract_identifiers(t.output);
  return ids;
}

failure_facts analyse(const qa::test_result& t, const path_index& index) {
  failure_facts facts;
  std::vector<std::string> mapped_paths;
  for (const auto& raw : extract_frames(t.text + "\n" + t.output)) {
    auto path = index.map(raw.path);
    if (!path) continue;
    bool seen = std::any_of(facts.frames.begin(), facts.frames.end(),
                            [&](const frame_ref& f) { return f.path == *path && f.line == raw.line; });
    if (seen) continue;
    facts.frames.push_back({*path, raw.line, static_cast<int>(facts.frames.size())});
    mapped_paths.push_back(*path);
    if (facts.frames.size() == kMaxRankedFrames) break;
  }
  facts.test_file = locate_test_file(t.file, t.classname, mapped_paths, index);
  if (facts.test_file) facts.subject = subject_file(*facts.test_file, index);
  return facts;
}

class owner_finder {
 public:
  owner_finder(const triage_request& request, triage_report& report) : request_(request), report_(report) {}

  void run(const qa::classification& cls) {
    git_repo git(request_.repo, request_.git_timeout);
    git_ = &git;
    resolve_range();
    if (cls.failures.empty()) return;  // refs verified (bad input still fails), nothing to own
    auto ignore_path = git.top() + "/.git-blame-ignore-revs";
    if (std::filesystem::is_regular_file(ignore_path)) {
      ignore_file_ = ignore_path;
      ignored_ = read_ignore_revs(ignore_path);
    }
    // The range log runs beside the file list and the blames. Blames start at once; those that start
    // after the log is in skip files no candidate touched (they could only blame older commits).
    std::vector<commit_info> log;
    std::exception_ptr log_error;
    std::jthread log_thread([&] {
      try {
        log = git.log_range(report_.base, report_.head);
        for (const auto& c : log) {
          if (!ignored_.contains(c.sha) && !is_bot(c)) touched_.insert(c.files.begin(), c.files.end());
        }
      } catch (...) {
        log_error = std::current_exception();
      }
      log_ready_.store(true, std::memory_order_release);
    });
    path_index index(git.list_files(report_.head));
    load_codeowners(index);

    std::vector<failure_facts> facts;
    for (const auto& f : cls.failures) facts.push_back(analyse(f.detail, index));
    bool surely_whole_range = false;
    for (std::size_t i = 0; i < facts.size(); ++i) {
      if (cls.failures[i].cls != qa::failure_class::new_failure) continue;
      auto& f = facts[i];
      f.identifiers = failure_identifiers(cls.failures[i].detail);
      // Nothing but identifier_in_diff can score for it, so the whole range will be diffed (see
      // scan_identifier_diffs): read it beside the blames instead of after them.
      if (!f.identifiers.empty() && f.frames.empty() && !f.test_file && !f.subject) surely_whole_range = true;
    }
    std::jthread range_patches_thread;
    if (surely_whole_range && report_.base != report_.head) {
      range_patches_thread = std::jthread([&] {
        try {
          range_patches_ = git.log_patches(report_.base, report_.head, request_.max_patch_bytes);
        } catch (const git_error& e) {
          range_patches_error_ = e.what();
        }
      });
    }
    run_blames(cls, facts);
    log_thread.join();
    if (log_error) std::rethrow_exception(log_error);
    if (range_patches_thread.joinable()) {
      range_patches_thread.join();
      range_patches_read_ = true;
    }
    for (auto& c : log) {
      if (ignored_.contains(c.sha) || is_bot(c)) continue;
      auto sha = c.sha;
      candidates_.emplace(std::move(sha), std::move(c));
    }
    touched_by_ = index_by_path(candidates_);

    // Each new failure's candidates, then the evidence of the other failures as corroboration: a commit
    // that broke several tests is the likelier culprit of each (see ownership::corroborate).
    std::vector<std::vector<ranked_commit>> ranked(cls.failures.size());
    auto rank_all = [&] {
      for (std::size_t i = 0; i < cls.failures.size(); ++i) {
        if (cls.failures[i].cls == qa::failure_class::new_failure) ranked[i] = rank_for(facts[i]);
      }
      corroborate(ranked);
    };
    rank_all();
    // identifier_in_diff last: its points are local to a failure, so the ranking above is every commit's
    // final score but for those 2 points, and only the commits it can still put first need a diff.
    if (scan_identifier_diffs(cls, facts, ranked)) rank_all();
    for (std::size_t i = 0; i < cls.failures.size(); ++i) {
      auto& out = report_.failures[i];
      const auto& f = facts[i];
      if (f.test_file) out.test_file = *f.test_file;
      if (cls.failures[i].cls == qa::failure_class::new_failure && assign_culprit(out, ranked[i])) continue;
      // Flaky and pre-existing failures name no culprit: they go to whoever owns the test.
      std::vector<std::string> owner_paths;
      if (cls.failures[i].cls == qa::failure_class::new_failure) {
        for (const auto& fr : f.frames) owner_paths.push_back(fr.path);
      }
      if (f.test_file) owner_paths.push_back(*f.test_file);
      if (f.subject) owner_paths.push_back(*f.subject);
      if (assign_codeowner(out, owner_paths)) continue;
      std::optional<std::string> file = f.test_file ? f.test_file : f.subject;
      if (!file && !f.frames.empty()) file = f.frames.front().path;
      // The most frequent recent author; then, for a failure with a frame, whoever last wrote that line
      // in the whole history; then the most frequent author ever.
      if (file && assign_frequent_author(out, *file, true)) continue;
      if (!f.frames.empty() && assign_full_history_blame(out, f.frames.front())) continue;
      if (file) assign_frequent_author(out, *file, false);
    }
  }

  bool assign_full_history_blame(failure_report& out, const frame_ref& frame) {
    std::vector<blamed_line> lines;
    try {
      std::vector<line_range> one{{frame.line, frame.line}};
      lines = git_->blame(frame.path, one, "", report_.head, ignore_file_);
    } catch (const git_error& e) {
      report_.warnings.push_back(e.what());
      return false;
    }
    if (lines.empty() || lines.front().sha.empty()) return false;
    const auto& line = lines.front();
    commit_info c;
    c.sha = line.sha;
    c.author = line.author;
    c.email = line.email;
    c.time = line.author_time;
    c.subject = line.summary;
    out.owner = owner_info{c.author, c.email};
    out.confidence = confidence::low;
    out.evidence.push_back(commit_evidence(c, "full_history_blame", frame.path, line.line, line.code));
    return true;
  }

 private:
  void resolve_range() {
    std::string base_ref, head_ref = "HEAD";
    if (request_.range.empty()) {
      auto head = git_->resolve("HEAD");
      auto tag = git_->newest_tag(head);
      if (!tag) {
        throw triage_error(fmt::format("no tag is reachable from HEAD in {}; give the range with --range BASE..HEAD",
                                       git_->top()));
      }
      base_ref = *tag;
    } else {
      auto dots = request_.range.find("..");
      if (dots == std::string::npos || request_.range.find("...") != std::string::npos || dots == 0) {
        throw triage_error(fmt::format("--range '{}' is not of the form BASE..HEAD", request_.range));
      }
      base_ref = request_.range.substr(0, dots);
      if (dots + 2 < request_.range.size()) head_ref = request_.range.substr(dots + 2);
    }
    // Two refs, two processes: resolve them side by side.
    auto base = std::async(std::launch::async, [&] { return git_->resolve(base_ref); });
    report_.head = git_->resolve(head_ref);
    report_.base = base.get();
    report_.base_label = base_ref;
    report_.head_label = head_ref;
    if (report_.base == report_.head) {
      report_.warnings.push_back(fmt::format("the range {}..{} is empty: no commit can be blamed, owners come from "
                                             "CODEOWNERS and file history only",
                                             base_ref, head_ref));
    }
  }

  void load_codeowners(const path_index& index) {
    if (!request_.codeowners.empty()) {
      std::ifstream in(request_.codeowners, std::ios::binary);
      if (!in) throw triage_error(fmt::format("{}: cannot read the CODEOWNERS file", request_.codeowners));
      std::stringstream ss;
      ss << in.rdbuf();
      codeowners_ = codeowners::parse(ss.str(), request_.codeowners);
      return;
    }
    for (const char* candidate : {".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"}) {
      if (!index.contains(candidate)) continue;
      if (auto content = git_->show_file(report_.head, candidate)) {
        codeowners_ = codeowners::parse(*content, candidate);
        return;
      }
    }
  }

  void run_blames(const qa::classification& cls, const std::vector<failure_facts>& facts) {
    std::map<std::string, std::vector<line_range>> wanted;
    for (std::size_t i = 0; i < facts.size(); ++i) {
      if (cls.failures[i].cls != qa::failure_class::new_failure) continue;
      for (const auto& f : facts[i].frames) {
        wanted[f.path].push_back({std::max(1, f.line - kNearbyLines), f.line + kNearbyLines});
      }
    }
    std::vector<std::pair<std::string, std::vector<line_range>>> jobs;
    for (auto& [path, ranges] : wanted) jobs.emplace_back(path, merge_ranges(std::move(ranges)));
    unsigned threads = request_.parallelism != 0 ? request_.parallelism : std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::vector<blamed_line>> results(jobs.size());
    std::vector<std::string> errors(jobs.size());
    std::vector<char> skipped(jobs.size(), 0);
    parallel_for(jobs.size(), threads, [&](std::size_t i) {
      if (log_ready_.load(std::memory_order_acquire) && !touched_.contains(jobs[i].first)) {
        skipped[i] = 1;
        return;
      }
      try {
        results[i] = git_->blame(jobs[i].first, jobs[i].second, report_.base, report_.head, ignore_file_);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      if (skipped[i] != 0) continue;
      if (!errors[i].empty()) report_.warnings.push_back(errors[i]);
      report_.blamed_files.push_back(jobs[i].first);
      blames_.emplace(jobs[i].first, std::move(results[i]));
    }
  }

  // Diffs the commits among which identifier_in_diff could decide a new failure's owner: those within
  // kIdentifierPoints of its best score when there are two or more, or every candidate when that best is
  // no more than the points themselves. A failure whose best leads by more is left alone — the signal
  // could only add a line of evidence there, and a diff costs git time on every commit. One `git log -p`
  // for them all. Returns whether anything was found, i.e. whether to rank again. A failed or oversized
  // patch log is a warning and leaves the signal out.
  bool scan_identifier_diffs(const qa::classification& cls, std::vector<failure_facts>& facts,
                             const std::vector<std::vector<ranked_commit>>& ranked) {
    constexpr double kEpsilon = 1e-9;
    std::set<std::string> wanted, shas;
    bool whole_range = false;
    for (std::size_t i = 0; i < facts.size(); ++i) {
      if (cls.failures[i].cls != qa::failure_class::new_failure || facts[i].identifiers.empty()) continue;
      double best = ranked[i].empty() ? 0 : ranked[i].front().score;
      if (best <= kIdentifierPoints + kEpsilon) {
        whole_range = true;
        facts[i].diffed = true;
        wanted.insert(facts[i].identifiers.begin(), facts[i].identifiers.end());
        continue;
      }
      std::size_t contenders = 0;
      while (contenders < ranked[i].size() &&
             ranked[i][contenders].score + kIdentifierPoints + kEpsilon >= best) {
        ++contenders;
      }
      if (contenders < 2) continue;
      for (std::size_t k = 0; k < contenders; ++k) shas.insert(ranked[i][k].commit->sha);
      facts[i].diffed = true;
      wanted.insert(facts[i].identifiers.begin(), facts[i].identifiers.end());
    }
    if (wanted.empty() || candidates_.empty()) return false;
    if (whole_range || shas.size() > kMaxListedCommits) shas.clear();
    std::optional<std::string> patches;
    if (range_patches_read_) {  // the whole range, read beside the blames: a superset of any list
      if (!range_patches_error_.empty()) {
        report_.warnings.push_back(range_patches_error_);
        return false;
      }
      patches = std::move(range_patches_);
    } else {
      try {
        patches = shas.empty() ? git_->log_patches(report_.base, report_.head, request_.max_patch_bytes)
                               : git_->commit_patches({shas.begin(), shas.end()}, request_.max_patch_bytes);
      } catch (const git_error& e) {
        report_.warnings.push_back(e.what());
        return false;
      }
    }
    if (!patches) {
      report_.warnings.push_back(
          fmt::format("the diffs of {}..{} pass {} MB: identifier_in_diff is left out of the ranking",
                      report_.base_label, report_.head_label, request_.max_patch_bytes >> 20));
      return false;
    }
    diffs_ = scan_patches(*patches, {wanted.begin(), wanted.end()});
    return !diffs_.empty();
  }

  std::vector<ranked_commit> rank_for(const failure_facts& f) const {
    rank_input in;
    in.frames = f.frames;
    in.blames = &blames_;
    in.candidates = &candidates_;
    in.touched_by = &touched_by_;
    if (f.test_file) in.test_files.push_back(*f.test_file);
    if (f.subject) in.test_files.push_back(*f.subject);
    if (f.diffed) {
      in.identifiers = f.identifiers;
      in.diffs = &diffs_;
    }
    return rank_commits(in);
  }

  bool assign_culprit(failure_report& out, const std::vector<ranked_commit>& ranked) {
    if (ranked.empty()) return false;
    const auto& top = ranked.front();
    out.owner = owner_info{top.commit->author, top.commit->email};
    out.confidence = confidence_of(top);
    for (const auto& hit : top.hits) {
      if (out.evidence.size() == kMaxEvidence) break;
      out.evidence.push_back(commit_evidence(*top.commit, hit.signal, hit.file, hit.line, hit.code));
    }
    std::set<std::string> named{text::to_lower(top.commit->email)};
    for (std::size_t i = 1; i < ranked.size() && out.candidates.size() < kMaxCandidates; ++i) {
      const auto& c = *ranked[i].commit;
      if (named.insert(text::to_lower(c.email)).second) out.candidates.push_back({c.author, c.email});
    }
    return true;
  }

  bool assign_codeowner(failure_report& out, const std::vector<std::string>& paths) {
    if (codeowners_.empty()) return false;
    for (const auto& path : paths) {
      const auto* rule = codeowners_.match(path);
      if (rule == nullptr || rule->owners.empty()) continue;
      const auto& who = rule->owners.front();
      bool is_email = who.find('@') != std::string::npos && !who.starts_with('@');
      out.owner = owner_info{who, is_email ? who : std::string{}};
      out.confidence = confidence::low;
      evidence_item e;
      e.file = codeowners_.source();
      e.line = rule->line;
      e.code = rule->text;
      e.signal = "codeowners";
      out.evidence.push_back(std::move(e));
      return true;
    }
    return false;
  }

  // `recent`: only the last `recent_days`; otherwise the whole history. False when nobody qualifies.
  bool assign_frequent_author(failure_report& out, const std::string& file, bool recent) {
    const auto cache_key = (recent ? "recent:" : "all:") + file;
    auto it = history_.find(cache_key);
    if (it == history_.end()) {
      std::vector<commit_info> history;
      try {
        if (head_time_ == 0) head_time_ = git_->commit_time(report_.head);
        long long since = recent ? head_time_ - request_.recent_days * 86400 : 0;
        history = git_->path_history(file, report_.head, since);
      } catch (const git_error& e) {
        report_.warnings.push_back(e.what());
      }
      std::erase_if(history, [&](const commit_info& c) { return ignored_.contains(c.sha) || is_bot(c); });
      it = history_.emplace(cache_key, std::move(history)).first;
    }
    const auto& history = it->second;
    if (history.empty()) return false;
    // Most commits wins; on a tie, whoever touched the file most recently (history is newest first).
    std::map<std::string, std::pair<int, std::size_t>> counts;  // email → (commits, newest index)
    for (std::size_t i = 0; i < history.size(); ++i) {
      auto key = text::to_lower(history[i].email);
      auto [slot, inserted] = counts.try_emplace(key, 0, i);
      ++slot->second.first;
    }
    const commit_info* best = nullptr;
    int best_count = 0;
    for (const auto& [email, entry] : counts) {
      const auto& c = history[entry.second];
      if (best == nullptr || entry.first > best_count ||
          (entry.first == best_count && entry.second < static_cast<std::size_t>(best - history.data()))) {
        best = &c;
        best_count = entry.first;
      }
    }
    out.owner = owner_info{best->author, best->email};
    out.confidence = confidence::low;
    out.evidence.push_back(commit_evidence(*best, "frequent_author", file));
    return true;
  }

  const triage_request& request_;
  triage_report& report_;
  git_repo* git_ = nullptr;
  codeowners codeowners_;
  std::string ignore_file_;
  std::set<std::string> ignored_;
  std::map<std::string, std::vector<blamed_line>> blames_;
  std::map<std::string, commit_info> candidates_;
  std::set<std::string> touched_;  // every path a candidate changed; written by the log thread before log_ready_
  std::atomic<bool> log_ready_{false};
  std::map<std::string, std::vector<const commit_info*>> touched_by_;
  diff_identifier_index diffs_;
  // The range's patches when some failure can only be owned through identifier_in_diff: read by a thread
  // beside the blames; range_patches_read_ once it has been joined.
  std::optional<std::string> range_patches_;
  std::string range_patches_error_;
  bool range_patches_read_ = false;
  std::map<std::string, std::vector<commit_info>> history_;
  long long head_time_ = 0;
};

void load_reports(const std::vector<std::string>& paths, const triage_request& request,
                  std::vector<qa::test_result>& out, std::vector<std::string>& warnings, bool strict) {
  for (const auto& path : paths) {
    auto report = qa::load_junit(path, request.max_report_bytes);
    if (strict && !report.xml_error.empty()) {
      throw triage_error(fmt::format("{}: the report is cut short or broken, so QA cannot be judged from it",
                                     report.xml_error));
    }
    std::move(report.tests.begin(), report.tests.end(), std::back_inserter(out));
    std::move(report.warnings.begin(), report.warnings.end(), std::back_inserter(warnings));
  }
}

}  // namespace

triage_report triage(const triage_request& request) {
  if (request.junit.empty() && request.current_results.empty()) {
    throw triage_error("no QA report given (--junit FILE...)");
  }
  triage_report report;
  std::vector<qa::test_result> current = request.current_results;
  std::vector<qa::test_result> previous = request.previous_results;
  try {
    load_reports(request.junit, request, current, report.warnings, request.strict_reports);
    load_reports(request.previous, request, previous, report.warnings, false);
  } catch (const qa::qa_error& e) {
    throw triage_error(e.what());
  }
  auto cls = qa::classify(current, previous);
  report.summary = cls.summary;
  for (const auto& f : cls.failures) {
    failure_report r;
    r.name = f.detail.name;
    r.classname = f.detail.classname;
    r.cls = f.cls;
    r.message = f.detail.message;
    report.failures.push_back(std::move(r));
  }
  if (request.repo.empty()) return report;
  try {
    owner_finder(request, report).run(cls);
  } catch (const git_error& e) {
    throw triage_error(e.what());
  }
  return report;
}

}  // namespace tugboat::workflows
