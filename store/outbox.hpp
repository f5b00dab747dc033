#pragma once
// The outbox: every message the bot sends for a run, written in the same transaction as the decision
// that produced it and sent afterwards. `key` (run/version/n) is deterministic; it travels in the
// message's metadata so a row that was being sent when the process died can be found in Slack before it
// is posted again. States: pending → sending → sent | failed. Loop thread only.
//
// Lanes: a channel's rows go out in two independent queues. Posts, ephemeral messages and reactions
// keep their order (the `posts` lane); edits of sent messages (`update` rows, the `edits` lane) need
// only their target to exist, so a rate-limited chat.update never holds up a post. Several unsent edits
// of one message collapse into the newest: only the last text matters.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
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

enum class outbox_lane { posts, edits };
outbox_lane lane_of(std::string_view kind);

struct outbox_head {
  std::string channel;
  outbox_lane lane = outbox_lane::posts;
  bool operator<(const outbox_head& o) const { return std::tie(channel, lane) < std::tie(o.channel, o.lane); }
};

class outbox {
 public:
  explicit outbox(database& db);

  void add(const outbox_row& row);
  // Channel lanes with something to send now (their oldest unsent row is not deferred past `now`).
  std::vector<outbox_head> heads_with_work(long long now);
  // The oldest unsent row of a channel's lane (its order is the order messages appear in).
  std::optional<outbox_row> next(std::string_view channel, outbox_lane lane);
  // The newest unsent update of message `slot` in `run_id` (the one worth sending), if any.
  std::optional<outbox_row> latest_update(std::int64_t run_id, std::string_view slot);
  // Marks the unsent updates of `slot` older than `newest_id` sent as `ts`: `newest_id` replaced them.
  int mark_superseded(std::int64_t run_id, std::string_view slot, std::int64_t newest_id, std::string_view ts,
                      long long now);
  // True while the post named `slot` is written but not sent (an update of it has to wait).
  bool slot_pending(std::int64_t run_id, std::string_view slot);
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
  SQLite::Statement next_edit_;
};

}  // namespace tugboat::store
