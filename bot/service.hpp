#pragma once
// The bot's event path, between the Socket Mode client and the workflows:
//   1. `on_envelope` (called by the Socket Mode client before it acks) records the envelope in the inbox
//      — durable before ack — and recognises redeliveries, which are acked and dropped.
//   2. New envelopes are handled on the loop as separate tasks: decode, route, answer, mark handled.
//   3. `replay` handles what the inbox holds unhandled from before a restart.
// Loop thread only. Handlers never block: replies are Web API calls awaited on the loop.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <string>

#include "bot/router.hpp"
#include "core/clock.hpp"
#include "slack/blocks.hpp"
#include "slack/socket_mode.hpp"
#include "store/inbox.hpp"

namespace tugboat::bot {

// Where the bot's answers go: the Web API in production, a recording fake in tests.
class chat {
 public:
  virtual ~chat() = default;
  virtual boost::asio::awaitable<void> post(slack::outgoing_message message) = 0;
  virtual boost::asio::awaitable<void> post_ephemeral(slack::user_id user, slack::outgoing_message message) = 0;
};

struct service_stats {
  std::uint64_t received = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t handled = 0;
  std::uint64_t failed = 0;
  std::uint64_t in_flight = 0;
};

class service {
 public:
  service(boost::asio::any_io_executor ex, store::inbox& inbox, chat& out, const clock& now, identity me);

  // Socket Mode hook: make the envelope durable, decide the ack, schedule handling. Never throws.
  slack::ack_decision on_envelope(const slack::envelope& envelope);
  // Handles every inbox row left unhandled by a previous run.
  void replay();

  const service_stats& stats() const { return stats_; }
  const identity& me() const { return me_; }

 private:
  void spawn(store::inbox_entry entry);
  boost::asio::awaitable<void> handle(store::inbox_entry entry);
  boost::asio::awaitable<void> answer(const request& r);
  boost::asio::awaitable<void> reply(const request& r, std::string text);

  boost::asio::any_io_executor ex_;
  store::inbox& inbox_;
  chat& out_;
  const clock& clock_;
  identity me_;
  service_stats stats_;
};

// The help text, shared by the bot and the console.
std::string help_text();

}  // namespace tugboat::bot
