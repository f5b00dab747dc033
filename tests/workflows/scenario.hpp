#pragma once
// Test support: a small release history with everything ownership has to get right — several authors,
// a release tag, a rename, a .mailmap that merges two identities, a reformatting commit listed in
// .git-blame-ignore-revs, a bot commit and a CODEOWNERS file — plus JUnit reports whose failures point
// into it. Each commit's SHA is kept so tests can assert exact evidence.
#include <string>

#include "repo_builder.hpp"

namespace tugboat::testing {

inline const identity kAlice{"Alice Archer", "alice@example.com"};
inline const identity kBob{"Bob Baker", "bob@example.com"};
inline const identity kCarol{"Carol Chen", "carol@example.com"};
inline const identity kDaveOld{"dave", "dave@old.example"};  // .mailmap: → Dave Jones <dave@example.com>
inline const identity kEve{"Eve Format", "eve@example.com"};
inline const identity kBot{"dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"};

struct release_scenario {
  repo_builder repo;
  // Before the v1.0 tag.
  std::string init, bob_io_1, bob_io_2, alice_parser_test;
  // In the range v1.0..HEAD.
  std::string carol_calc, dave_parser, eve_format, ignore_revs, alice_rename, bot_bump, bob_billing;
  // Reports (outside the tracked tree).
  std::string current, billing, rerun, previous;

  release_scenario();
};

// One scenario per test run, built on first use: tests only read it, and building costs ~40 git calls.
const release_scenario& shared_scenario();

}  // namespace tugboat::testing
