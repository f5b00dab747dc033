#pragma once
// Owners as Slack people: what bot/people.hpp's resolver answers for each owner key, as plain data and
// as the JSON text that travels through the workflow engine (a job's result, a run's data). Pure; any
// thread. `decode_people` throws std::invalid_argument for text that is not what `encode_people` writes
// (missing fields take their defaults, unknown ones are ignored).
#include <string>
#include <string_view>
#include <vector>

namespace tugboat::workflows {

struct person {
  std::string key;     // as asked: an email, an "@handle" or a Slack user ID
  std::string user;    // Slack user ID; empty if unknown
  std::string name;    // the user's real name (display name if none)
  std::string tz;      // IANA zone, e.g. "Europe/Berlin"; empty if unknown
  int tz_offset = 0;   // seconds east of UTC
  std::string source;  // "owners", "cache", "lookup", "id" or "unknown"
  // Set when asking Slack failed for another reason than "no such user" (rate limit exhausted, network,
  // missing scope); nothing was cached, so asking again later may work. `user` may still be set (from
  // [owners], say) with the time zone missing.
  std::string error;

  friend bool operator==(const person&, const person&) = default;
};

std::string encode_people(const std::vector<person>& people);
std::vector<person> decode_people(std::string_view json);

}  // namespace tugboat::workflows
