#pragma once
// One WebSocket to Slack (or the emulator): TCP, optional TLS with certificate and host-name checks,
// the opening handshake, reads, writes, pings and the close handshake. The framing is our own
// (slack/ws_frame.hpp) rather than Beast's stream, for throughput: one read takes in as many frames as the
// kernel has (a 64 KiB buffer), and everything queued while a write is in flight — a batch's acks, a
// pong — leaves in the next single write, one syscall for many frames.
// Liveness comes from one watchdog timer per link: after half the idle time without a frame a ping goes
// out; a link that hears nothing (not even a pong) for the whole idle time is dropped, which fails its
// read. Owned through shared_ptr by the Socket Mode client; loop thread only.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <string>

#include "core/log.hpp"
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
  bool invalid_utf8 = false;  // a text message that is not UTF-8 (delivered anyway, for the caller to report)
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
  // The next data message (fragments joined; pings answered on the way). Throws
  // boost::system::system_error when the link closes, fails or the peer breaks the protocol.
  virtual boost::asio::awaitable<ws_message> read() = 0;
  // Queues a text frame; returns at once. Frames queued after close() are dropped.
  virtual void send(std::string text) = 0;
  // Sends what is queued, then a close frame (going_away), and waits for the peer's, bounded by the
  // connect timeout; then drops the TCP connection.
  virtual boost::asio::awaitable<void> close() = 0;
  // Drops the TCP connection at once (used when a close handshake is not worth waiting for).
  virtual void abort() = 0;
  virtual std::size_t queued() const = 0;
  // Bytes of the peer's are read but not yet parsed: the next read() may return without a syscall.
  virtual bool buffered() const = 0;
  virtual const url_parts& where() const = 0;
};

// The completion handler for a coroutine spawned on a link's behalf: logs how it failed, at `l`.
std::function<void(const std::exception_ptr&)> log_failure(log::level l, std::string_view what);

// What went wrong, for the log: an exception's message without the " [category:value at file:line …]"
// that Boost appends to a system_error's what().
std::string describe_failure(const std::exception& e);

}  // namespace tugboat::slack
