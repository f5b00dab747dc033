#pragma once
// The demo's world: a sample git repository with a release tag and a few weeks of work by several
// people after it, and the QA reports of that work (JUnit XML) whose failures point at lines those
// people changed — so blame, CODEOWNERS and the flaky test all have something real to find.
#include <filesystem>

namespace tugboat::bot {

struct demo_world {
  std::filesystem::path repo;    // git repository, tag v1.3.0 and commits after it
  std::filesystem::path qa_dir;  // JUnit reports of HEAD
};

// Builds it under `dir`; throws std::runtime_error when git fails.
demo_world make_demo_world(const std::filesystem::path& dir);

}  // namespace tugboat::bot
