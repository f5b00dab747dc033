#pragma once
// The emulator's one listening port: HTTP/1.1 with keep-alive for the Web API and the control surface,
// and the WebSocket upgrade at /link/?ticket=… for Socket Mode, over plain TCP or TLS. Requests are
// handed to an `http_handler` as plain structs; sockets to the `socket_hub` as `socket_link`s.
// Thread: construct, listen and close on the emulator's thread (or before it runs). listen() throws
// std::runtime_error when the address cannot be bound or the TLS material is bad.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "slack/emulator/emulator.hpp"
#include "slack/emulator/socket_mode.hpp"
#include "slack/emulator/tls.hpp"

namespace tugboat::slack::emu {

struct http_request {
  std::string verb;    // "GET", "POST", …
  std::string target;  // path and query as sent
  std::string path;    // without the query
  std::string query;   // after '?', not decoded
  std::string authorization;
  std::string content_type;
  std::string body;
};

struct http_response {
  unsigned status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds delay{0};  // answer only after this (fault injection)
};

// Called on the emulator thread; `respond` may be called later (long polls), exactly once.
using respond_fn = std::function<void(http_response)>;
using http_handler = std::function<void(http_request, respond_fn)>;

class server {
 public:
  server(boost::asio::io_context& ioc, const emulator_settings& settings, socket_hub& hub,
         http_handler handler);
  ~server();

  void listen(const tls_material* tls);  // nullptr: plain
  std::uint16_t port() const;
  void close();  // stops accepting; sockets are the hub's to close

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace tugboat::slack::emu
