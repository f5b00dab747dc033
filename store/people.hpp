#pragma once
// The Slack people cache: who an email is on Slack (users.lookupByEmail) and a user's name and time zone
// (users.info), so a release does not ask Slack again for every owner and every reminder. One row per
// key: a lower-cased email maps to a user ID; a user ID maps to its profile. A row with an empty user_id
// remembers that Slack has no such user. How long a row may be trusted is the caller's choice
// (`people_ttl`, `person_entry::fresh_at`); rows are replaced, never aged out here. Loop thread only;
// SQLite::Exception escapes on database failures.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "store/database.hpp"

namespace tugboat::store {

struct people_ttl {
  std::chrono::seconds positive{std::chrono::hours{24}};  // a found user
  std::chrono::seconds negative{std::chrono::hours{1}};   // "Slack has no such user"
};

struct person_entry {
  std::string key;           // a lower-cased email or a user ID (U…/W…)
  std::string user_id;       // empty: Slack has no such user
  std::string name;          // the user's real name (display name if none); user-ID rows only
  std::string tz;            // e.g. "Europe/Berlin"; user-ID rows only
  int tz_offset = 0;         // seconds east of UTC
  long long fetched_at = 0;  // unix ms, when Slack said so

  bool found() const { return !user_id.empty(); }
  // Whether the row may still be used at `now` (positive and negative rows age differently).
  bool fresh_at(sys_time now, const people_ttl& ttl) const;
};

class people {
 public:
  explicit people(database& db);

  std::optional<person_entry> get(std::string_view key);  // fresh or not
  void put(const person_entry& entry);                    // inserts or replaces the row of entry.key
  bool remove(std::string_view key);

 private:
  SQLite::Statement get_;
  SQLite::Statement put_;
  SQLite::Statement remove_;
};

}  // namespace tugboat::store
