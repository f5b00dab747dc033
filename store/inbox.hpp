#pragma once
// The inbox: the durable record of what Slack delivered. The Socket Mode path records an envelope here
// before acking it; a redelivery of the same event collides on `key` and is recognised. Handling marks
// the row handled; on start the bot replays the rows that never were. Loop thread only.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.hpp"

namespace tugboat::store {

struct inbox_entry {
  std::string key;          // event_id for events_api envelopes, envelope_id otherwise
  std::string envelope_id;
  std::string kind;         // events_api | slash_commands | interactive
  std::string payload;      // the envelope's payload JSON (with Slack's verification token removed)
  long long received_at = 0;  // unix ms
  long long handled_at = 0;   // unix ms; 0 while unhandled. Set at record() for what routing ignores.
};

class inbox {
 public:
  explicit inbox(database& db);

  // Records each entry; returns, per entry, true if it is new and false for a duplicate of one already
  // recorded (in the store or earlier in the same batch). One transaction for the whole batch. An entry
  // with handled_at set is recorded already handled (a redelivery is still recognised; it is not replayed).
  std::vector<bool> record(std::span<const inbox_entry> entries);
  bool record_one(const inbox_entry& entry);

  void mark_handled(std::string_view key, long long handled_at);
  void mark_handled(std::span<const std::string> keys, long long handled_at);  // one transaction
  // Rows recorded but never marked handled, oldest first.
  std::vector<inbox_entry> unhandled(std::size_t limit = 10'000);
  // Deletes handled rows received before `cutoff` (the dedupe window has passed for them).
  int prune_handled_before(long long cutoff);

 private:
  database& db_;
  class batch_transaction;
  SQLite::Statement insert_;
  SQLite::Statement mark_;
  SQLite::Statement begin_;
  SQLite::Statement commit_;
  SQLite::Statement rollback_;
};

}  // namespace tugboat::store
