#pragma once
// The composition root: the one place that knows how the parts are wired. It owns the database, the
// HTTP client, the Web API client, the Socket Mode client and the service, in that order of
// construction. `run`, `demo`, `console` and the integration tests all build the bot through it.
// Loop thread only (the io_context given to the constructor).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>

#include "bot/config.hpp"
#include "bot/service.hpp"
#include "slack/socket_mode.hpp"

namespace tugboat::bot {

struct app_options {
  config cfg;
  tokens tok;
  std::string api_url;        // Web API base, ends with '/'
  std::string extra_ca_file;  // a PEM file trusted besides the system store (SSL_CERT_FILE works too)
};

class app {
 public:
  app(boost::asio::io_context& io, app_options options);
  ~app();
  app(const app&) = delete;
  app& operator=(const app&) = delete;

  // Checks the bot token (auth.test), replays unhandled events and connects. Throws slack::api_error
  // when Slack refuses the token.
  boost::asio::awaitable<void> start();
  // Closes the sockets (going_away) and lets in-flight handling finish, within a few seconds.
  boost::asio::awaitable<void> stop();

  bool fatal() const { return !fatal_.empty(); }
  const std::string& fatal_reason() const { return fatal_; }
  const slack::socket_mode_stats* socket_stats() const;
  const service_stats* stats() const;

 private:
  struct parts;
  boost::asio::io_context& io_;
  app_options options_;
  std::unique_ptr<parts> parts_;
  std::string fatal_;
};

// Runs the bot until SIGINT/SIGTERM or a fatal error; returns the process exit code.
int run_until_signalled(app_options options);

}  // namespace tugboat::bot
