#include "core/text.hpp"

#include <doctest/doctest.h>

using namespace tugboat;

TEST_CASE("durations parse in the forms the config uses") {
  CHECK(text::parse_duration("30m") == std::chrono::seconds{1800});
  CHECK(text::parse_duration("4h") == std::chrono::seconds{4 * 3600});
  CHECK(text::parse_duration("1h30m") == std::chrono::seconds{5400});
  CHECK(text::parse_duration(" 90s ") == std::chrono::seconds{90});
  CHECK(text::parse_duration("2d") == std::chrono::seconds{172800});
  CHECK_FALSE(text::parse_duration(""));
  CHECK_FALSE(text::parse_duration("30"));
  CHECK_FALSE(text::parse_duration("m"));
  CHECK_FALSE(text::parse_duration("5x"));
  CHECK_FALSE(text::parse_duration("-5m"));
}

TEST_CASE("durations format compactly") {
  CHECK(text::format_duration(std::chrono::seconds{5400}) == "1h30m");
  CHECK(text::format_duration(std::chrono::seconds{42}) == "42s");
  CHECK(text::format_duration(std::chrono::seconds{0}) == "0s");
}

TEST_CASE("invalid UTF-8 and control characters are cleaned, valid text is kept") {
  CHECK(text::clean_utf8("héllo ✓ 😀") == "héllo ✓ 😀");
  CHECK(text::clean_utf8("a\xFF" "b") == "a\xEF\xBF\xBD" "b");
  CHECK(text::clean_utf8("a\xC0\xAF" "b") == "a\xEF\xBF\xBD\xEF\xBF\xBD" "b");  // overlong '/'
  CHECK(text::clean_utf8("tab\there\nnew\x01line\r") == "tab\there\nnew line");
  CHECK(text::clean_utf8("cut \xE2\x9C") == "cut \xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_CASE("tail_lines keeps the last lines") {
  CHECK(text::tail_lines("a\nb\nc\n", 2) == "b\nc");
  CHECK(text::tail_lines("a\nb", 5) == "a\nb");
  CHECK(text::tail_lines("", 3).empty());
}

TEST_CASE("words split on any whitespace and commands match whole words") {
  auto w = text::split_words("  release\t1.4.0  now ");
  REQUIRE(w.size() == 3);
  CHECK(w[1] == "1.4.0");
  CHECK(text::starts_with_word("Help me", "help"));
  CHECK_FALSE(text::starts_with_word("helpful", "help"));
}

TEST_CASE("people's text is escaped for mrkdwn so it cannot mention or link") {
  CHECK(text::escape_mrkdwn("a <!channel> & <@U1>") == "a &lt;!channel&gt; &amp; &lt;@U1&gt;");
  CHECK(text::unescape_mrkdwn(text::escape_mrkdwn("x < y && z > 1")) == "x < y && z > 1");
}
