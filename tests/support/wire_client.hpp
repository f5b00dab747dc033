#pragma once
// Minimal raw HTTP and WebSocket clients for tests that talk to the Slack emulator (or any loopback
// server) the way a Slack SDK would: keep-alive HTTP/1.1, RFC 6455 WebSocket, plain or TLS with a
// trusted PEM and host verification. Every operation has a timeout. One object per test thread; not
// thread-safe. Throws std::runtime_error on connection failures and timeouts of connects/requests.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tugboat::test {

using namespace std::chrono_literals;

struct parsed_url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;  // path and query, at least "/"
};
parsed_url parse_url(const std::string& url);  // http, https, ws, wss

struct http_result {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string header(const std::string& name) const;
};

class http_client {
 public:
  // `base` like "http://127.0.0.1:1234/"; `ca_pem` is trusted for https.
  explicit http_client(std::string base, std::string ca_pem = {});
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  // `target` is appended to the base's path ("api/auth.test"). Reuses the connection (keep-alive).
  http_result request(const std::string& verb, const std::string& target, const std::string& body = {},
                      const std::vector<std::pair<std::string, std::string>>& headers = {},
                      std::chrono::milliseconds timeout = 10s);
  http_result post_json(const std::string& target, const std::string& json, const std::string& bearer = {},
                        std::chrono::milliseconds timeout = 10s);
  http_result get(const std::string& target, const std::string& bearer = {},
                  std::chrono::milliseconds timeout = 10s);
  int connects() const;  // how many TCP connections were made (keep-alive check)

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

struct ws_frame {
  bool binary = false;
  std::string data;
};

class ws_client {
 public:
  ws_client();
  ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  // Throws with the HTTP status in the message when the upgrade is refused.
  void connect(const std::string& url, const std::string& ca_pem = {},
               std::chrono::milliseconds timeout = 5s);
  // The next frame, or nullopt after `timeout` (the read stays pending for the next call). Throws
  // std::runtime_error once the socket is closed (closed() is then true).
  std::optional<ws_frame> read(std::chrono::milliseconds timeout = 2s);
  void send(const std::string& text, std::chrono::milliseconds timeout = 2s);
  void close(std::chrono::milliseconds timeout = 2s);
  bool closed() const;
  std::string close_reason() const;  // why the last read failed
  int pings_received() const;        // WebSocket pings seen (answered automatically) while reading

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace tugboat::test
