#pragma once
// The outbox: every message the bot sends for a run, written in the same transaction as the decision
// that produced it and sent afterwards. `key` (run/version/n) is deterministic; it travels in the
// message's metadata so a row that was being sent when the process died can be found in Slack before it
// is posted again. States: pending → sending → sent | failed. Loop thread only.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.hpp"

namespace tugboat::store {

struct outbox_row {
  std::int64_t id = 0;
  std::string key;
  std::int64_t run_id = 0;  // 0: a direct reply that belongs to no run
  std::string kind;       // post | update | ephemeral | reaction
  std::string channel;
  std::string thread_ts;  // post/ephemeral: the thread ("slot:NAME": the ts of the run's post NAME); reaction: the message
  std::string slot;       // post: names the message for later updates; update: the message to edit
  std::string user_id;    // ephemeral: who sees it
  std::string text;       // fallback text (reaction: the emoji name)
  std::string blocks;     // Block Kit JSON, or ""
  std::string state = "pending";
  std::string ts;         // once sent: the message's ts
  int attempts = 0;
  long long not_before = 0;
  std::string error;
  long long created_at = 0;
};

class outbox {
 public:
  explicit outbox(database& db);

  void add(const outbox_row& row);
  // Channels with something to send now (not deferred past `now`).
  std::vector<std::string> channels_with_work(long long now);
  // The oldest unsent row of `channel` (its order is the order messages appear in).
  std::optional<outbox_row> next(std::string_view channel);
  std::optional<outbox_row> find(std::string_view key);
  // The ts of the sent post named `slot` in `run_id`, or "" while it is not sent.
  std::string slot_ts(std::int64_t run_id, std::string_view slot);
  std::vector<outbox_row> for_run(std::int64_t run_id);
  std::int64_t unsent_count();
  // Earliest not_before among deferred rows (for waking the sender), if any.
  std::optional<long long> earliest_deferred(long long now);

  void mark_sending(std::int64_t id);
  void mark_sent(std::int64_t id, std::string_view ts, long long now);
  void mark_failed(std::int64_t id, std::string_view error, long long now);
  // Try again at `not_before`. `maybe_delivered`: the last attempt may have reached Slack, so the row stays
  // `sending` and is reconciled before it is sent again.
  void defer(std::int64_t id, long long not_before, std::string_view error, bool maybe_delivered);

 private:
  database& db_;
  SQLite::Statement insert_;
  SQLite::Statement next_;
};

}  // namespace tugboat::store
