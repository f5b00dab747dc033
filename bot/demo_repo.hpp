#pragma once
// The world of `tugboat demo` and `tugboat console`: a sample git repository with a release tag and a few weeks of work by several
// people after it, and the QA reports of that work (JUnit XML) whose failures point at lines those
// people changed — so blame, CODEOWNERS and the flaky test all have something real to find.
#include <chrono>
#include <filesystem>

#include "bot/config.hpp"

namespace tugboat::bot {

struct demo_world {
  std::filesystem::path repo;    // git repository, tag v1.3.0 and commits after it
  std::filesystem::path qa_dir;  // JUnit reports of HEAD
};

// Builds it under `dir` (with the demo's quick-fix agent and release scripts beside it); throws
// std::runtime_error when git fails.
demo_world make_demo_world(const std::filesystem::path& dir);
// The bot's config for that world: quick fixes by the demo agent, releases of the sample repository
// (alice admin, dave releaser, carol release manager), reminders every `remind_every` at any hour.
config demo_config(const std::filesystem::path& dir, const demo_world& world, std::chrono::seconds remind_every);

}  // namespace tugboat::bot
