#include "store/people.hpp"

namespace tugboat::store {
namespace {

constexpr const char* kGet = "SELECT key, user_id, name, tz, tz_offset, fetched_at FROM people WHERE key = ?";
constexpr const char* kPut =
    "INSERT INTO people(key, user_id, name, tz, tz_offset, fetched_at) VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(key) DO UPDATE SET user_id = excluded.user_id, name = excluded.name, tz = excluded.tz, "
    "tz_offset = excluded.tz_offset, fetched_at = excluded.fetched_at";
constexpr const char* kRemove = "DELETE FROM people WHERE key = ?";

}  // namespace

bool person_entry::fresh_at(sys_time now, const people_ttl& ttl) const {
  const auto age = std::chrono::milliseconds{to_unix_ms(now) - fetched_at};
  return age < (found() ? ttl.positive : ttl.negative);
}

people::people(database& db) : get_(db.sql(), kGet), put_(db.sql(), kPut), remove_(db.sql(), kRemove) {}

std::optional<person_entry> people::get(std::string_view key) {
  get_.reset();
  get_.bind(1, std::string(key));
  if (!get_.executeStep()) return std::nullopt;
  person_entry e{get_.getColumn(0).getString(), get_.getColumn(1).getString(), get_.getColumn(2).getString(),
                 get_.getColumn(3).getString(), get_.getColumn(4).getInt(),    get_.getColumn(5).getInt64()};
  get_.reset();
  return e;
}

void people::put(const person_entry& entry) {
  put_.reset();
  put_.bindNoCopy(1, entry.key);
  put_.bindNoCopy(2, entry.user_id);
  put_.bindNoCopy(3, entry.name);
  put_.bindNoCopy(4, entry.tz);
  put_.bind(5, entry.tz_offset);
  put_.bind(6, static_cast<int64_t>(entry.fetched_at));
  put_.exec();
}

bool people::remove(std::string_view key) {
  remove_.reset();
  remove_.bind(1, std::string(key));
  return remove_.exec() == 1;
}

}  // namespace tugboat::store
