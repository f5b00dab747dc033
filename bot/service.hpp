#pragma once
// The bot's event path, between the Socket Mode client and the workflows:
//   1. `on_envelope` (called by the Socket Mode client before it acks) records the envelope in the inbox
//      — durable before ack — and recognises redeliveries, which are acked and dropped.
//   2. New envelopes are handled on the loop, each as its own task: decode, route, check access, and hand
//      the request to the engine — which commits the answer (outbox rows), any run change and the inbox
//      row's "handled" mark in one transaction. Nothing here talks to Slack directly.
//   3. `replay` handles what the inbox holds unhandled from before a restart.
// Loop thread only.
#include <boost/asio/any_io_executor.hpp>
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

  // Socket Mode hook: make the envelope durable, decide the ack, schedule handling. Never throws.
  slack::ack_decision on_envelope(const slack::envelope& envelope);
  // Handles every inbox row left unhandled by a previous run.
  void replay();

  const service_stats& stats() const { return stats_; }
  const identity& me() const { return me_; }

  // Handles one recorded envelope now (the loop task; public for tests).
  void handle(const store::inbox_entry& entry);

 private:
  void spawn(store::inbox_entry entry);
  void answer(const std::string& key, const request& r);
  void reply(const std::string& key, const request& r, std::string text, bool privately = false);
  void on_quickfix(const std::string& key, const request& r);
  void on_status(const std::string& key, const request& r);
  void on_cancel(const std::string& key, const request& r);
  void on_button(const std::string& key, const request& r);

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
