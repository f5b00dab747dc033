#include "workflows/release/people_codec.hpp"

#include <doctest/doctest.h>

#include <stdexcept>

using namespace tugboat::workflows;

TEST_CASE("resolved people survive the trip through JSON text") {
  const std::vector<person> people{
      {"alice@example.com", "U0ALICE", "Alice Archer", "America/New_York", -18000, "lookup", ""},
      {"@carol", "U0CAROL", "Carol \"CC\" Chandra", "Asia/Kolkata", 19800, "owners", ""},
      {"ghost@example.com", "", "", "", 0, "unknown", ""},
      {"dave@example.com", "", "", "", 0, "unknown", "slack users.lookupByEmail failed: http_500"},
  };
  const auto text = encode_people(people);
  CHECK(decode_people(text) == people);
  CHECK(text.find(R"("tz_offset":19800)") != std::string::npos);
  CHECK(encode_people({}) == "[]");
  CHECK(decode_people("[]").empty());
}

TEST_CASE("decoding people fills missing fields with defaults and rejects wrong shapes") {
  auto p = decode_people(R"([{"key":"@bob","source":"unknown","extra":true}])");
  REQUIRE(p.size() == 1);
  CHECK(p[0].key == "@bob");
  CHECK(p[0].user.empty());
  CHECK(p[0].tz_offset == 0);
  CHECK_THROWS_AS(decode_people("{}"), std::invalid_argument);
  CHECK_THROWS_AS(decode_people("[1]"), std::invalid_argument);
  CHECK_THROWS_AS(decode_people(R"([{"user":5}])"), std::invalid_argument);
  CHECK_THROWS_AS(decode_people(R"([{"tz_offset":"3600"}])"), std::invalid_argument);
  CHECK_THROWS_AS(decode_people("[{"), std::invalid_argument);
}
