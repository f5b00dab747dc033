#pragma once
// Working hours: when it is polite to ping someone. The release workflow reminds owners "every 4h, but
// only inside that owner's working hours in their Slack time zone"; these pure functions answer "is it
// working time?" and "when is the next working instant?" for an instant, a zone and a window.
//
// A window is local civil time on each working day: "09:00-18:00" on "Mon-Fri" means 09:00 to 18:00 on
// the owner's wall clock, whatever the UTC offset that day (so across a DST change a reminder still
// lands at 09:00 local). An overnight window ("22:00-06:00") belongs to the day it starts on: with
// "Fri" it runs from Friday 22:00 to Saturday 06:00. "00:00-24:00" is the whole day.
//
// Pure functions of their arguments (no clock); any thread. Parsers throw std::invalid_argument with
// a message that can be quoted as a config error.
#include <bitset>
#include <chrono>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/timezone.hpp"

namespace tugboat::workflows {

struct working_hours {
  std::chrono::minutes start{9 * 60};  // local time of day the window opens: [00:00, 24:00)
  std::chrono::minutes end{18 * 60};   // local time of day it closes: (00:00, 24:00]; before start = overnight
  std::bitset<7> days{0b0011111};      // bit 0 = Monday ... bit 6 = Sunday; default Mon-Fri
};

// "09:00-18:00" (also "9:00-18:00", "22:00-06:00", "00:00-24:00") plus days as `parse_working_days`
// reads them. Throws std::invalid_argument: "working_hours must look like 09:00-18:00, got ...".
working_hours parse_working_hours(std::string_view hours, std::string_view days = "Mon-Fri");
// "Mon-Fri", "Mon,Wed,Fri", "Sun-Thu" (ranges wrap past Sunday), "Mon-Fri,Sun", "weekdays", "daily";
// case-insensitive; a day is its full name or a prefix of it of 3+ letters ("Thu", "Thurs").
// Throws std::invalid_argument.
std::bitset<7> parse_working_days(std::string_view days);
// "Mon-Fri 09:00-18:00": the form a config error or a status message shows.
std::string format_working_hours(const working_hours& w);

bool is_working_time(sys_time t, const time_zone& z, const working_hours& w);
// `t` itself when it is working time, else the start of the next working window (its local start time
// on the next working day, or the instant right after a DST gap if that start time is skipped). With
// no working days at all, returns `t` unchanged: nobody's hours can be honoured, so don't hold back.
sys_time next_working_instant(sys_time t, const time_zone& z, const working_hours& w);
// When to remind next after a reminder at `last`: next_working_instant(last + every).
sys_time next_reminder(sys_time last, std::chrono::seconds every, const time_zone& z, const working_hours& w);

// "Mon 09:00 PST": the local day, time and zone abbreviation of an instant, for messages.
std::string describe_local(sys_time t, const time_zone& z);

}  // namespace tugboat::workflows
