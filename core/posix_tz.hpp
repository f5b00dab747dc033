#pragma once
// A POSIX TZ rule string such as "EST5EDT,M3.2.0,M11.1.0" or "<+0530>-5:30": the footer of a TZif file,
// which says what the zone does after its last listed transition. Debian may ship "slim" TZif files in
// which every future daylight-saving change exists only in this footer. `time_zone` owns one; it is
// separate so the rule arithmetic can be read and tested on its own. Immutable after parsing, so any
// thread may use it. Times here are whole seconds since the Unix epoch (UTC); offsets are seconds east
// of UTC (the opposite sign of the POSIX text, where "EST5" means five hours *west*).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tugboat {

class posix_tz {
 public:
  // When in the year a daylight-saving change happens, in the local time in force just before it.
  struct rule_date {
    enum class kind { julian_no_leap, zero_based_day, month_week_day };  // "Jn", "n", "Mm.w.d"
    kind form = kind::month_week_day;
    int day = 0;       // Jn: 1..365 (Feb 29 never counted); n: 0..365
    int month = 0;     // Mm.w.d: 1..12
    int week = 0;      // 1..5, where 5 means the last such weekday of the month
    int weekday = 0;   // 0 = Sunday .. 6 = Saturday
    std::int32_t time = 2 * 3600;  // seconds after local midnight; -167h..167h (TZif version 3)
  };
  struct dst_rule {
    std::string abbreviation;
    std::int32_t utoff = 0;
    rule_date start, end;
  };
  // The offset in force at an instant and the interval [begin, end) over which it holds (as far as the
  // rule alone knows: kMin / kMax when it never changes).
  struct period {
    std::int64_t begin = kMin, end = kMax;
    std::int32_t utoff = 0;
    bool is_dst = false;
    const std::string* abbreviation = nullptr;  // points into the posix_tz
  };
  static constexpr std::int64_t kMin = INT64_MIN, kMax = INT64_MAX;

  // Throws std::invalid_argument naming what is wrong for text that is not a valid rule. An empty
  // string is not a rule; callers treat an empty TZif footer as "no rule".
  static posix_tz parse(std::string_view text);

  period at(std::int64_t unix_seconds) const;

  const std::string& text() const { return text_; }
  const std::string& std_abbreviation() const { return std_abbreviation_; }
  std::int32_t std_utoff() const { return std_utoff_; }
  const std::optional<dst_rule>& dst() const { return dst_; }

 private:
  std::string text_;
  std::string std_abbreviation_;
  std::int32_t std_utoff_ = 0;
  std::optional<dst_rule> dst_;
};

}  // namespace tugboat
