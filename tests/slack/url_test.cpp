#include "slack/url.hpp"

#include <doctest/doctest.h>

using namespace tugboat;

TEST_CASE("Socket Mode and Web API URLs parse with default ports") {
  auto u = slack::parse_url("wss://wss-primary.slack.com/link/?ticket=abc&app_id=A1");
  REQUIRE(u);
  CHECK(u->scheme == "wss");
  CHECK(u->host == "wss-primary.slack.com");
  CHECK(u->port == "443");
  CHECK(u->target == "/link/?ticket=abc&app_id=A1");
  CHECK(u->secure());
  auto local = slack::parse_url("http://127.0.0.1:8123/api/");
  REQUIRE(local);
  CHECK(local->port == "8123");
  CHECK_FALSE(local->secure());
  auto v6 = slack::parse_url("ws://[::1]:9000?x=1");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->target == "/?x=1");
}

TEST_CASE("URLs that are not http(s)/ws(s) or carry credentials are refused") {
  CHECK_FALSE(slack::parse_url("ftp://example.com/"));
  CHECK_FALSE(slack::parse_url("slack.com/api"));
  CHECK_FALSE(slack::parse_url("https://user:pw@slack.com/"));
  CHECK_FALSE(slack::parse_url("https://:443/"));
  CHECK_FALSE(slack::parse_url("http://host:80x/"));
}
