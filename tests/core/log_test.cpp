#include "core/log.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace tugboat;

namespace {
std::vector<std::string>& captured() {
  static std::vector<std::string> lines;
  return lines;
}
void capture(std::string_view line) { captured().emplace_back(line); }
}  // namespace

TEST_CASE("no token ever reaches a log line") {
  captured().clear();
  log::set_sink(capture);
  log::add_secret("s3cr3t-config-value");
  log::info("test", "connecting with xapp-1-A0123-4567-abcdef and xoxb-1234-5678-ZZZZ");
  log::error("test", "config said s3cr3t-config-value somewhere");
  log::set_sink(nullptr);
  REQUIRE(captured().size() == 2);
  for (const auto& line : captured()) {
    CHECK(line.find("xapp-1") == std::string::npos);
    CHECK(line.find("xoxb-1234") == std::string::npos);
    CHECK(line.find("s3cr3t") == std::string::npos);
    CHECK(line.find("[redacted]") != std::string::npos);
  }
}

TEST_CASE("levels below the threshold are dropped") {
  captured().clear();
  log::set_sink(capture);
  log::set_level(log::level::warn);
  log::info("test", "quiet");
  log::warn("test", "loud");
  log::set_level(log::level::info);
  log::set_sink(nullptr);
  REQUIRE(captured().size() == 1);
  CHECK(captured()[0].find("loud") != std::string::npos);
  log::level l{};
  CHECK(log::parse_level("debug", l));
  CHECK(l == log::level::debug);
  CHECK_FALSE(log::parse_level("verbose", l));
}
