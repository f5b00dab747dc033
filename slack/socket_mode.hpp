#pragma once
// The Socket Mode client: keeps `connections` WebSockets open to Slack, hands every envelope to the
// bot's `on_envelope` (which makes it durable) and acks it on the connection it came from, at once and
// never after handling.
//
// Lifecycle of each connection slot: get a fresh URL (apps.connections.open through `open_url`), connect,
// wait for `hello`, serve. On `disconnect` with `warning` / `refresh_requested` the replacement is opened
// first and the old link is closed only once the new one said hello (no gap). `too_many_websockets` makes
// the slot close and back off; `link_disabled` (or an auth failure from `open_url`) stops the client with
// a clear error through `on_fatal`. Failures reconnect with exponential backoff and jitter.
//
// Loop thread only: construct, start and stop on the io_context's thread; callbacks run there too.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "slack/wire.hpp"
#include "slack/ws_link.hpp"

namespace tugboat::slack {

// What `open_url` throws when retrying cannot help (revoked token, wrong token type, Socket Mode off).
class fatal_connect_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct socket_mode_settings {
  int connections = 2;  // 1..10
  ws_timeouts timeouts;
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{60'000};
  std::chrono::milliseconds too_many_websockets_pause{30'000};
};

struct ack_decision {
  bool ack = true;          // false: leave it unacked so Slack redelivers (we could not make it durable)
  std::string payload;      // optional response payload (JSON object) for envelopes that accept one
};

// Sends (or, with ack=false, withholds) the ack of one envelope on the connection it came from; a no-op
// if that connection is gone. Call it once, on the loop thread.
using ack_sender = std::function<void(const ack_decision&)>;

struct socket_mode_handlers {
  // Every envelope. The handler makes it durable and then calls `ack` — at once, or after a batched
  // commit in the same loop turn. Must not block.
  std::function<void(const envelope&, ack_sender ack)> on_envelope;
  // Awaited before a connection reads from its socket (not while frames are still buffered); optional.
  // The bot holds reads back with it while a burst's commit lingers, so frames pile up in the kernel and
  // one read takes them all.
  std::function<boost::asio::awaitable<void>()> before_read;
  // A connection said hello (for logs and readiness).
  std::function<void(const hello_frame&)> on_hello;
  // The client stopped for good (link_disabled, auth failure). Called once.
  std::function<void(const std::string& why)> on_fatal;
};

struct socket_mode_stats {
  int open = 0;             // links that have said hello and are serving
  long long hellos = 0;
  long long envelopes = 0;
  long long acks = 0;
  long long malformed = 0;
  long long reconnects = 0;
};

class socket_mode_client {
 public:
  using url_opener = std::function<boost::asio::awaitable<std::string>()>;
  // The TLS context for wss:// links, asked for when the first one is made (so a client that only dials
  // ws://, the emulator, never initialises OpenSSL). The context must outlive the client.
  using tls_provider = std::function<boost::asio::ssl::context&()>;

  socket_mode_client(boost::asio::any_io_executor ex, tls_provider tls, socket_mode_settings settings,
                     url_opener open_url, socket_mode_handlers handlers);
  ~socket_mode_client();
  socket_mode_client(const socket_mode_client&) = delete;
  socket_mode_client& operator=(const socket_mode_client&) = delete;

  void start();
  // Closes every link with `going_away` (bounded by the close timeout) and stops reconnecting.
  boost::asio::awaitable<void> stop();

  const socket_mode_stats& stats() const;

 private:
  struct state;
  std::shared_ptr<state> state_;
};

}  // namespace tugboat::slack
