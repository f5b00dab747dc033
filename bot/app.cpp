#include "bot/app.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <malloc.h>

#include <csignal>
#include <optional>

#include "core/log.hpp"
#include "slack/api_error.hpp"
#include "slack/http_client.hpp"
#include "slack/sleeper.hpp"
#include "slack/tls.hpp"
#include "slack/web_api.hpp"
#include "store/database.hpp"
#include "workflows/engine/engine.hpp"
#include "workflows/engine/job_runner.hpp"
#include "workflows/engine/outbox_sender.hpp"
#include "workflows/engine/scheduler.hpp"
#include "workflows/quickfix/quickfix.hpp"
#include "bot/people.hpp"
#include "bot/release_tasks.hpp"
#include "store/people.hpp"
#include "workflows/release/release.hpp"

namespace tugboat::bot {
namespace {

namespace asio = boost::asio;
constexpr std::string_view kLog = "app";


}  // namespace

struct app::parts {
  parts(asio::io_context& io, const app_options& o)
      : db({o.cfg.store.path}),
        inbox(db),
        sleeper(io.get_executor()),
        http(io.get_executor(), {.connect_timeout = std::chrono::seconds{10},
                                 .request_timeout = std::chrono::seconds{30},
                                 .max_idle_per_host = 4,
                                 .max_idle_time = std::chrono::seconds{50},
                                 .extra_ca_file = o.extra_ca_file,
                                 .max_response_bytes = 16 * 1024 * 1024,
                                 .user_agent = "tugboat"}),
        api(http, sleeper, clock, [&] {
          slack::web_api_settings s;
          s.base_url = o.api_url;
          s.bot_token = o.tok.bot;
          s.app_token = o.tok.app;
          s.rate_limits_enabled = o.cfg.slack.rate_limits;
          return s;
        }()),
        engine(db, clock,
               workflows::engine_hooks{[this](const std::string& channel) { if (sender) sender->kick(channel); },
                                       [this] { if (timers) timers->reschedule(); },
                                       [this](std::int64_t id) { if (jobs) jobs->start(id); },
                                       [this](std::int64_t id) { if (jobs) jobs->kill(id); }}) {
    engine.add(std::make_unique<workflows::quickfix_workflow>(o.cfg.quickfix));
    sender = std::make_unique<workflows::outbox_sender>(io.get_executor(), engine.outbox(), api, clock);
    timers = std::make_unique<workflows::scheduler>(io.get_executor(), engine, clock);
    jobs = std::make_unique<workflows::job_runner>(io.get_executor(), engine);
    if (!o.cfg.release.repo.empty()) {
      engine.add(std::make_unique<workflows::release_workflow>(o.cfg.release));
      people_cache = std::make_unique<store::people>(db);
      people = std::make_unique<people_resolver>(api, *people_cache, o.cfg.owners, clock);
      add_release_tasks(*jobs, *people);
    }
  }

  system_clock_source clock;
  store::database db;
  store::inbox inbox;
  std::optional<asio::ssl::context> tls;  // Socket Mode's, made for the first wss:// link
  slack::timer_sleeper sleeper;
  slack::http_client http;
  slack::web_api api;
  workflows::engine engine;
  std::unique_ptr<workflows::outbox_sender> sender;
  std::unique_ptr<workflows::scheduler> timers;
  std::unique_ptr<workflows::job_runner> jobs;
  std::unique_ptr<store::people> people_cache;
  std::unique_ptr<people_resolver> people;
  std::unique_ptr<service> svc;
  std::unique_ptr<slack::socket_mode_client> socket;
};

app::app(asio::io_context& io, app_options options)
    : io_(io), options_(std::move(options)), parts_(std::make_unique<parts>(io, options_)) {}

app::~app() = default;

asio::awaitable<void> app::start() {
  auto& p = *parts_;
  auto who = co_await p.api.auth_test();
  log::info(kLog, "signed in to {} as {} ({})", who.team_name, who.user, who.bot);
  p.svc = std::make_unique<service>(io_.get_executor(), p.inbox, p.engine, p.clock, identity{who.user, who.bot.str()},
                                    options_.cfg.access);
  p.engine.recover();
  p.svc->replay();

  slack::socket_mode_settings sm;
  sm.connections = options_.cfg.slack.connections;
  sm.timeouts.idle = std::chrono::duration_cast<std::chrono::milliseconds>(options_.cfg.slack.ping_timeout);
  auto open_url = [&api = p.api]() -> asio::awaitable<std::string> {
    try {
      co_return co_await api.apps_connections_open();
    } catch (const slack::api_error& e) {
      if (e.fatal()) throw slack::fatal_connect_error(fmt::format("apps.connections.open: {}", e.what()));
      throw;
    }
  };
  slack::socket_mode_handlers handlers;
  handlers.on_envelope = [svc = p.svc.get()](const slack::envelope& e, slack::ack_sender ack) {
    svc->on_envelope(e, std::move(ack));
  };
  handlers.before_read = [svc = p.svc.get()] { return svc->read_gate(); };
  handlers.on_hello = [trimmed = false](const slack::hello_frame&) mutable {
    // Start-up (config, migrations, recovery) is over: give its freed heap back to the system once.
    if (!trimmed) malloc_trim(0);
    trimmed = true;
  };
  handlers.on_fatal = [this](const std::string& why) {
    fatal_ = why;
    asio::co_spawn(io_, stop(), [this](const std::exception_ptr&) { io_.stop(); });
  };
  auto tls = [&p, extra = options_.extra_ca_file]() -> asio::ssl::context& {
    if (!p.tls) p.tls.emplace(slack::make_tls_client_context(extra));
    return *p.tls;
  };
  p.socket = std::make_unique<slack::socket_mode_client>(io_.get_executor(), tls, sm, open_url, handlers);
  p.socket->start();
}

asio::awaitable<void> app::stop() {
  auto& p = *parts_;
  if (p.socket) co_await p.socket->stop();
  p.timers->stop();
  // Running children are stopped; their jobs stay `running` in the store, so the next start tells their
  // requesters they were interrupted instead of re-running them silently.
  p.jobs->shutdown();
  // Let messages being sent finish, briefly; the rest stay in the outbox for the next start.
  asio::steady_timer tick(io_);
  for (int i = 0; i < 20 && !p.sender->idle(); ++i) {
    tick.expires_after(std::chrono::milliseconds{50});
    co_await tick.async_wait(asio::use_awaitable);
  }
  p.sender->stop();
  p.http.close_idle();
}

const slack::socket_mode_stats* app::socket_stats() const {
  return parts_->socket ? &parts_->socket->stats() : nullptr;
}
const service_stats* app::stats() const { return parts_->svc ? &parts_->svc->stats() : nullptr; }

int run_until_signalled(app_options options) {
  asio::io_context io(1);
  app bot(io, std::move(options));
  int exit_code = 0;
  bool stopping = false;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log::info(kLog, "signal {}: shutting down", sig);
    stopping = true;
    asio::co_spawn(io, bot.stop(), [&](const std::exception_ptr&) { io.stop(); });
  });
  asio::co_spawn(io, bot.start(), [&](const std::exception_ptr& e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const slack::api_error& err) {
      log::error(kLog, "Slack refused to start the bot: {}", err.what());
    } catch (const std::exception& err) {
      log::error(kLog, "the bot could not start: {}", err.what());
    }
    exit_code = 1;
    signals.cancel();
    io.stop();
  });
  io.run();
  if (bot.fatal()) {
    log::error(kLog, "stopped: {}", bot.fatal_reason());
    return 1;
  }
  if (stopping) log::info(kLog, "stopped cleanly");
  return exit_code;
}

}  // namespace tugboat::bot
