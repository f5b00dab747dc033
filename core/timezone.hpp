#pragma once
// IANA time zones, because libstdc++ 12 has no std::chrono::tzdb. Reminders and working hours are in
// people's local civil time (Slack's `users.info` gives a name like "America/Los_Angeles" and an offset),
// so we read the system's compiled zone files (TZif, RFC 8536, versions 1-4) ourselves, including the
// POSIX rule in the footer that covers instants after the last listed transition.
//
// A `time_zone` is immutable once built and is shared as `shared_ptr<const time_zone>`; any thread may
// use one. `get` keeps a process-wide cache (guarded by a mutex) so each zone file is read once.
// Precision is whole seconds: `to_local` drops sub-second parts of the instant it converts.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/posix_tz.hpp"

namespace tugboat {

// A local civil time ("2026-03-08 09:00" on someone's wall clock), not an instant.
using local_seconds = std::chrono::local_seconds;

// Which instant `from_local` returns for a local time the clocks show twice (when they fall back).
enum class choose { earliest, latest };

class time_zone {
 public:
  // Reads `name` ("Europe/Berlin") from $TZDIR, or /usr/share/zoneinfo when TZDIR is unset or empty.
  // Throws std::runtime_error with a one-line message if the name is unsafe (absolute, "." or ".."
  // components, characters outside [A-Za-z0-9_+-/]), unknown, or the file is not a valid TZif file.
  static std::shared_ptr<const time_zone> load(std::string_view name);
  // Like `load`, but each name is read once per process and then served from a thread-safe cache.
  // Failures are not cached. The cache ignores later changes to $TZDIR.
  static std::shared_ptr<const time_zone> get(std::string_view name);
  // Builds a zone from the bytes of a TZif file; throws std::runtime_error if they are not one.
  static std::shared_ptr<const time_zone> from_tzif(std::string name, std::string_view bytes);
  // A zone following a POSIX TZ rule alone, e.g. "CET-1CEST,M3.5.0,M10.5.0/3"; its name is the rule.
  // Throws std::invalid_argument for an invalid rule.
  static std::shared_ptr<const time_zone> from_posix(std::string_view rule);
  // A constant offset east of UTC, for when only Slack's `tz_offset` is known. Named "UTC", "UTC+05:30",
  // "UTC-08:00"; throws std::invalid_argument beyond ±26 hours.
  static std::shared_ptr<const time_zone> fixed(std::chrono::seconds offset);
  static std::shared_ptr<const time_zone> utc();
  // The zone for a Slack user: `get(tz)` when that works, else `fixed(tz_offset)`. Never throws for a
  // bad or unknown name (Slack sends what the user's client reports), only for an absurd offset.
  static std::shared_ptr<const time_zone> for_slack_user(std::string_view tz, std::chrono::seconds tz_offset);

  const std::string& name() const { return name_; }
  std::chrono::seconds offset_at(sys_time t) const;  // seconds east of UTC
  std::string abbreviation_at(sys_time t) const;     // "EST", "CEST", "+0530"
  bool is_dst_at(sys_time t) const;

  local_seconds to_local(sys_time t) const;
  // The instant the clocks show `local`. In a gap (clocks jump forward over it) this is the instant
  // right after the gap: 02:30 on the US spring-forward day is 03:00 EDT. In an overlap it is the
  // earlier of the two instants unless `which` says latest.
  sys_time from_local(local_seconds local, choose which = choose::earliest) const;

 private:
  struct local_type {
    std::int32_t utoff = 0;  // seconds east of UTC
    bool is_dst = false;
    std::string abbreviation;
  };
  time_zone(std::string name, std::vector<std::int64_t> transitions, std::vector<std::uint8_t> type_of,
            std::vector<local_type> types, std::optional<posix_tz> footer);

  // Uniform view of the table and the footer: the offset in force at an instant and its interval.
  posix_tz::period period_at(std::int64_t unix_seconds) const;

  std::string name_;
  std::vector<std::int64_t> transitions_;  // ascending Unix seconds
  std::vector<std::uint8_t> type_of_;      // local type in force from transitions_[i]
  std::vector<local_type> types_;          // at least one; types_[0] is in force before any transition
  std::optional<posix_tz> footer_;         // in force from the last transition on
};

}  // namespace tugboat
