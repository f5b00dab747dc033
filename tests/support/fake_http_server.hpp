#pragma once
// A tiny scripted HTTP/1.1 server for tests: listens on 127.0.0.1 with an ephemeral port (plain or TLS),
// records every request it reads, and answers each with what the test's handler returns — a status,
// headers, a body, and optionally a delay, a close after answering, or a drop without answering.
// Keep-alive is honoured, so tests can count connections.
//
// Runs on the test's io_context (the same thread as the client under test). `stop()` closes the
// listener and every open connection so io_context::run() can return. A failure inside the server is
// kept and rethrown by `rethrow_if_failed()`. Not for production use.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "slack/http_client.hpp"

namespace tugboat::test {

struct recorded_request {
  std::string method;  // "GET", "POST"
  std::string target;  // path and query
  std::vector<slack::http_header> headers;
  std::string body;
  std::size_t connection = 0;  // 1-based index of the connection it came on

  std::optional<std::string> header(std::string_view name) const;
  std::string path() const;   // target without the query
  std::string query() const;  // after '?', or ""
};

struct scripted_response {
  int status = 200;
  std::vector<slack::http_header> headers;
  std::string body;
  std::chrono::milliseconds delay{0};  // wait (real time) before answering
  bool close_after = false;            // close the connection after answering, without saying so first
  bool say_close = false;              // answer with `Connection: close` (and then close)
  bool drop = false;                   // close the connection instead of answering

  static scripted_response json(std::string body, int status = 200) {
    scripted_response r;
    r.status = status;
    r.body = std::move(body);
    r.headers.push_back({"Content-Type", "application/json; charset=utf-8"});
    return r;
  }
};

struct tls_identity {
  std::string cert_pem;
  std::string key_pem;
};

class fake_http_server {
 public:
  using handler = std::function<scripted_response(const recorded_request&)>;

  fake_http_server(boost::asio::io_context& io, handler h, std::optional<tls_identity> tls = std::nullopt);
  ~fake_http_server();

  std::uint16_t port() const;
  // "http://127.0.0.1:PORT/" (or https://HOST:PORT/ with the given host name).
  std::string base_url(const std::string& host = "127.0.0.1") const;

  const std::vector<recorded_request>& requests() const;
  std::size_t connections_accepted() const;
  void stop();
  void rethrow_if_failed() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace tugboat::test
