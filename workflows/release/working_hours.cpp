#include "workflows/release/working_hours.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <stdexcept>

#include "core/text.hpp"

namespace tugboat::workflows {
namespace {

using std::chrono::minutes;

constexpr std::array<std::string_view, 7> kDayNames{"monday", "tuesday",  "wednesday", "thursday",
                                                    "friday", "saturday", "sunday"};
constexpr std::array<std::string_view, 7> kShortDayNames{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
// A week plus margin: even a zone that skips a whole day (Samoa, 2011-12-30) reaches a window in time.
constexpr int kSearchDays = 14;

// "9:00", "09:00", "24:00" → minutes after midnight.
std::optional<minutes> parse_clock(std::string_view s) {
  s = text::trim(s);
  auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || s.size() != colon + 3) return std::nullopt;
  int h = 0, m = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i == colon) continue;
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    int& part = i < colon ? h : m;
    part = part * 10 + (s[i] - '0');
  }
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
  return minutes{h * 60 + m};
}

// Monday = 0 .. Sunday = 6, or -1.
int parse_day(std::string_view word) {
  auto lower = text::to_lower(text::trim(word));
  if (lower.size() < 3) return -1;
  for (std::size_t i = 0; i < kDayNames.size(); ++i)
    if (kDayNames[i].substr(0, lower.size()) == lower) return static_cast<int>(i);
  return -1;
}

std::size_t day_index(std::chrono::local_days d) {
  return std::chrono::weekday{d}.iso_encoding() - 1;  // ISO: Monday = 1 .. Sunday = 7
}

std::string clock_text(minutes m) { return fmt::format("{:02}:{:02}", m.count() / 60, m.count() % 60); }

}  // namespace

working_hours parse_working_hours(std::string_view hours, std::string_view days) {
  const auto input = text::trim(hours);
  auto dash = input.find('-');
  std::optional<minutes> start, end;
  if (dash != std::string_view::npos) {
    start = parse_clock(input.substr(0, dash));
    end = parse_clock(input.substr(dash + 1));
  }
  if (!start || !end)
    throw std::invalid_argument(fmt::format("working_hours must look like 09:00-18:00, got \"{}\"", input));
  if (*start == minutes{24 * 60})
    throw std::invalid_argument(fmt::format("working_hours \"{}\" cannot start at 24:00", input));
  if (*end == minutes{0}) end = minutes{24 * 60};  // "22:00-00:00" runs to midnight
  if (*start == *end)
    throw std::invalid_argument(
        fmt::format("working_hours \"{}\" is an empty window; use 00:00-24:00 for the whole day", input));
  return working_hours{*start, *end, parse_working_days(days)};
}

std::bitset<7> parse_working_days(std::string_view days) {
  const auto input = text::trim(days);
  const auto lower = text::to_lower(input);
  if (lower == "weekdays") return std::bitset<7>{0b0011111};
  if (lower == "daily") return std::bitset<7>{0b1111111};
  std::bitset<7> out;
  std::size_t pos = 0;
  while (pos <= input.size()) {
    auto comma = std::min(input.find(',', pos), input.size());
    auto item = input.substr(pos, comma - pos);
    pos = comma + 1;
    auto dash = item.find('-');
    int first = parse_day(item.substr(0, dash));
    int last = dash == std::string_view::npos ? first : parse_day(item.substr(dash + 1));
    if (first < 0 || last < 0)
      throw std::invalid_argument(fmt::format(
          "working_days must look like Mon-Fri or Mon,Wed,Fri (days Mon..Sun), got \"{}\"", input));
    for (int d = first;; d = (d + 1) % 7) {  // "Sun-Thu" wraps past Sunday
      out.set(static_cast<std::size_t>(d));
      if (d == last) break;
    }
  }
  return out;
}

std::string format_working_hours(const working_hours& w) {
  std::string days;
  if (w.days.all()) {
    days = "Mon-Sun";
  } else if (w.days.none()) {
    days = "no days";
  } else {
    // Runs of consecutive days, in week order starting from the first day that begins a run.
    auto on = [&](int d) { return w.days.test(static_cast<std::size_t>((d + 7) % 7)); };
    int first = 0;
    while (!(on(first) && !on(first - 1))) ++first;
    for (int i = 0; i < 7;) {
      int d = first + i;
      if (!on(d)) {
        ++i;
        continue;
      }
      int run = 0;
      while (i + run < 7 && on(d + run)) ++run;
      if (!days.empty()) days += ',';
      days += kShortDayNames[static_cast<std::size_t>(d % 7)];
      if (run > 1) days += fmt::format("-{}", kShortDayNames[static_cast<std::size_t>((d + run - 1) % 7)]);
      i += run;
    }
  }
  return fmt::format("{} {}-{}", days, clock_text(w.start), clock_text(w.end));
}

bool is_working_time(sys_time t, const time_zone& z, const working_hours& w) {
  const auto local = z.to_local(t);
  const auto day = std::chrono::floor<std::chrono::days>(local);
  const auto time_of_day = local - day;
  const auto today = day_index(day);
  if (w.start < w.end) return w.days.test(today) && time_of_day >= w.start && time_of_day < w.end;
  if (w.start == w.end) return false;
  // Overnight: the evening part belongs to today, the early-morning part to yesterday's window.
  return (w.days.test(today) && time_of_day >= w.start) || (w.days.test((today + 6) % 7) && time_of_day < w.end);
}

sys_time next_working_instant(sys_time t, const time_zone& z, const working_hours& w) {
  if (w.days.none() || is_working_time(t, z, w)) return t;
  const auto today = std::chrono::floor<std::chrono::days>(z.to_local(t));
  for (int k = 0; k <= kSearchDays; ++k) {
    const auto day = today + std::chrono::days{k};
    if (!w.days.test(day_index(day))) continue;
    // The window opens at its local start time; if the clocks skip that time, right after the gap.
    const auto opens = z.from_local(day + w.start);
    if (opens > t && is_working_time(opens, z, w)) return opens;
  }
  return t;  // a window that never contains working time (start == end); don't hold anything back
}

sys_time next_reminder(sys_time last, std::chrono::seconds every, const time_zone& z, const working_hours& w) {
  return next_working_instant(last + every, z, w);
}

std::string describe_local(sys_time t, const time_zone& z) {
  const auto local = z.to_local(t);
  const auto day = std::chrono::floor<std::chrono::days>(local);
  const auto m = std::chrono::floor<minutes>(local - day).count();
  return fmt::format("{} {:02}:{:02} {}", kShortDayNames[day_index(day)], m / 60, m % 60, z.abbreviation_at(t));
}

}  // namespace tugboat::workflows
