#include "workflows/ownership/identifiers.hpp"

#include <doctest/doctest.h>

using namespace tugboat::ownership;
using ids = std::vector<std::string>;

TEST_CASE("identifiers are the C-like names a failure mentions, in order, each once") {
  CHECK(extract_identifiers("Value of: parse_header(buf)\n  Actual: false\nExpected: true") ==
        ids{"parse_header"});
  CHECK(extract_identifiers("FooBar gave max_retries=5 to FooBar::reset and __init_once") ==
        ids{"FooBar", "gave", "max_retries", "reset", "__init_once"});
}

TEST_CASE("keywords, common and test-report words, short words, numbers and hex runs are not identifiers") {
  CHECK(extract_identifiers("while return Expected ACTUAL Failure error thrown with these values").empty());
  CHECK(extract_identifiers("abc id 12345 0x7ffd1234 deadbeef12 9lives").empty());
  CHECK(extract_identifiers("==7==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x6020").empty());
}

TEST_CASE("paths, file:line locations and stack-trace lines are left to the frames") {
  CHECK(extract_identifiers("/builds/ci/src/calc_engine.cpp:12: Failure").empty());
  CHECK(extract_identifiers("Billing.java:7: charge_total is off, thrown by com.acme.Billing.charge") ==
        ids{"charge_total", "acme", "Billing", "charge"});
  CHECK(extract_identifiers("see https://example.com/docs/retry_policy or ops_team@example.com").empty());
  CHECK(extract_identifiers("==7==ERROR: AddressSanitizer: heap-use-after-free\n"
                            "    #0 0x55d0 in parse_header /builds/ci/project/src/parser.cpp:20:7\n"
                            "#1 0x55d1 in main_loop src/main.cpp:3\n"
                            "java.lang.IllegalStateException: retry_budget exhausted\r\n"
                            "\tat com.acme.Billing.charge(Billing.java:7)\n"
                            "  File \"app/http.py\", line 3, in read_chunk\n"
                            "    body = read_chunk(sock)\n") ==
        ids{"IllegalStateException", "retry_budget", "exhausted", "read_chunk", "sock"});
}

TEST_CASE("at most `max` identifiers are taken, the first ones named") {
  CHECK(extract_identifiers("alpha_one beta_two alpha_one gamma_three", 2) == ids{"alpha_one", "beta_two"});
  std::string many;
  for (int i = 0; i < 100; ++i) many += "name_" + std::to_string(i) + " ";
  auto found = extract_identifiers(many);
  REQUIRE(found.size() == kMaxIdentifiers);
  CHECK(found.front() == "name_0");
}

TEST_CASE("a line of code splits into identifier-shaped tokens") {
  ids tokens;
  for_each_token("+int calc_value = broken; // x2 3d", [&](std::string_view t) { tokens.emplace_back(t); });
  CHECK(tokens == ids{"int", "calc_value", "broken", "x2"});
}
