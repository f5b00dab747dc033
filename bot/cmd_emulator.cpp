// `tugboat emulator`: the Slack emulator alone, for local development, tests and tools. Prints where
// it listens and the tokens to use, then serves until SIGINT/SIGTERM (exit 0).
#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bot/cli.hpp"
#include "bot/commands.hpp"
#include "core/log.hpp"
#include "slack/emulator/emulator.hpp"

namespace tugboat::bot {
namespace {

constexpr const char* kHelp = R"(usage: tugboat emulator [options]

Runs a stand-in for Slack on loopback: the Web API (/api/…), Socket Mode (apps.connections.open and its
WebSocket) and the control surface (/_emulator/…, see docs/emulator.md), all on one port.

options:
  --port N             port to listen on (default 0: any free port; the chosen one is printed)
  --host ADDR          address to bind (default 127.0.0.1)
  --tls                serve https:// and wss:// with a self-signed certificate made at start
  --cert FILE --key FILE   use this certificate and key instead (implies --tls)
  --cert-out FILE      write the certificate PEM here, for clients' SSL_CERT_FILE
  --no-rate-limits     never answer 429 unless a fault asks for it
  --ack-timeout MS     redeliver unacked events after MS milliseconds (default 3000)
  --refresh-grace MS   close a socket MS after refresh_requested/warning (default 10000)
  --log-level LEVEL    debug, info, warn, error (default info)
  --help               this text

The tokens are SLACK_APP_TOKEN / SLACK_BOT_TOKEN when set, else fixed emulator tokens (printed).
)";

int parse_ms(const cli& c, const char* name, int fallback) {
  auto v = c.value(name);
  if (!v) return fallback;
  try {
    std::size_t used = 0;
    int ms = std::stoi(*v, &used);
    if (used != v->size() || ms < 0) throw std::invalid_argument(*v);
    return ms;
  } catch (const std::exception&) {
    throw usage_error(fmt::format("--{} needs a number of milliseconds, not '{}'", name, *v));
  }
}

}  // namespace

int cmd_emulator(args a) {
  slack::emulator_settings s;
  try {
    cli c(a, {"help", "tls", "no-rate-limits"},
          {"port", "host", "cert", "key", "cert-out", "ack-timeout", "refresh-grace", "log-level"});
    if (c.flag("help")) {
      fmt::print("{}", kHelp);
      return 0;
    }
    if (!c.positional().empty())
      throw usage_error(fmt::format("unexpected argument '{}'", c.positional().front()));
    if (auto port = c.value("port")) {
      int p = parse_ms(c, "port", 0);
      if (p > 65535) throw usage_error(fmt::format("--port {} is not a port", *port));
      s.port = static_cast<std::uint16_t>(p);
    }
    if (auto host = c.value("host")) s.host = *host;
    s.tls.enabled = c.flag("tls") || c.value("cert").has_value();
    if (c.value("cert").has_value() != c.value("key").has_value())
      throw usage_error("--cert and --key go together");
    s.tls.cert_file = c.value("cert").value_or("");
    s.tls.key_file = c.value("key").value_or("");
    s.tls.cert_out = c.value("cert-out").value_or("");
    if (!s.tls.cert_out.empty() && !s.tls.enabled) throw usage_error("--cert-out needs --tls");
    s.rate_limits = !c.flag("no-rate-limits");
    s.ack_timeout = std::chrono::milliseconds(parse_ms(c, "ack-timeout", 3000));
    s.refresh_grace = std::chrono::milliseconds(parse_ms(c, "refresh-grace", 10000));
    if (auto level = c.value("log-level")) {
      log::level l{};
      if (!log::parse_level(*level, l)) throw usage_error(fmt::format("unknown --log-level '{}'", *level));
      log::set_level(l);
    }
  } catch (const usage_error& e) {
    fmt::print(stderr, "tugboat emulator: {}\n(try tugboat emulator --help)\n", e.what());
    return 2;
  }
  if (const char* t = std::getenv("SLACK_APP_TOKEN"); t != nullptr && *t != '\0') s.app_token = t;
  if (const char* t = std::getenv("SLACK_BOT_TOKEN"); t != nullptr && *t != '\0') s.bot_token = t;

  // Block the signals before the emulator's thread starts so only sigwait() below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  slack::emulator emu(s);
  emu.start();
  // These lines are for people and for scripts (KEY=value): tests read SLACK_API_URL from here. The
  // tokens are printed on purpose: they are the emulator's own, not secrets.
  fmt::print("tugboat Slack emulator on {}\n", emu.base_url());
  fmt::print("SLACK_API_URL={}\n", emu.api_url());
  fmt::print("SLACK_APP_TOKEN={}\n", s.app_token);
  fmt::print("SLACK_BOT_TOKEN={}\n", s.bot_token);
  fmt::print("CONTROL_URL={}_emulator/\n", emu.base_url());
  if (!s.tls.cert_out.empty()) fmt::print("SSL_CERT_FILE={}\n", s.tls.cert_out);
  fmt::print("ready (Ctrl-C to stop)\n");
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  log::info("emulator", "signal {}: stopping", sig);
  emu.stop();
  return 0;
}

}  // namespace tugboat::bot
