#include "core/posix_tz.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <stdexcept>

namespace tugboat {
namespace {

constexpr std::int32_t kHour = 3600;

[[noreturn]] void fail(std::string_view text, std::string_view why) {
  throw std::invalid_argument("invalid POSIX TZ rule \"" + std::string(text) + "\": " + std::string(why));
}

// A cursor over the rule text; every parse step either advances past what it read or throws.
struct cursor {
  std::string_view text;
  std::size_t pos = 0;

  bool done() const { return pos >= text.size(); }
  char peek() const { return done() ? '\0' : text[pos]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++pos;
    return true;
  }
  bool at_digit() const { return std::isdigit(static_cast<unsigned char>(peek())) != 0; }

  int number(int max, std::string_view what) {
    if (!at_digit()) fail(text, std::string(what) + " expected at position " + std::to_string(pos + 1));
    int n = 0;
    while (at_digit()) {
      n = n * 10 + (text[pos++] - '0');
      if (n > max) fail(text, std::string(what) + " out of range");
    }
    return n;
  }

  // "EST" (3+ letters) or "<+0530>" (3+ of [A-Za-z0-9+-] in angle brackets).
  std::string abbreviation() {
    std::string out;
    if (eat('<')) {
      while (!done() && peek() != '>') {
        char c = text[pos++];
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-')
          fail(text, "bad character in <...> zone abbreviation");
        out += c;
      }
      if (!eat('>')) fail(text, "unterminated <...> zone abbreviation");
    } else {
      while (std::isalpha(static_cast<unsigned char>(peek()))) out += text[pos++];
    }
    if (out.size() < 3) fail(text, "zone abbreviation must have at least 3 characters");
    return out;
  }

  // [+-]hh[:mm[:ss]] as seconds; `max_hours` is 24 for offsets and 167 for rule times.
  std::int32_t hms(int max_hours, std::string_view what) {
    int sign = 1;
    if (eat('-')) {
      sign = -1;
    } else {
      eat('+');
    }
    std::int32_t s = number(max_hours, what) * kHour;
    if (eat(':')) {
      s += number(59, what) * 60;
      if (eat(':')) s += number(59, what);
    }
    return sign * s;
  }

  posix_tz::rule_date date() {
    posix_tz::rule_date d;
    if (eat('J')) {
      d.form = posix_tz::rule_date::kind::julian_no_leap;
      d.day = number(365, "Julian day");
      if (d.day < 1) fail(text, "Julian day Jn must be 1..365");
    } else if (eat('M')) {
      d.form = posix_tz::rule_date::kind::month_week_day;
      d.month = number(12, "month");
      if (!eat('.')) fail(text, "Mm.w.d needs '.' after the month");
      d.week = number(5, "week");
      if (!eat('.')) fail(text, "Mm.w.d needs '.' after the week");
      d.weekday = number(6, "weekday");
      if (d.month < 1 || d.week < 1) fail(text, "Mm.w.d needs month 1..12 and week 1..5");
    } else {
      d.form = posix_tz::rule_date::kind::zero_based_day;
      d.day = number(365, "day of year");
    }
    if (eat('/')) d.time = hms(167, "transition time");
    return d;
  }
};

std::chrono::sys_days day_in_year(const posix_tz::rule_date& r, int y) {
  using namespace std::chrono;
  const year yr{y};
  switch (r.form) {
    case posix_tz::rule_date::kind::julian_no_leap:
      return sys_days{yr / January / 1} + days{r.day - 1 + (r.day >= 60 && yr.is_leap() ? 1 : 0)};
    case posix_tz::rule_date::kind::zero_based_day:
      return sys_days{yr / January / 1} + days{r.day};
    case posix_tz::rule_date::kind::month_week_day:
      break;
  }
  const month m{static_cast<unsigned>(r.month)};
  const weekday wd{static_cast<unsigned>(r.weekday)};
  if (r.week == 5) return sys_days{yr / m / weekday_last{wd}};
  return sys_days{yr / m / wd[static_cast<unsigned>(r.week)]};
}

// The instant a rule fires in year `y`, given the offset in force just before it.
std::int64_t instant(const posix_tz::rule_date& r, int y, std::int32_t utoff_before) {
  const auto day = day_in_year(r, y).time_since_epoch().count();
  return static_cast<std::int64_t>(day) * 86400 + r.time - utoff_before;
}

}  // namespace

posix_tz posix_tz::parse(std::string_view text) {
  cursor c{text};
  posix_tz tz;
  tz.text_ = std::string(text);
  tz.std_abbreviation_ = c.abbreviation();
  tz.std_utoff_ = -c.hms(24, "UTC offset");
  if (c.done()) return tz;

  dst_rule dst;
  dst.abbreviation = c.abbreviation();
  dst.utoff = tz.std_utoff_ + kHour;
  if (!c.done() && c.peek() != ',') dst.utoff = -c.hms(24, "DST offset");
  if (c.eat(',')) {
    dst.start = c.date();
    if (!c.eat(',')) fail(text, "a DST rule needs both a start and an end date");
    dst.end = c.date();
  } else {
    // No dates: the rule tzcode and glibc assume (the US rule since 2007).
    dst.start = rule_date{.month = 3, .week = 2, .weekday = 0};
    dst.end = rule_date{.month = 11, .week = 1, .weekday = 0};
  }
  if (!c.done()) fail(text, "unexpected text at position " + std::to_string(c.pos + 1));
  tz.dst_ = std::move(dst);
  return tz;
}

posix_tz::period posix_tz::at(std::int64_t t) const {
  if (!dst_) return period{kMin, kMax, std_utoff_, false, &std_abbreviation_};

  // Keep the year arithmetic far inside std::chrono::year's range; no caller asks about such times.
  constexpr std::int64_t kLimit = std::int64_t{1} << 38;  // ~8700 years either side of 1970
  const std::int64_t clamped = std::clamp(t, -kLimit, kLimit);
  using namespace std::chrono;
  const std::int64_t local = clamped + std_utoff_;
  const auto local_day = sys_days{days{local / 86400 - (local % 86400 < 0 ? 1 : 0)}};
  const int y = static_cast<int>(year_month_day{local_day}.year());

  // The changes of the years around t, in time order; at a tie the change into DST comes last so that
  // "DST all year" rules (start of one year == end of the previous) read as DST.
  struct change {
    std::int64_t when;
    bool to_dst;
  };
  std::array<change, 6> changes{};
  for (int i = 0; i < 3; ++i) {
    changes[static_cast<std::size_t>(2 * i)] = {instant(dst_->start, y - 1 + i, std_utoff_), true};
    changes[static_cast<std::size_t>(2 * i + 1)] = {instant(dst_->end, y - 1 + i, dst_->utoff), false};
  }
  std::sort(changes.begin(), changes.end(), [](const change& a, const change& b) {
    return a.when != b.when ? a.when < b.when : (!a.to_dst && b.to_dst);
  });

  auto after = std::upper_bound(changes.begin(), changes.end(), t,
                                [](std::int64_t v, const change& c) { return v < c.when; });
  period p;
  bool dst_now = false;
  if (after == changes.begin()) {
    dst_now = !after->to_dst;
  } else {
    dst_now = std::prev(after)->to_dst;
    p.begin = std::prev(after)->when;
  }
  if (after != changes.end()) p.end = after->when;
  p.is_dst = dst_now;
  p.utoff = dst_now ? dst_->utoff : std_utoff_;
  p.abbreviation = dst_now ? &dst_->abbreviation : &std_abbreviation_;
  return p;
}

}  // namespace tugboat
