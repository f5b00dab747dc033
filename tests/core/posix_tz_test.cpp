#include "core/posix_tz.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>

#include "core/timezone.hpp"

using namespace tugboat;
using std::chrono::day;
using std::chrono::hours;
using std::chrono::local_days;
using std::chrono::minutes;
using std::chrono::month;
using std::chrono::sys_days;
using std::chrono::year;

namespace {

std::int64_t at_utc(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
  auto t = sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm} + seconds{ss};
  return t.time_since_epoch().count();
}

// The offset (seconds east of UTC) just before and at a change.
void check_change(const posix_tz& tz, std::int64_t when, std::int32_t before, std::int32_t after) {
  CAPTURE(tz.text());
  CAPTURE(when);
  CHECK(tz.at(when - 1).utoff == before);
  CHECK(tz.at(when).utoff == after);
  CHECK(tz.at(when).begin == when);
  CHECK(tz.at(when - 1).end == when);
}

}  // namespace

TEST_CASE("a US rule changes on the second Sunday of March and the first of November") {
  auto tz = posix_tz::parse("EST5EDT,M3.2.0,M11.1.0");
  CHECK(tz.std_abbreviation() == "EST");
  CHECK(tz.std_utoff() == -5 * 3600);
  REQUIRE(tz.dst());
  CHECK(tz.dst()->abbreviation == "EDT");
  CHECK(tz.dst()->utoff == -4 * 3600);
  check_change(tz, at_utc(2026, 3, 8, 7), -18000, -14400);
  check_change(tz, at_utc(2026, 11, 1, 6), -14400, -18000);
  check_change(tz, at_utc(2040, 3, 11, 7), -18000, -14400);
  check_change(tz, at_utc(2040, 11, 4, 6), -14400, -18000);
  CHECK(*tz.at(at_utc(2026, 7, 1)).abbreviation == "EDT");
  CHECK(tz.at(at_utc(2026, 7, 1)).is_dst);
  CHECK(*tz.at(at_utc(2026, 1, 1)).abbreviation == "EST");
}

TEST_CASE("a DST name without dates gets the US rule, as in tzcode and glibc") {
  auto tz = posix_tz::parse("CST6CDT");
  check_change(tz, at_utc(2026, 3, 8, 8), -21600, -18000);
  check_change(tz, at_utc(2026, 11, 1, 7), -18000, -21600);
}

TEST_CASE("an angle-bracketed zone with a half-hour offset and no DST never changes") {
  auto tz = posix_tz::parse("<+0530>-5:30");
  CHECK(tz.std_abbreviation() == "+0530");
  CHECK_FALSE(tz.dst());
  auto p = tz.at(at_utc(2040, 6, 1));
  CHECK(p.utoff == 19800);
  CHECK(p.begin == posix_tz::kMin);
  CHECK(p.end == posix_tz::kMax);
  CHECK(posix_tz::parse("IST-5:30").at(0).utoff == 19800);
  CHECK(posix_tz::parse("<-03>3").at(0).utoff == -10800);
}

TEST_CASE("the EU rule changes at 01:00 UTC on the last Sundays of March and October") {
  auto tz = posix_tz::parse("CET-1CEST,M3.5.0,M10.5.0/3");
  check_change(tz, at_utc(2026, 3, 29, 1), 3600, 7200);
  check_change(tz, at_utc(2026, 10, 25, 1), 7200, 3600);
  check_change(tz, at_utc(2040, 3, 25, 1), 3600, 7200);
  check_change(tz, at_utc(2040, 10, 28, 1), 7200, 3600);
}

TEST_CASE("a southern-hemisphere rule is in DST across the new year") {
  auto tz = posix_tz::parse("AEST-10AEDT,M10.1.0,M4.1.0/3");
  check_change(tz, at_utc(2026, 4, 4, 16), 39600, 36000);
  check_change(tz, at_utc(2026, 10, 3, 16), 36000, 39600);
  CHECK(tz.at(at_utc(2026, 12, 31, 23)).is_dst);
  CHECK(tz.at(at_utc(2027, 1, 1, 1)).is_dst);
  CHECK_FALSE(tz.at(at_utc(2026, 7, 1)).is_dst);
}

TEST_CASE("odd offsets and rule times: Chatham, Nuuk's negative hour, Dublin's negative DST") {
  auto chatham = posix_tz::parse("<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45");
  check_change(chatham, at_utc(2040, 3, 31, 14), 49500, 45900);
  check_change(chatham, at_utc(2040, 9, 29, 14), 45900, 49500);

  auto nuuk = posix_tz::parse("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
  check_change(nuuk, at_utc(2028, 3, 26, 1), -7200, -3600);
  check_change(nuuk, at_utc(2028, 10, 29, 1), -3600, -7200);

  auto dublin = posix_tz::parse("IST-1GMT0,M10.5.0,M3.5.0/1");
  check_change(dublin, at_utc(2040, 3, 25, 1), 0, 3600);
  check_change(dublin, at_utc(2040, 10, 28, 1), 3600, 0);
  CHECK(*dublin.at(at_utc(2040, 7, 1)).abbreviation == "IST");
  CHECK_FALSE(dublin.at(at_utc(2040, 7, 1)).is_dst);
}

TEST_CASE("Julian Jn days skip February 29 and zero-based n days count it") {
  auto julian = posix_tz::parse("AAA3BBB,J60/2,J300/2");  // J60 is always March 1
  check_change(julian, at_utc(2028, 3, 1, 5), -10800, -7200);
  check_change(julian, at_utc(2027, 3, 1, 5), -10800, -7200);
  check_change(julian, at_utc(2028, 10, 27, 4), -7200, -10800);  // J300 is October 27

  auto zero = posix_tz::parse("AAA3BBB,59,299");  // day 59 is Feb 29 in a leap year, else March 1
  check_change(zero, at_utc(2028, 2, 29, 5), -10800, -7200);
  check_change(zero, at_utc(2027, 3, 1, 5), -10800, -7200);
  check_change(zero, at_utc(2028, 10, 26, 4), -7200, -10800);  // day 299 of a leap year
}

TEST_CASE("a rule that is in DST all year reads as DST everywhere") {
  auto tz = posix_tz::parse("EST5EDT,0/0,J365/25");
  for (int y : {2025, 2026, 2040})
    for (unsigned m : {1u, 6u, 12u}) CHECK(tz.at(at_utc(y, m, m == 12 ? 31u : 1u, 3)).utoff == -14400);
}

TEST_CASE("an explicit DST offset is honoured") {
  auto tz = posix_tz::parse("<+00>0<+02>-2,M3.5.0/1,M10.5.0/3");
  CHECK(tz.at(at_utc(2026, 7, 1)).utoff == 7200);
  CHECK(tz.at(at_utc(2026, 1, 1)).utoff == 0);
}

TEST_CASE("malformed rules are rejected with a message naming the rule") {
  for (const char* bad : {"", "E5", "EST", "EST5EDT,M3.2.0", "EST5EDT,M13.1.0,M11.1.0", "EST5EDT,M3.6.0,M11.1.0",
                          "EST5EDT,M3.2.7,M11.1.0", "EST5EDT,M3.2.0,M11.1.0x", "<+05", "<+0_5>-5", "EST25",
                          "EST5:60", "EST5EDT,J0,J365", "EST5EDT,366,0", "EST5EDT,M3.2.0/168,M11.1.0", "5EST"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(posix_tz::parse(bad), std::invalid_argument);
  }
  CHECK_THROWS_WITH(posix_tz::parse("EST5EDT,M3.2.0"), doctest::Contains("EST5EDT,M3.2.0"));
}

TEST_CASE("a zone built from a POSIX rule converts like the rule says") {
  auto tz = time_zone::from_posix("CET-1CEST,M3.5.0,M10.5.0/3");
  CHECK(tz->name() == "CET-1CEST,M3.5.0,M10.5.0/3");
  CHECK(tz->offset_at(sys_time{seconds{at_utc(2026, 7, 1)}}) == hours{2});
  CHECK(tz->abbreviation_at(sys_time{seconds{at_utc(2026, 1, 1)}}) == "CET");
  CHECK_THROWS_AS(time_zone::from_posix("nonsense"), std::invalid_argument);
}
