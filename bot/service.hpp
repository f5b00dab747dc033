#pragma once
// The bot's event path, between the Socket Mode client and the workflows:
//   1. `on_envelope` queues the envelope; once per loop turn the queue is written to the inbox in ONE
//      transaction (group commit) and only then are the acks sent — durable before ack, at a fraction of
//      the cost of a commit per envelope. Redeliveries collide with their first copy: acked and dropped.
//      Events the bot ignores (chatter, other bots) are marked handled in one more batched commit.
//   2. New envelopes are handled on the loop, each as its own task: decode, route, check access, and hand
//      the request to the engine — which commits the answer (outbox rows), any run change and the inbox
//      row's "handled" mark in one transaction. Nothing here talks to Slack directly.
//   3. `replay` handles what the inbox holds unhandled from before a restart.
// Loop thread only.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "bot/access.hpp"
#include "bot/router.hpp"
#include "core/clock.hpp"
#include "slack/socket_mode.hpp"
#include "store/inbox.hpp"
#include "workflows/engine/engine.hpp"

namespace tugboat::bot {

struct service_stats {
  std::uint64_t received = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t handled = 0;
  std::uint64_t failed = 0;
  std::uint64_t in_flight = 0;
};

class service {
 public:
  service(boost::asio::any_io_executor ex, store::inbox& inbox, workflows::engine& engine, const clock& now,
          identity me, access_rules access);

  // Socket Mode hook: queue the envelope for the next group commit, which acks it. Never throws.
  void on_envelope(const slack::envelope& envelope, slack::ack_sender ack);
  // Socket Mode hook, awaited before a connection reads from its socket: while a burst's commit lingers
  // it waits for that commit, so the burst's next frames pile up in the kernel and arrive in one read
  // (one wake-up and one syscall for many envelopes, not one each).
  boost::asio::awaitable<void> read_gate();
  // Handles every inbox row left unhandled by a previous run.
  void replay();

  const service_stats& stats() const { return stats_; }
  const identity& me() const { return me_; }

  // Handles one recorded envelope now (the loop task; public for tests).
  void handle(const store::inbox_entry& entry);

 private:
  void spawn(store::inbox_entry entry);
  void flush();

  struct queued {
    store::inbox_entry entry;
    slack::ack_sender ack;
    int retry_attempt = 0;
    std::string retry_reason;
    std::string ignored_because;  // set when routing settled it at ingest (entry.handled_at != 0)
  };
  std::vector<queued> queue_;
  std::vector<store::inbox_entry> entries_;  // flush()'s scratch, kept to reuse its capacity
  bool flush_posted_ = false;
  std::size_t flush_seen_ = 0;  // queue size when flush() last looked (it waits while the queue grows)
  std::chrono::steady_clock::time_point last_flush_{};  // when the last group commit was made
  boost::asio::steady_timer linger_;                    // a burst's short wait for more envelopes
  boost::asio::steady_timer flushed_;                   // read_gate's wait while lingering; flush() ends it
  bool lingering_ = false;
  void answer(const std::string& key, const request& r);
  void reply(const std::string& key, const request& r, std::string text, bool privately = false);
  void on_quickfix(const std::string& key, const request& r);
  void on_status(const std::string& key, const request& r);
  void on_cancel(const std::string& key, const request& r);
  void on_button(const std::string& key, const request& r);
  void on_release(const std::string& key, const request& r);
  void on_recheck(const std::string& key, const request& r);
  std::optional<workflows::run> active_release(const slack::channel_id& channel);
  std::vector<std::string> roles_of(const slack::user_id& user) const;

  boost::asio::any_io_executor ex_;
  store::inbox& inbox_;
  workflows::engine& engine_;
  const clock& clock_;
  identity me_;
  access_rules access_;
  service_stats stats_;
};

// The help text for `user`: only the commands they may use.
std::string help_text(const access_rules& access, const slack::user_id& user);

}  // namespace tugboat::bot
