#include "workflows/release/working_hours.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>

using namespace tugboat;
using namespace tugboat::workflows;
using namespace std::chrono_literals;
using std::chrono::day;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::month;
using std::chrono::sys_days;
using std::chrono::year;

namespace {

sys_time utc(int y, unsigned m, unsigned d, int hh = 0, int mm = 0) {
  return sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm};
}

const time_zone& zone(const char* name) { return *time_zone::get(name); }

std::bitset<7> days(const char* bits) { return std::bitset<7>{std::string(bits)}; }  // "SatFri..Mon" order

}  // namespace

TEST_CASE("working hours parse from the config's HH:MM-HH:MM form") {
  auto w = parse_working_hours("09:00-18:00");
  CHECK(w.start == 9h);
  CHECK(w.end == 18h);
  CHECK(w.days == days("0011111"));
  CHECK(parse_working_hours(" 9:30 - 17:45 ", "Mon").start == 9h + 30min);
  CHECK(parse_working_hours("00:00-24:00").end == 24h);
  CHECK(parse_working_hours("22:00-06:00").end == 6h);   // overnight
  CHECK(parse_working_hours("22:00-00:00").end == 24h);  // to midnight
  CHECK(parse_working_hours("08:00-16:00", "Sun-Thu").days == days("1001111"));
}

TEST_CASE("malformed working hours are refused with a message fit for a config error") {
  for (const char* bad : {"", "9-5", "09:00", "9am-5pm", "09:00-18:60", "25:00-26:00", "09:00-18:00-19:00",
                          "0900-1800", "09:0-18:00", "-09:00-18:00", "24:30-06:00", "09:00-", "x09:00-18:00"}) {
    CAPTURE(bad);
    CHECK_THROWS_WITH_AS(parse_working_hours(bad), doctest::Contains("working_hours must look like 09:00-18:00"),
                         std::invalid_argument);
  }
  CHECK_THROWS_WITH_AS(parse_working_hours("9am-5pm"),
                       "working_hours must look like 09:00-18:00, got \"9am-5pm\"", std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_working_hours("09:00-09:00"), doctest::Contains("empty window"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_working_hours("24:00-06:00"), doctest::Contains("cannot start at 24:00"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_working_hours("09:00-18:00", "Mon-Fry"), doctest::Contains("working_days must look like"),
                       std::invalid_argument);
}

TEST_CASE("working days parse as ranges, lists, wrapping ranges and full names, in any case") {
  CHECK(parse_working_days("Mon-Fri") == days("0011111"));
  CHECK(parse_working_days("Mon,Wed,Fri") == days("0010101"));
  CHECK(parse_working_days("Sun-Thu") == days("1001111"));
  CHECK(parse_working_days("Mon-Fri,Sun") == days("1011111"));
  CHECK(parse_working_days("MONDAY - friday") == days("0011111"));
  CHECK(parse_working_days("tues, Thurs") == days("0001010"));
  CHECK(parse_working_days("Sat-Sun") == days("1100000"));
  CHECK(parse_working_days("Fri-Fri") == days("0010000"));
  CHECK(parse_working_days("Weekdays") == days("0011111"));
  CHECK(parse_working_days("daily") == days("1111111"));
  for (const char* bad : {"", "Mon-", "-Fri", "Fry", "Mo", "Mon,,Fri", "Mon,", "Mon-Fri;", "Mon..Fri", "Mon-Tue-Wed"}) {
    CAPTURE(bad);
    CHECK_THROWS_WITH_AS(parse_working_days(bad), doctest::Contains("working_days must look like Mon-Fri"),
                         std::invalid_argument);
  }
}

TEST_CASE("working hours format back compactly") {
  CHECK(format_working_hours(parse_working_hours("09:00-18:00")) == "Mon-Fri 09:00-18:00");
  CHECK(format_working_hours(parse_working_hours("08:00-16:30", "Sun-Thu")) == "Sun-Thu 08:00-16:30");
  CHECK(format_working_hours(parse_working_hours("10:00-14:00", "Mon,Wed,Fri")) == "Mon,Wed,Fri 10:00-14:00");
  CHECK(format_working_hours(parse_working_hours("00:00-24:00", "daily")) == "Mon-Sun 00:00-24:00");
  CHECK(format_working_hours(parse_working_hours("22:00-06:00", "Mon,Tue,Thu")) == "Mon-Tue,Thu 22:00-06:00");
  CHECK(format_working_hours(working_hours{9h, 17h, {}}) == "no days 09:00-17:00");
}

TEST_CASE("an instant is working time only inside the window on a working day") {
  const auto& ny = zone("America/New_York");
  const working_hours w;  // Mon-Fri 09:00-18:00
  CHECK(is_working_time(utc(2026, 3, 2, 15), ny, w));          // Mon 10:00 EST
  CHECK(is_working_time(utc(2026, 3, 2, 14), ny, w));          // Mon 09:00 EST: the start is inside
  CHECK_FALSE(is_working_time(utc(2026, 3, 2, 13, 59), ny, w)); // Mon 08:59
  CHECK(is_working_time(utc(2026, 3, 2, 22, 59), ny, w));      // Mon 17:59
  CHECK_FALSE(is_working_time(utc(2026, 3, 2, 23), ny, w));    // Mon 18:00: the end is outside
  CHECK_FALSE(is_working_time(utc(2026, 3, 7, 15), ny, w));    // Saturday
  CHECK(is_working_time(utc(2026, 7, 6, 13), ny, w));          // Mon 09:00 EDT
  CHECK_FALSE(is_working_time(utc(2026, 7, 6, 12, 59), ny, w));
}

TEST_CASE("outside the window, the next working instant is the next window's local start") {
  const auto& ny = zone("America/New_York");
  const working_hours w;
  CHECK(next_working_instant(utc(2026, 3, 2, 15), ny, w) == utc(2026, 3, 2, 15));  // inside: itself
  CHECK(next_working_instant(utc(2026, 3, 2, 12), ny, w) == utc(2026, 3, 2, 14));  // Mon 07:00 → 09:00
  CHECK(next_working_instant(utc(2026, 3, 2, 23), ny, w) == utc(2026, 3, 3, 14));  // Mon 18:00 → Tue 09:00
  // Friday evening, EST → Monday 09:00, which is EDT after the 2026-03-08 change.
  CHECK(next_working_instant(utc(2026, 3, 7, 0), ny, w) == utc(2026, 3, 9, 13));
  CHECK(next_working_instant(utc(2026, 3, 8, 15), ny, w) == utc(2026, 3, 9, 13));  // Sunday
}

TEST_CASE("reminders every 4h land at 09:00 local on both sides of a DST change") {
  const auto& ny = zone("America/New_York");
  const working_hours w;
  // Before the change: Thursday 17:00 EST + 4h is outside, so Friday 09:00 EST.
  auto fri = next_reminder(utc(2026, 3, 5, 22), 4h, ny, w);
  CHECK(fri == utc(2026, 3, 6, 14));
  CHECK(describe_local(fri, ny) == "Fri 09:00 EST");
  // Across it: Friday 17:00 EST + 4h → Monday 09:00 EDT.
  auto mon = next_reminder(utc(2026, 3, 6, 22), 4h, ny, w);
  CHECK(mon == utc(2026, 3, 9, 13));
  CHECK(describe_local(mon, ny) == "Mon 09:00 EDT");
  // Then through the day: 13:00, 17:00, and Tuesday 09:00.
  auto r2 = next_reminder(mon, 4h, ny, w);
  auto r3 = next_reminder(r2, 4h, ny, w);
  auto r4 = next_reminder(r3, 4h, ny, w);
  CHECK(describe_local(r2, ny) == "Mon 13:00 EDT");
  CHECK(describe_local(r3, ny) == "Mon 17:00 EDT");
  CHECK(describe_local(r4, ny) == "Tue 09:00 EDT");

  // Europe falls back on 2026-10-25: Friday 09:00 CEST is 07:00Z, Monday 09:00 CET is 08:00Z.
  const auto& berlin = zone("Europe/Berlin");
  CHECK(next_reminder(utc(2026, 10, 22, 15), 4h, berlin, w) == utc(2026, 10, 23, 7));
  CHECK(next_reminder(utc(2026, 10, 23, 15), 4h, berlin, w) == utc(2026, 10, 26, 8));
  CHECK(describe_local(utc(2026, 10, 26, 8), berlin) == "Mon 09:00 CET");

  // Sydney leaves DST on Sunday 2026-04-05: Monday 09:00 AEST is Sunday 23:00Z.
  const auto& sydney = zone("Australia/Sydney");
  CHECK(next_reminder(utc(2026, 4, 3, 6), 4h, sydney, w) == utc(2026, 4, 5, 23));
}

TEST_CASE("Mon-Fri in Asia/Kolkata follows +05:30") {
  const auto& kolkata = zone("Asia/Kolkata");
  const auto w = parse_working_hours("09:00-18:00", "Mon-Fri");
  CHECK(is_working_time(utc(2026, 3, 2, 3, 30), kolkata, w));   // Mon 09:00 IST
  CHECK_FALSE(is_working_time(utc(2026, 3, 2, 3, 29), kolkata, w));
  CHECK_FALSE(is_working_time(utc(2026, 3, 6, 12, 30), kolkata, w));  // Fri 18:00 IST
  CHECK(next_working_instant(utc(2026, 3, 6, 13), kolkata, w) == utc(2026, 3, 9, 3, 30));
  CHECK(describe_local(utc(2026, 3, 9, 3, 30), kolkata) == "Mon 09:00 IST");
}

TEST_CASE("an overnight window belongs to the day it starts on") {
  const auto& utc_zone = *time_zone::utc();
  const auto w = parse_working_hours("22:00-06:00", "Fri");
  CHECK(is_working_time(utc(2026, 3, 6, 23), utc_zone, w));         // Fri 23:00
  CHECK(is_working_time(utc(2026, 3, 7, 5, 59), utc_zone, w));      // Sat 05:59, Friday's window
  CHECK_FALSE(is_working_time(utc(2026, 3, 7, 6), utc_zone, w));    // Sat 06:00
  CHECK_FALSE(is_working_time(utc(2026, 3, 7, 23), utc_zone, w));   // Sat 23:00
  CHECK_FALSE(is_working_time(utc(2026, 3, 6, 5), utc_zone, w));    // Fri 05:00 belongs to Thursday
  CHECK(next_working_instant(utc(2026, 3, 7, 7), utc_zone, w) == utc(2026, 3, 13, 22));
}

TEST_CASE("a window starting inside a DST gap opens right after the gap") {
  const auto& ny = zone("America/New_York");
  const auto w = parse_working_hours("02:30-04:00", "Sun");
  CHECK(next_working_instant(utc(2026, 3, 8, 5), ny, w) == utc(2026, 3, 8, 7));  // 03:00 EDT
  CHECK(is_working_time(utc(2026, 3, 8, 7), ny, w));
}

TEST_CASE("with no working days, or an empty window, nothing is held back and nothing loops") {
  const auto& ny = zone("America/New_York");
  const working_hours none{9h, 18h, {}};
  CHECK_FALSE(is_working_time(utc(2026, 3, 2, 15), ny, none));
  CHECK(next_working_instant(utc(2026, 3, 2, 15), ny, none) == utc(2026, 3, 2, 15));
  CHECK(next_reminder(utc(2026, 3, 2, 15), 4h, ny, none) == utc(2026, 3, 2, 19));
  const working_hours empty{9h, 9h, days("0011111")};
  CHECK(next_working_instant(utc(2026, 3, 2, 15), ny, empty) == utc(2026, 3, 2, 15));
}

TEST_CASE("the next working instant is working time and nothing before it is") {
  const working_hours windows[] = {parse_working_hours("09:00-18:00"), parse_working_hours("08:00-16:00", "Sun-Thu"),
                                   parse_working_hours("22:00-06:00", "Mon,Wed"),
                                   parse_working_hours("01:30-02:30", "Sun")};
  for (const char* name : {"America/New_York", "Australia/Sydney", "Asia/Kolkata", "Pacific/Chatham"}) {
    const auto& z = zone(name);
    for (const auto& w : windows) {
      for (auto t = utc(2026, 1, 1); t < utc(2027, 1, 1); t += 17h + 13min) {
        auto next = next_working_instant(t, z, w);
        CAPTURE(name);
        CAPTURE(format_working_hours(w));
        CAPTURE(describe_local(t, z));
        REQUIRE(next >= t);
        CHECK(is_working_time(next, z, w));
        auto probe = t;
        while (probe < next && !is_working_time(probe, z, w)) probe += 20min;
        CHECK(probe >= next);  // no working time was skipped
      }
    }
  }
}

TEST_CASE("instants are described in local time with the zone's abbreviation") {
  CHECK(describe_local(utc(2026, 1, 5, 17), zone("America/Los_Angeles")) == "Mon 09:00 PST");
  CHECK(describe_local(utc(2026, 7, 6, 16), zone("America/Los_Angeles")) == "Mon 09:00 PDT");
  CHECK(describe_local(utc(2026, 1, 4, 23, 59), *time_zone::utc()) == "Sun 23:59 UTC");
  CHECK(describe_local(utc(2026, 1, 5, 1), *time_zone::fixed(-8h)) == "Sun 17:00 UTC-08:00");
}
