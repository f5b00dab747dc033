#include "core/timezone.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <optional>
#include <thread>

#include <unistd.h>

using namespace tugboat;
using std::chrono::day;
using std::chrono::hours;
using std::chrono::local_days;
using std::chrono::minutes;
using std::chrono::month;
using std::chrono::sys_days;
using std::chrono::year;
using namespace std::chrono_literals;

namespace {

sys_time utc(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
  return sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm} + seconds{ss};
}
local_seconds local(int y, unsigned m, unsigned d, int hh = 0, int mm = 0) {
  return local_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm};
}

std::filesystem::path zoneinfo() {
  const char* dir = std::getenv("TZDIR");
  return (dir != nullptr && *dir != '\0') ? dir : "/usr/share/zoneinfo";
}

std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Offsets (seconds east of UTC) one second before a change and at it, plus the abbreviations.
void check_change(const time_zone& z, sys_time when, int before, int after, const char* abbr_before,
                  const char* abbr_after) {
  CAPTURE(z.name());
  CAPTURE(when.time_since_epoch().count());
  CHECK(z.offset_at(when - 1s) == seconds{before});
  CHECK(z.offset_at(when) == seconds{after});
  CHECK(z.abbreviation_at(when - 1s) == abbr_before);
  CHECK(z.abbreviation_at(when) == abbr_after);
}

// Sets TZDIR for one scope and puts back what was there.
class scoped_tzdir {
 public:
  explicit scoped_tzdir(const std::filesystem::path& dir) {
    if (const char* old = std::getenv("TZDIR")) old_ = old;
    ::setenv("TZDIR", dir.c_str(), 1);
  }
  ~scoped_tzdir() {
    if (old_) {
      ::setenv("TZDIR", old_->c_str(), 1);
    } else {
      ::unsetenv("TZDIR");
    }
  }
  scoped_tzdir(const scoped_tzdir&) = delete;
  scoped_tzdir& operator=(const scoped_tzdir&) = delete;

 private:
  std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("New York changes offset on 2026-03-08 and 2026-11-01") {
  auto ny = time_zone::load("America/New_York");
  CHECK(ny->name() == "America/New_York");
  check_change(*ny, utc(2026, 3, 8, 7), -18000, -14400, "EST", "EDT");
  check_change(*ny, utc(2026, 11, 1, 6), -14400, -18000, "EDT", "EST");
  CHECK(ny->is_dst_at(utc(2026, 7, 4)));
  CHECK_FALSE(ny->is_dst_at(utc(2026, 12, 25)));
}

TEST_CASE("Berlin changes offset on 2026-03-29 and 2026-10-25") {
  auto berlin = time_zone::load("Europe/Berlin");
  check_change(*berlin, utc(2026, 3, 29, 1), 3600, 7200, "CET", "CEST");
  check_change(*berlin, utc(2026, 10, 25, 1), 7200, 3600, "CEST", "CET");
}

TEST_CASE("Sydney leaves DST on 2026-04-05 and enters it on 2026-10-04, local date") {
  auto sydney = time_zone::load("Australia/Sydney");
  check_change(*sydney, utc(2026, 4, 4, 16), 39600, 36000, "AEDT", "AEST");
  check_change(*sydney, utc(2026, 10, 3, 16), 36000, 39600, "AEST", "AEDT");
}

TEST_CASE("Kolkata is +05:30 all year, UTC is zero, and odd offsets are exact") {
  auto kolkata = time_zone::load("Asia/Kolkata");
  for (auto t : {utc(2026, 1, 1), utc(2026, 7, 1), utc(2040, 3, 1)}) {
    CHECK(kolkata->offset_at(t) == 5h + 30min);
    CHECK(kolkata->abbreviation_at(t) == "IST");
  }
  for (const char* name : {"UTC", "Etc/UTC"}) {
    auto z = time_zone::load(name);
    CHECK(z->offset_at(utc(2026, 6, 1)) == 0s);
    CHECK(z->abbreviation_at(utc(2026, 6, 1)) == "UTC");
  }
  auto st_johns = time_zone::load("America/St_Johns");
  check_change(*st_johns, utc(2026, 3, 8, 5, 30), -12600, -9000, "NST", "NDT");
  check_change(*st_johns, utc(2026, 11, 1, 4, 30), -9000, -12600, "NDT", "NST");
  auto chatham = time_zone::load("Pacific/Chatham");
  check_change(*chatham, utc(2026, 4, 4, 14), 49500, 45900, "+1345", "+1245");
  check_change(*chatham, utc(2026, 9, 26, 14), 45900, 49500, "+1245", "+1345");
}

TEST_CASE("far-future instants follow the footer rule (2040)") {
  check_change(*time_zone::load("America/New_York"), utc(2040, 3, 11, 7), -18000, -14400, "EST", "EDT");
  check_change(*time_zone::load("America/New_York"), utc(2040, 11, 4, 6), -14400, -18000, "EDT", "EST");
  check_change(*time_zone::load("Europe/Berlin"), utc(2040, 3, 25, 1), 3600, 7200, "CET", "CEST");
  check_change(*time_zone::load("Europe/Berlin"), utc(2040, 10, 28, 1), 7200, 3600, "CEST", "CET");
  check_change(*time_zone::load("Australia/Sydney"), utc(2040, 3, 31, 16), 39600, 36000, "AEDT", "AEST");
  check_change(*time_zone::load("Australia/Sydney"), utc(2040, 10, 6, 16), 36000, 39600, "AEST", "AEDT");
  check_change(*time_zone::load("Pacific/Chatham"), utc(2040, 9, 29, 14), 45900, 49500, "+1245", "+1345");
  check_change(*time_zone::load("Europe/Dublin"), utc(2040, 10, 28, 1), 3600, 0, "IST", "GMT");
  check_change(*time_zone::load("America/Nuuk"), utc(2040, 3, 25, 1), -7200, -3600, "-02", "-01");
}

TEST_CASE("our offsets agree with the C library's over two centuries") {
  // glibc reads the same files with an independent implementation; compare at a stride that lands on
  // every time of day and season. Deterministic: fixed instants, no clock.
  for (const char* name : {"America/New_York", "Europe/Berlin", "Australia/Sydney", "Pacific/Chatham",
                           "America/St_Johns", "Europe/Dublin", "America/Nuuk", "Asia/Kolkata"}) {
    auto z = time_zone::load(name);
    ::setenv("TZ", name, 1);
    ::tzset();
    int mismatches = 0;
    for (std::int64_t s = utc(1900, 1, 1).time_since_epoch() / 1s; s < utc(2100, 1, 1).time_since_epoch() / 1s;
         s += 2 * 86400 + 3 * 3600 + 17 * 60 + 13) {
      std::time_t tt = s;
      std::tm tm{};
      REQUIRE(::localtime_r(&tt, &tm) != nullptr);
      if (z->offset_at(sys_time{seconds{s}}) != seconds{tm.tm_gmtoff} ||
          z->abbreviation_at(sys_time{seconds{s}}) != tm.tm_zone) {
        if (++mismatches <= 3) FAIL_CHECK(name << " differs from glibc at " << s);
      }
    }
    CHECK(mismatches == 0);
  }
  ::unsetenv("TZ");
  ::tzset();
}

TEST_CASE("local times convert to instants: unique, in a gap, and in an overlap") {
  auto ny = time_zone::load("America/New_York");
  CHECK(ny->from_local(local(2026, 6, 1, 9)) == utc(2026, 6, 1, 13));
  CHECK(ny->to_local(utc(2026, 6, 1, 13)) == local(2026, 6, 1, 9));
  // 02:30 does not happen on 2026-03-08: the clocks go from 01:59:59 EST to 03:00 EDT.
  CHECK(ny->from_local(local(2026, 3, 8, 2, 30)) == utc(2026, 3, 8, 7));
  CHECK(ny->from_local(local(2026, 3, 8, 2, 30), choose::latest) == utc(2026, 3, 8, 7));
  CHECK(ny->from_local(local(2026, 3, 8, 3)) == utc(2026, 3, 8, 7));
  CHECK(ny->from_local(local(2026, 3, 8, 1, 59)) == utc(2026, 3, 8, 6, 59));
  // 01:30 happens twice on 2026-11-01: first in EDT, then in EST.
  CHECK(ny->from_local(local(2026, 11, 1, 1, 30)) == utc(2026, 11, 1, 5, 30));
  CHECK(ny->from_local(local(2026, 11, 1, 1, 30), choose::latest) == utc(2026, 11, 1, 6, 30));
  CHECK(ny->from_local(local(2026, 11, 1, 2)) == utc(2026, 11, 1, 7));

  auto sydney = time_zone::load("Australia/Sydney");
  CHECK(sydney->from_local(local(2026, 10, 4, 2, 15)) == utc(2026, 10, 3, 16));
  CHECK(sydney->from_local(local(2026, 4, 5, 2, 30)) == utc(2026, 4, 4, 15, 30));
  CHECK(sydney->from_local(local(2026, 4, 5, 2, 30), choose::latest) == utc(2026, 4, 4, 16, 30));

  auto chatham = time_zone::load("Pacific/Chatham");
  CHECK(chatham->from_local(local(2026, 9, 27, 3)) == utc(2026, 9, 26, 14));
  CHECK(chatham->from_local(local(2040, 9, 30, 3)) == utc(2040, 9, 29, 14));  // in the footer's years

  auto utc_zone = time_zone::utc();
  CHECK(utc_zone->from_local(local(2026, 3, 8, 2, 30)) == utc(2026, 3, 8, 2, 30));
}

TEST_CASE("every instant survives a round trip through local time") {
  for (const char* name : {"America/New_York", "Australia/Sydney", "Pacific/Chatham", "Europe/Dublin"}) {
    auto z = time_zone::load(name);
    for (auto t = utc(2026, 1, 1); t < utc(2027, 1, 1); t += 37min) {
      auto l = z->to_local(t);
      auto back = z->from_local(l);
      auto later = z->from_local(l, choose::latest);
      CAPTURE(name);
      CAPTURE(t.time_since_epoch().count());
      CHECK(z->to_local(back) == l);
      CHECK(z->to_local(later) == l);
      CHECK((back == std::chrono::floor<seconds>(t) || later == std::chrono::floor<seconds>(t)));
    }
  }
}

TEST_CASE("unsafe zone names are refused before touching the file system") {
  for (const char* bad : {"", "/etc/passwd", "../etc/passwd", "America/../../etc/passwd", "./UTC", "Europe//Berlin",
                          "Europe/Berlin/", "Europe/Berlin\n", "Europe/Ber lin", "Europe\\Berlin", "UTC;rm"}) {
    CAPTURE(bad);
    CHECK_THROWS_WITH_AS(time_zone::load(bad), doctest::Contains("invalid time zone name"), std::runtime_error);
  }
  CHECK_THROWS_AS(time_zone::load(std::string(300, 'A')), std::runtime_error);
  CHECK_THROWS_AS(time_zone::load(std::string_view("UTC\0x", 5)), std::runtime_error);
}

TEST_CASE("unknown zones and directories are reported as unknown") {
  CHECK_THROWS_WITH_AS(time_zone::load("Mars/Olympus_Mons"), doctest::Contains("unknown time zone \"Mars/Olympus_Mons\""),
                       std::runtime_error);
  CHECK_THROWS_WITH_AS(time_zone::load("America"), doctest::Contains("unknown time zone"), std::runtime_error);
  CHECK_THROWS_AS(time_zone::get("Mars/Olympus_Mons"), std::runtime_error);
}

TEST_CASE("TZDIR points at another directory, where corrupt files are rejected") {
  auto dir = std::filesystem::temp_directory_path() / ("tugboat-tz-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "Test");
  const auto good = read_bytes(zoneinfo() / "America/New_York");
  REQUIRE(good.size() > 100);
  auto write = [&](const char* name, const std::string& bytes) {
    std::ofstream(dir / name, std::ios::binary) << bytes;
  };
  write("Test/Copy", good);
  write("Test/Garbage", "this is not a zone file\n");
  write("Test/Truncated", good.substr(0, 100));
  write("Test/Empty", "");
  {
    scoped_tzdir tzdir(dir);
    CHECK(time_zone::load("Test/Copy")->offset_at(utc(2026, 7, 1)) == -4h);
    for (const char* name : {"Test/Garbage", "Test/Truncated", "Test/Empty"}) {
      CAPTURE(name);
      CHECK_THROWS_WITH_AS(time_zone::load(name), doctest::Contains("is not a valid TZif file"), std::runtime_error);
    }
    CHECK_THROWS_WITH_AS(time_zone::load("America/New_York"), doctest::Contains("unknown time zone"),
                         std::runtime_error);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("every truncation and many corruptions of a real file are rejected or read safely") {
  const auto bytes = read_bytes(zoneinfo() / "Europe/Berlin");
  REQUIRE(bytes.size() > 100);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    CAPTURE(n);
    CHECK_THROWS_AS(time_zone::from_tzif("cut", std::string_view(bytes).substr(0, n)), std::runtime_error);
  }
  // Deterministic byte flips: whatever they do, reading must not crash or read out of bounds
  // (the sanitizer build checks that), and a zone that parses must still answer.
  std::uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
  for (int i = 0; i < 2000; ++i) {
    std::string copy = bytes;
    for (int k = 0; k < 3; ++k) copy[next() % copy.size()] = static_cast<char>(next() >> 24);
    try {
      auto z = time_zone::from_tzif("flipped", copy);
      (void)z->offset_at(utc(2026, 7, 1));
      (void)z->from_local(local(2040, 3, 25, 2, 30));
    } catch (const std::exception&) {
    }
  }
}

TEST_CASE("a version-1 file uses its 32-bit data block") {
  // One transition at 2001-09-09T01:46:40Z from "AAA" (UTC-5) to "BBB" (UTC-4, DST).
  std::string f = "TZif";
  f += std::string(16, '\0');
  auto u32 = [&](std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) f += static_cast<char>((v >> shift) & 0xff);
  };
  for (std::uint32_t count : {0u, 0u, 0u, 1u, 2u, 8u}) u32(count);  // isut, isstd, leap, time, type, char
  u32(1'000'000'000);
  f += '\1';
  u32(static_cast<std::uint32_t>(-18000));
  f += std::string("\0\0", 2);
  u32(static_cast<std::uint32_t>(-14400));
  f += std::string("\1\4", 2);
  f += std::string("AAA\0BBB\0", 8);
  auto z = time_zone::from_tzif("v1", f);
  check_change(*z, sys_time{1'000'000'000s}, -18000, -14400, "AAA", "BBB");
  CHECK(z->offset_at(utc(1900, 1, 1)) == -5h);
  CHECK(z->offset_at(utc(2040, 1, 1)) == -4h);  // no footer in version 1: the last type stays
}

TEST_CASE("a slim file's future comes from its footer alone") {
  // Version 2 with one 64-bit transition (2007-01-01) and the US rule in the footer, as zic -b slim writes.
  auto u32 = [](std::string& s, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((v >> shift) & 0xff);
  };
  std::string v1 = "TZif2" + std::string(15, '\0');
  for (std::uint32_t count : {0u, 0u, 0u, 0u, 1u, 4u}) u32(v1, count);
  u32(v1, static_cast<std::uint32_t>(-18000));
  v1 += std::string("\0\0EST\0", 6);
  std::string v2 = "TZif2" + std::string(15, '\0');
  for (std::uint32_t count : {0u, 0u, 0u, 1u, 2u, 8u}) u32(v2, count);
  u32(v2, 0);
  u32(v2, static_cast<std::uint32_t>(utc(2007, 1, 1).time_since_epoch() / 1s));
  v2 += '\1';
  u32(v2, static_cast<std::uint32_t>(-21600));
  v2 += std::string("\0\0", 2);
  u32(v2, static_cast<std::uint32_t>(-18000));
  v2 += std::string("\0\4", 2);
  v2 += std::string("CST\0EST\0", 8);
  v2 += "\nEST5EDT,M3.2.0,M11.1.0\n";
  auto z = time_zone::from_tzif("slim", v1 + v2);
  CHECK(z->offset_at(utc(2006, 7, 1)) == -6h);
  check_change(*z, utc(2026, 3, 8, 7), -18000, -14400, "EST", "EDT");
  check_change(*z, utc(2026, 11, 1, 6), -14400, -18000, "EDT", "EST");
  CHECK(z->offset_at(utc(2007, 1, 1)) == -5h);  // the footer starts no earlier than the last transition
  CHECK(z->from_local(local(2026, 3, 8, 2, 30)) == utc(2026, 3, 8, 7));

  std::string bad_footer = v1 + v2.substr(0, v2.size() - 24) + "\nEST5EDT,M3.2.0\n";
  CHECK_THROWS_WITH_AS(time_zone::from_tzif("slim", bad_footer), doctest::Contains("is not a valid TZif file"),
                       std::runtime_error);
}

TEST_CASE("get loads each zone once and shares it across threads") {
  auto first = time_zone::get("Europe/Berlin");
  CHECK(time_zone::get("Europe/Berlin") == first);
  std::vector<std::shared_ptr<const time_zone>> seen(4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < seen.size(); ++i) threads.emplace_back([&, i] { seen[i] = time_zone::get("Asia/Tokyo"); });
  for (auto& t : threads) t.join();
  for (const auto& z : seen) CHECK(z == seen.front());
  CHECK(seen.front()->offset_at(utc(2026, 1, 1)) == 9h);
}

TEST_CASE("fixed offsets stand in when only Slack's tz_offset is known") {
  auto plus = time_zone::fixed(19800s);
  CHECK(plus->name() == "UTC+05:30");
  CHECK(plus->offset_at(utc(2026, 1, 1)) == 19800s);
  CHECK(plus->abbreviation_at(utc(2026, 1, 1)) == "UTC+05:30");
  CHECK(time_zone::fixed(-8h)->name() == "UTC-08:00");
  CHECK(time_zone::fixed(0s) == time_zone::utc());
  CHECK(time_zone::fixed(-8h)->from_local(local(2026, 3, 8, 2, 30)) == utc(2026, 3, 8, 10, 30));
  CHECK_THROWS_AS(time_zone::fixed(27h), std::invalid_argument);

  CHECK(time_zone::for_slack_user("America/Los_Angeles", -28800s)->name() == "America/Los_Angeles");
  CHECK(time_zone::for_slack_user("Not/A_Zone", -25200s)->name() == "UTC-07:00");
  CHECK(time_zone::for_slack_user("../../etc/passwd", 3600s)->name() == "UTC+01:00");
  CHECK(time_zone::for_slack_user("", 0s)->name() == "UTC");
}
