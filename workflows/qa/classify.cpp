#include "workflows/qa/classify.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <utility>

namespace tugboat::qa {
namespace {

using test_key = std::pair<std::string, std::string>;

struct tally {
  std::size_t first_index = 0;          // report order
  std::size_t failing_index = SIZE_MAX;  // the first failed/flaky result
  bool passed = false, failed = false, flaky = false, skipped = false;
};

}  // namespace

std::string_view to_string(failure_class c) {
  switch (c) {
    case failure_class::new_failure: return "new";
    case failure_class::pre_existing: return "pre_existing";
    case failure_class::flaky: return "flaky";
  }
  return "unknown";
}

classification classify(const std::vector<test_result>& current, const std::vector<test_result>& previous) {
  std::set<test_key> failed_before;
  for (const auto& t : previous) {
    if (t.result == outcome::failed || t.result == outcome::flaky) failed_before.emplace(t.classname, t.name);
  }

  std::map<test_key, tally> tallies;
  std::vector<test_key> order;
  for (std::size_t i = 0; i < current.size(); ++i) {
    const auto& t = current[i];
    test_key key{t.classname, t.name};
    auto [it, inserted] = tallies.try_emplace(key);
    if (inserted) {
      it->second.first_index = i;
      order.push_back(key);
    }
    auto& s = it->second;
    switch (t.result) {
      case outcome::passed: s.passed = true; break;
      case outcome::failed: s.failed = true; break;
      case outcome::flaky: s.flaky = true; break;
      case outcome::skipped: s.skipped = true; break;
    }
    if ((t.result == outcome::failed || t.result == outcome::flaky) && s.failing_index == SIZE_MAX) {
      s.failing_index = i;
    }
  }

  classification out;
  auto& sum = out.summary;
  for (const auto& key : order) {
    const auto& s = tallies.at(key);
    ++sum.tests;
    if (s.flaky || (s.failed && s.passed)) {
      ++sum.flaky;
      out.failures.push_back({failure_class::flaky, current[s.failing_index]});
    } else if (s.failed) {
      ++sum.failed;
      bool before = failed_before.contains(key);
      ++(before ? sum.pre_existing : sum.new_failures);
      out.failures.push_back({before ? failure_class::pre_existing : failure_class::new_failure,
                              current[s.failing_index]});
    } else if (s.passed) {
      ++sum.passed;
    } else {
      ++sum.skipped;
    }
  }
  return out;
}

}  // namespace tugboat::qa
