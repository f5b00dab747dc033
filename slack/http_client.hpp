#pragma once
// An async HTTP/1.1 client for the Slack edge: `https://` (TLS 1.2+, certificate and host-name
// verification, SNI; trust = the system's default paths, which honour SSL_CERT_FILE / SSL_CERT_DIR,
// plus an optional extra CA file) and plain `http://` (the emulator on loopback).
//
// Keep-alive: connections are pooled per (scheme, host, port), up to `max_idle_per_host` idle ones.
// Before an idle connection is reused it is checked without blocking; one the server has closed (or
// that sat idle too long) is dropped and a fresh one opened, so the caller never sees a stale socket.
// If a reused connection still fails before the request could have been processed (the write fails),
// the request goes once more over a fresh connection; an empty answer on a reused connection is
// retried only for requests marked `replayable`.
//
// Timeouts: `connect_timeout` bounds resolve + connect + TLS handshake, `request_timeout` (or the
// request's own) bounds the whole exchange.
//
// Threading and ownership: one object per io_context, used only from that context's thread. The client
// must outlive every request it is running. `request` throws `http_error` for transport failures (its
// `stage` tells whether the request may have reached the server) and std::invalid_argument for a URL
// that is not absolute http/https (boost::system::system_error if `extra_ca_file` cannot be loaded). Errors
// name host and port, never headers or bodies (tokens live there).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tugboat::slack {

enum class http_verb { get, post };

struct http_header {
  std::string name;
  std::string value;
};

struct http_request {
  http_verb verb = http_verb::get;
  std::string url;  // absolute: scheme://host[:port]/path?query
  std::vector<http_header> headers;
  std::string body;
  std::chrono::milliseconds timeout{0};  // whole exchange; 0 = the client's request_timeout
  bool replayable = false;  // safe to send twice (reads): allows one transparent resend on a stale connection
};

struct http_response {
  int status = 0;
  std::vector<http_header> headers;
  std::string body;

  // First header with this name (case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const;
};

enum class http_stage {
  connecting,  // resolve, TCP connect, TLS handshake: the request cannot have reached the server
  sending,     // writing the request failed: the server never got all of it, so cannot have acted on it
  receiving,   // the request was written; the answer did not (fully) arrive — it may have been acted on
};

class http_error : public std::runtime_error {
 public:
  http_error(http_stage stage, bool timed_out, const std::string& what)
      : std::runtime_error(what), stage_(stage), timed_out_(timed_out) {}
  http_stage stage() const { return stage_; }
  bool timed_out() const { return timed_out_; }
  // True once the whole request was handed to the network: the server may have acted on it.
  bool may_have_reached_server() const { return stage_ == http_stage::receiving; }

 private:
  http_stage stage_;
  bool timed_out_;
};

struct http_client_settings {
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{30'000};
  std::size_t max_idle_per_host = 4;
  std::chrono::milliseconds max_idle_time{50'000};  // idle connections older than this are not reused
  std::string extra_ca_file;  // optional PEM file trusted in addition to the system store
  std::size_t max_response_bytes = 16 * 1024 * 1024;
  std::string user_agent = "tugboat";
};

struct http_client_stats {
  std::uint64_t requests = 0;
  std::uint64_t connections_opened = 0;
  std::uint64_t connections_reused = 0;
  std::uint64_t stale_connections_dropped = 0;
};

class http_client {
 public:
  explicit http_client(boost::asio::any_io_executor executor, http_client_settings settings = {});
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  boost::asio::awaitable<http_response> request(http_request request);

  // Closes every idle pooled connection (shutdown, or tests that want a cold start).
  void close_idle();
  std::size_t idle_connections() const;
  const http_client_stats& stats() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tugboat::slack
