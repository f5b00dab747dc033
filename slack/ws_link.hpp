#pragma once
// One WebSocket to Slack (or the emulator): TCP, optional TLS with certificate and host-name checks,
// the WebSocket handshake, reads, and an outbound queue drained by a single writer so at most one write
// is ever in flight. Liveness comes from one watchdog timer per link (not Beast's per-frame timers): after
// half the idle time without a frame a ping goes out; a link that hears nothing (not even a pong) for
// the whole idle time is dropped, which fails its read. Owned through shared_ptr by the Socket Mode client; loop thread only.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "slack/url.hpp"

namespace boost::asio::ssl {
class context;
}

namespace tugboat::slack {

struct ws_timeouts {
  std::chrono::milliseconds connect{10'000};    // TCP + TLS + WebSocket handshake, and the close handshake
  std::chrono::milliseconds idle{20'000};       // silence that declares the link dead (ping at half of it)
};

struct ws_message {
  std::string text;
  bool binary = false;
};

class ws_link {
 public:
  virtual ~ws_link() = default;

  // Creates a link for `u` (ws:// or wss://). `tls` (required for wss://, unused for ws://) must outlive
  // the link.
  static std::shared_ptr<ws_link> create(boost::asio::any_io_executor ex, boost::asio::ssl::context* tls, url_parts u,
                                         ws_timeouts timeouts);

  // Resolve, connect, TLS handshake (wss), WebSocket handshake. Throws boost::system::system_error.
  virtual boost::asio::awaitable<void> connect() = 0;
  // The next message. Throws boost::system::system_error when the link closes or fails.
  virtual boost::asio::awaitable<ws_message> read() = 0;
  // Queues a text frame; returns at once. Frames queued after close() are dropped.
  virtual void send(std::string text) = 0;
  // Sends a close frame (going_away) and waits for the peer's, bounded by the connect timeout.
  virtual boost::asio::awaitable<void> close() = 0;
  // Drops the TCP connection at once (used when a close handshake is not worth waiting for).
  virtual void abort() = 0;
  virtual std::size_t queued() const = 0;
  virtual const url_parts& where() const = 0;
};

}  // namespace tugboat::slack
