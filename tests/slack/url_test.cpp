#include "slack/url.hpp"

#include <doctest/doctest.h>

using namespace tugboat::slack;

TEST_CASE("an https URL gets port 443 and its path and query as the target") {
  const auto u = parse_url("https://slack.com/api/auth.test?x=1");
  REQUIRE(u);
  CHECK(u->scheme == "https");
  CHECK(u->host == "slack.com");
  CHECK(u->port == 443);
  CHECK(u->target == "/api/auth.test?x=1");
  CHECK(u->tls());
  CHECK(u->host_header() == "slack.com");
}

TEST_CASE("Socket Mode URLs parse with their ticket query, and ws:// is plain") {
  const auto wss = parse_url("wss://wss-primary.slack.com/link/?ticket=abc&app_id=A1");
  REQUIRE(wss);
  CHECK(wss->tls());
  CHECK(wss->port == 443);
  CHECK(wss->target == "/link/?ticket=abc&app_id=A1");
  const auto ws = parse_url("ws://127.0.0.1:8765/link?ticket=t");
  REQUIRE(ws);
  CHECK_FALSE(ws->tls());
  CHECK(ws->port == 8765);
  CHECK(ws->host_header() == "127.0.0.1:8765");
}

TEST_CASE("hosts are lower-cased, targets default to slash, fragments are dropped") {
  const auto u = parse_url("HTTP://Example.COM#frag");
  REQUIRE(u);
  CHECK(u->scheme == "http");
  CHECK(u->host == "example.com");
  CHECK(u->port == 80);
  CHECK(u->target == "/");
  const auto q = parse_url("http://h?a=b");
  REQUIRE(q);
  CHECK(q->target == "/?a=b");
}

TEST_CASE("IPv6 literals are unbracketed in host and bracketed in the Host header") {
  const auto u = parse_url("http://[::1]:9000/api/");
  REQUIRE(u);
  CHECK(u->host == "::1");
  CHECK(u->port == 9000);
  CHECK(u->host_header() == "[::1]:9000");
}

TEST_CASE("malformed or unsupported URLs are refused") {
  for (const char* bad : {"", "slack.com/api", "ftp://slack.com/", "https://", "https://:443/",
                          "https://host:0/", "https://host:65536/", "https://host:12x/", "https://user@host/",
                          "http://[::1/", "http://host/a b", "https://host:/"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_url(bad));
  }
}

TEST_CASE("url_encode keeps unreserved characters and escapes the rest") {
  CHECK(url_encode("a-Z_0.9~") == "a-Z_0.9~");
  CHECK(url_encode("a+b@example.com") == "a%2Bb%40example.com");
  CHECK(url_encode("x y&z=") == "x%20y%26z%3D");
  CHECK(url_encode("\xC3\xA9") == "%C3%A9");
}
