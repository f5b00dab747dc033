// Benchmark for `tugboat triage`: generates a realistic repository (thousands of commits, files of
// thousands of lines) with git fast-import, a JUnit report whose failures point at lines changed in the
// release range, and times
//   (a) `tugboat triage --json` end to end (its own process, as CI would run it), against
//   (b) the very same range-limited blames as plain `git blame` commands, one after another — what a
//       script would do — and, for reference, (c) the same blames run in parallel on every core.
// It prints `ratio X (target <= 1.0)` for (a)/(b), and (a)/(c) beside it, labelled.
// With --identifiers each failure message also names the variable on its innermost frame's line
// ("mismatch in unit3_value_120"), so triage's identifier_in_diff signal is in play: it diffs the commits
// where the signal can decide an owner (none when every owner leads clearly, as here), on top of the
// blames; without it the messages name nothing and no diff is ever considered.
// usage: triage_bench TUGBOAT_BIN [--commits N] [--files N] [--lines N] [--range N] [--failures N] [--runs N]
//                     [--identifiers] [--keep]
#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/subprocess.hpp"

namespace {

using namespace tugboat;
using steady = std::chrono::steady_clock;

struct settings {
  std::string tugboat;
  int commits = 2400;
  int files = 12;
  int lines = 3000;
  int range = 300;  // commits after the release tag
  int failures = 40;
  int runs = 5;
  bool keep = false;
  bool identifiers = false;
};

struct line_info {
  std::string text;
  int commit = 0;  // index of the commit that last changed the line
};

const char* const kAuthors[][2] = {{"Ada Lovelace", "ada@example.com"},   {"Brian Kernighan", "bwk@example.com"},
                                   {"Grace Hopper", "grace@example.com"},  {"Ken Thompson", "ken@example.com"},
                                   {"Barbara Liskov", "liskov@example.com"}, {"Donald Knuth", "knuth@example.com"},
                                   {"Frances Allen", "fran@example.com"},  {"Edsger Dijkstra", "ewd@example.com"}};

[[noreturn]] void die(const std::string& what) {
  fmt::print(stderr, "triage_bench: {}\n", what);
  std::exit(1);
}

proc::result git(const std::string& repo, std::vector<std::string> args, std::string input = {}) {
  proc::spawn_options o;
  o.argv = {"git", "-C", repo};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  o.stdin_data = std::move(input);
  o.env = {{"GIT_CONFIG_GLOBAL", "/dev/null"}, {"GIT_CONFIG_NOSYSTEM", "1"}, {"LC_ALL", "C"}};
  auto r = proc::run(o);
  if (!r.ok()) die(fmt::format("git {} failed: {}", args.front(), r.err.empty() ? r.describe() : r.err));
  return r;
}

std::string path_of(int f) { return fmt::format("src/module{:02}/unit{:02}.cpp", f % 4, f); }

std::string file_text(const std::vector<line_info>& lines) {
  std::string out;
  for (const auto& l : lines) out += l.text + "\n";
  return out;
}

void append_data(std::string& stream, const std::string& data) { stream += fmt::format("data {}\n{}\n", data.size(), data); }

// Builds the history in memory and feeds it to `git fast-import`; returns the per-file line metadata at HEAD.
std::vector<std::vector<line_info>> generate(const settings& s, const std::string& repo, std::vector<std::string>& authors) {
  std::mt19937 rng(20261125);
  std::vector<std::vector<line_info>> files(static_cast<std::size_t>(s.files));
  for (int f = 0; f < s.files; ++f) {
    for (int l = 0; l < s.lines; ++l) files[f].push_back({fmt::format("int unit{}_value_{} = {};", f, l, l * 7 % 1000), 0});
  }
  std::string stream;
  long long t = 1735689600;  // 2025-01-01
  int tag_at = s.commits - s.range;
  for (int c = 0; c < s.commits; ++c) {
    const auto* who = kAuthors[rng() % std::size(kAuthors)];
    authors.emplace_back(who[0]);
    t += 600 + static_cast<long long>(rng() % 7200);
    stream += fmt::format("commit refs/heads/main\nmark :{}\nauthor {} <{}> {} +0000\ncommitter {} <{}> {} +0000\n", c + 1,
                          who[0], who[1], t, who[0], who[1], t);
    append_data(stream, c == 0 ? "Initial import" : fmt::format("Change {} in unit code", c));
    std::vector<int> touched;
    if (c == 0) {
      for (int f = 0; f < s.files; ++f) touched.push_back(f);
    } else {
      int f = static_cast<int>(rng() % static_cast<unsigned>(s.files));
      touched.push_back(f);
      auto& lines = files[f];
      int edits = 1 + static_cast<int>(rng() % 6);
      for (int e = 0; e < edits; ++e) {
        auto at = rng() % lines.size();
        auto kind = rng() % 20;
        if (kind < 3 && lines.size() > 10) {
          lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(at));
        } else if (kind < 6) {
          lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(at), {fmt::format("// note {} from change {}", e, c), c});
        } else {
          lines[at] = {fmt::format("int unit{}_value_{} = {}; // changed in {}", f, at, rng() % 1000, c), c};
        }
      }
    }
    for (int f : touched) {
      stream += fmt::format("M 100644 inline {}\n", path_of(f));
      append_data(stream, file_text(files[f]));
    }
    stream += "\n";
    if (c + 1 == tag_at) stream += fmt::format("reset refs/tags/v1.0\nfrom :{}\n\n", c + 1);
  }
  git(repo, {"init", "-q", "-b", "main"});
  git(repo, {"fast-import", "--quiet"}, std::move(stream));
  git(repo, {"reset", "-q", "--hard", "main"});
  return files;
}

struct failure_spec {
  std::vector<std::pair<int, int>> frames;  // (file, 1-based line at HEAD), innermost first
  std::string identifier;                   // named in the message (--identifiers), may be empty
};

// The `unitF_value_N` variable a generated line declares, or "" for a note line.
std::string variable_of(const std::string& line) {
  auto at = line.find("unit");
  if (at == std::string::npos) return {};
  auto end = at;
  while (end < line.size() && (std::isalnum(static_cast<unsigned char>(line[end])) || line[end] == '_'))
    ++end;
  return line.substr(at, end - at);
}

std::vector<failure_spec> pick_failures(const settings& s, const std::vector<std::vector<line_info>>& files) {
  std::mt19937 rng(7);
  int tag_at = s.commits - s.range;
  std::vector<std::pair<int, int>> changed;  // lines changed in the range
  for (int f = 0; f < s.files; ++f) {
    for (std::size_t l = 0; l < files[f].size(); ++l) {
      if (files[f][l].commit >= tag_at) changed.emplace_back(f, static_cast<int>(l) + 1);
    }
  }
  if (changed.empty()) die("no line changed in the range; raise --range");
  std::shuffle(changed.begin(), changed.end(), rng);
  std::vector<failure_spec> out;
  for (int i = 0; i < s.failures; ++i) {
    failure_spec spec;
    spec.frames.push_back(changed[static_cast<std::size_t>(i) % changed.size()]);
    if (s.identifiers) {
      auto [f, line] = spec.frames.front();
      spec.identifier = variable_of(files[f][static_cast<std::size_t>(line) - 1].text);
    }
    int extra = static_cast<int>(rng() % 3);  // up to two outer frames anywhere
    for (int e = 0; e < extra; ++e) {
      int f = static_cast<int>(rng() % static_cast<unsigned>(s.files));
      spec.frames.emplace_back(f, 1 + static_cast<int>(rng() % files[f].size()));
    }
    out.push_back(std::move(spec));
  }
  return out;
}

std::string junit_xml(const std::vector<failure_spec>& failures) {
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"Bench\">\n";
  for (std::size_t i = 0; i < failures.size(); ++i) {
    std::string body = "Expected equality of these values:\n";
    for (std::size_t d = 0; d < failures[i].frames.size(); ++d) {
      auto [f, line] = failures[i].frames[d];
      body += fmt::format("    #{} 0x{:x} in fn{} /builds/ci/bench/{}:{}:3\n", d, 0x4000 + d, d, path_of(f), line);
    }
    std::string message =
        failures[i].identifier.empty() ? "mismatch" : "mismatch in " + failures[i].identifier;
    xml += fmt::format(
        "    <testcase classname=\"Bench\" name=\"Case{}\"><failure "
        "message=\"{}\"><![CDATA[{}]]></failure></testcase>\n",
        i, message, body);
  }
  for (int i = 0; i < 200; ++i) xml += fmt::format("    <testcase classname=\"Bench\" name=\"Pass{}\"/>\n", i);
  xml += "  </testsuite>\n</testsuites>\n";
  return xml;
}

// The blames triage runs: per file, every frame line ±3, merged.
std::map<std::string, std::vector<std::pair<int, int>>> blame_plan(const std::vector<failure_spec>& failures) {
  std::map<std::string, std::vector<std::pair<int, int>>> plan;
  for (const auto& spec : failures) {
    for (auto [f, line] : spec.frames) plan[path_of(f)].emplace_back(std::max(1, line - 3), line + 3);
  }
  for (auto& [path, ranges] : plan) {
    std::sort(ranges.begin(), ranges.end());
    std::vector<std::pair<int, int>> merged;
    for (auto r : ranges) {
      if (!merged.empty() && r.first <= merged.back().second + 1) {
        merged.back().second = std::max(merged.back().second, r.second);
      } else {
        merged.push_back(r);
      }
    }
    ranges = std::move(merged);
  }
  return plan;
}

double ms_since(steady::time_point start) {
  return std::chrono::duration<double, std::milli>(steady::now() - start).count();
}

// The 1-minute load average: other work on the machine skews every figure here, parallel ones most.
double load_average() {
  std::ifstream in("/proc/loadavg");
  double load = 0;
  in >> load;
  return load;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** args) {
  settings s;
  if (argc < 2)
    die("usage: triage_bench TUGBOAT_BIN [--commits N] [--files N] [--lines N] [--range N] [--failures N] "
        "[--runs N] "
        "[--identifiers] [--keep]");
  s.tugboat = args[1];
  for (int i = 2; i < argc; ++i) {
    std::string a = args[i];
    auto number = [&] {
      if (i + 1 >= argc) die(a + " needs a value");
      return std::atoi(args[++i]);
    };
    if (a == "--commits") s.commits = number();
    else if (a == "--files") s.files = number();
    else if (a == "--lines") s.lines = number();
    else if (a == "--range") s.range = number();
    else if (a == "--failures") s.failures = number();
    else if (a == "--runs") s.runs = std::max(1, number());
    else if (a == "--keep") s.keep = true;
    else if (a == "--identifiers")
      s.identifiers = true;
    else die("unknown option " + a);
  }
  if (s.range >= s.commits) die("--range must be smaller than --commits");

  std::string dir = (std::filesystem::temp_directory_path() / "tugboat-triage-bench-XXXXXX").string();
  if (::mkdtemp(dir.data()) == nullptr) die("cannot create a temporary directory");
  std::string repo = dir + "/repo";
  std::filesystem::create_directories(repo);

  auto start = steady::now();
  std::vector<std::string> authors;  // per commit index
  auto files = generate(s, repo, authors);
  double generate_ms = ms_since(start);
  auto failures = pick_failures(s, files);
  std::string report = dir + "/junit.xml";
  std::ofstream(report) << junit_xml(failures);
  auto plan = blame_plan(failures);
  std::size_t range_count = 0;
  for (const auto& [path, ranges] : plan) range_count += ranges.size();
  auto base = std::string(git(repo, {"rev-parse", "v1.0^{commit}"}).out.substr(0, 40));
  auto head = std::string(git(repo, {"rev-parse", "HEAD"}).out.substr(0, 40));

  fmt::print("triage: generated {} commits, {} files of ~{} lines in {:.1f} s; range v1.0..HEAD = {} commits\n", s.commits,
             s.files, s.lines, generate_ms / 1000, s.range);
  fmt::print("triage: {} failures (innermost frame on a line changed in the range) -> {} files to blame, {} -L ranges\n",
             s.failures, plan.size(), range_count);
  fmt::print("triage: failure messages {}\n",
             s.identifiers
                 ? "name the innermost line's variable (--identifiers): identifier_in_diff is in play"
                 : "name no identifier: identifier_in_diff is not in play");

  // (b) and (c): the same blames as plain git commands.
  std::vector<std::vector<std::string>> commands;
  for (const auto& [path, ranges] : plan) {
    std::vector<std::string> argv = {"git", "-C", repo, "blame", "--porcelain", "-w"};
    for (auto [a, b] : ranges) argv.push_back(fmt::format("-L{},{}", a, b));
    argv.push_back(base + ".." + head);
    argv.emplace_back("--");
    argv.push_back(path);
    commands.push_back(std::move(argv));
  }
  auto run_blame = [](const std::vector<std::string>& argv) {
    proc::spawn_options o;
    o.argv = argv;
    auto r = proc::run(o);
    if (!r.ok()) die("git blame failed: " + r.err);
  };
  std::vector<double> triage_ms, sequential_ms, parallel_ms;
  std::string last_out;
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  // Rounds interleave the three contenders so that load from elsewhere on the machine hits them alike.
  for (int run = 0; run < s.runs; ++run) {
    {
      proc::spawn_options o;
      o.argv = {s.tugboat, "triage", "--junit", report, "--repo", repo, "--range", "v1.0..HEAD", "--json"};
      auto t0 = steady::now();
      auto r = proc::run(o);
      triage_ms.push_back(ms_since(t0));
      if (!r.ok()) die("tugboat triage failed: " + r.err);
      last_out = std::move(r.out);
    }
    auto t0 = steady::now();
    for (const auto& c : commands) run_blame(c);
    sequential_ms.push_back(ms_since(t0));
    t0 = steady::now();
    std::atomic<std::size_t> next{0};
    std::vector<std::thread> pool;
    for (unsigned k = 0; k < cores; ++k) {
      pool.emplace_back([&] {
        for (std::size_t i = next++; i < commands.size(); i = next++) run_blame(commands[i]);
      });
    }
    for (auto& th : pool) th.join();
    parallel_ms.push_back(ms_since(t0));
  }

  // Check the answers too: each failure's owner must be the author of the commit that last changed its
  // innermost frame's line.
  int correct = 0;
  for (std::size_t i = 0; i < failures.size(); ++i) {
    auto [f, line] = failures[i].frames.front();
    const auto& expected = authors[static_cast<std::size_t>(files[f][static_cast<std::size_t>(line) - 1].commit)];
    auto at = last_out.find(fmt::format("\"name\":\"Case{}\"", i));
    auto owner = at == std::string::npos ? std::string::npos : last_out.find("\"owner\":{\"name\":\"", at);
    if (owner != std::string::npos && last_out.compare(owner + 17, expected.size() + 1, expected + "\"") == 0) ++correct;
  }
  std::size_t high = 0;
  for (std::size_t p = last_out.find("\"confidence\":\"high\""); p != std::string::npos;
       p = last_out.find("\"confidence\":\"high\"", p + 1)) {
    ++high;
  }
  double a = median(triage_ms), b = median(sequential_ms), c = median(parallel_ms);
  fmt::print("triage: tugboat triage --json          {:8.0f} ms  (median of {}; {} of {} owners with high confidence)\n", a,
             s.runs, high, s.failures);
  fmt::print("triage: owners correct (author of the innermost frame's line): {} of {}\n", correct, failures.size());
  fmt::print("triage: same blames, plain git, serial {:8.0f} ms  (median of {})\n", b, s.runs);
  fmt::print("triage: same blames, plain git, {} at once {:5.0f} ms  (median of {})\n", cores, c, s.runs);
  fmt::print("triage: ratio {:.2f} (target <= 1.0)  = tugboat triage / the same blames run one after another\n", a / b);
  fmt::print("triage: ratio vs {} parallel blames {:.2f}  (for reference: triage's own overhead on top of git's work)\n", cores,
             a / c);
  double load = load_average();
  fmt::print("triage: load average {:.1f} on {} cores{}\n", load, cores,
             load > cores * 0.5 ? " — the machine is busy: parallel speed-ups shrink and the ratio is noisy" : "");
  if (s.keep) {
    fmt::print("triage: kept {}\n", dir);
  } else {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return a / b <= 1.0 && correct == static_cast<int>(failures.size()) ? 0 : 1;
}
