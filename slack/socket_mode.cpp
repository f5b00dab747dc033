#include "slack/socket_mode.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <random>
#include <set>

#include "core/log.hpp"

namespace tugboat::slack {
namespace {

namespace asio = boost::asio;
using asio::use_awaitable;
using std::chrono::milliseconds;

constexpr std::string_view kLog = "socket";

}  // namespace

struct socket_mode_client::state : std::enable_shared_from_this<state> {
  state(asio::any_io_executor e, tls_provider t, socket_mode_settings s, url_opener o, socket_mode_handlers h)
      : ex(std::move(e)), tls(std::move(t)), settings(s), open_url(std::move(o)), handlers(std::move(h)),
        rng(std::random_device{}()) {}

  asio::any_io_executor ex;
  tls_provider tls;
  socket_mode_settings settings;
  url_opener open_url;
  socket_mode_handlers handlers;
  socket_mode_stats stats;
  std::mt19937 rng;
  bool stopping = false;
  bool failed = false;
  std::set<std::shared_ptr<ws_link>> links;
  std::set<asio::steady_timer*> sleepers;

  // Exponential backoff with full jitter: a random wait in [d/2, d] where d doubles per attempt up to max.
  milliseconds backoff(int attempt) {
    auto d = settings.backoff_initial;
    for (int i = 0; i < attempt && d < settings.backoff_max; ++i) d *= 2;
    d = std::min(d, settings.backoff_max);
    std::uniform_int_distribution<long long> pick(d.count() / 2, d.count());
    return milliseconds{pick(rng)};
  }

  asio::awaitable<void> sleep(milliseconds d) {
    if (d.count() <= 0) co_return;
    asio::steady_timer timer(ex, d);
    sleepers.insert(&timer);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
    sleepers.erase(&timer);
  }

  void fail(const std::string& why) {
    if (failed) return;
    failed = true;
    stopping = true;
    log::error(kLog, "Socket Mode stopped: {}", why);
    for (auto* t : sleepers) t->cancel();
    if (handlers.on_fatal) handlers.on_fatal(why);
  }

  void spawn_life(int slot, std::shared_ptr<ws_link> predecessor, milliseconds delay, int attempt) {
    asio::co_spawn(ex, life(shared_from_this(), slot, std::move(predecessor), delay, attempt),
                   log_failure(log::level::error, "socket mode connection"));
  }

  void retire(std::shared_ptr<ws_link> old) {
    asio::co_spawn(
        ex, [old]() -> asio::awaitable<void> { co_await old->close(); },
        log_failure(log::level::error, "closing a replaced connection"));
  }

  // Connects with retries. Returns nullptr when stopping.
  asio::awaitable<std::shared_ptr<ws_link>> connect(int slot, int& attempt) {
    while (!stopping) {
      std::shared_ptr<ws_link> link;
      std::string failure;
      try {
        auto where = co_await open_url();
        auto parsed = parse_url(where);
        if (!parsed || (parsed->scheme != "ws" && parsed->scheme != "wss")) {
          throw std::runtime_error("apps.connections.open returned an unusable URL");
        }
        link = ws_link::create(ex, parsed->tls() ? &tls() : nullptr, *parsed, settings.timeouts);
        links.insert(link);
        co_await link->connect();
        if (stopping) {
          co_await link->close();
          links.erase(link);
          co_return nullptr;
        }
        co_return link;
      } catch (const fatal_connect_error& e) {
        if (link) links.erase(link);
        fail(e.what());
        co_return nullptr;
      } catch (const std::exception& e) {
        failure = describe_failure(e);
      }
      if (link) links.erase(link);
      if (stopping) co_return nullptr;
      auto wait = backoff(attempt++);
      log::warn(kLog, "connection {} could not connect ({}); retrying in {} ms", slot, failure, wait.count());
      co_await sleep(wait);
    }
    co_return nullptr;
  }

  // One link's whole life; it respawns its successor unless a replacement already took the slot over.
  static asio::awaitable<void> life(std::shared_ptr<state> self, int slot, std::shared_ptr<ws_link> predecessor,
                                    milliseconds delay, int attempt) {
    co_await self->sleep(delay);
    if (self->stopping) co_return;
    auto link = co_await self->connect(slot, attempt);
    if (!link) co_return;

    bool replaced = false;
    bool hello = false;
    milliseconds next_delay{0};
    try {
      for (;;) {
        if (self->handlers.before_read && !link->buffered()) co_await self->handlers.before_read();
        auto message = co_await link->read();
        if (message.binary) {
          ++self->stats.malformed;
          log::warn(kLog, "connection {}: ignored a binary frame of {} bytes", slot, message.text.size());
          continue;
        }
        auto decoded = decode_frame(message.text);
        if (message.invalid_utf8) {  // reported as malformed, but acked if it names its envelope
          auto* env = std::get_if<envelope>(&decoded);
          decoded = malformed_frame{"a text frame that is not valid UTF-8", env ? env->envelope_id : std::string()};
        }
        if (auto* env = std::get_if<envelope>(&decoded)) {
          ++self->stats.envelopes;
          ack_sender ack = [weak = std::weak_ptr<ws_link>(link), self, id = env->envelope_id,
                            accepts = env->accepts_response_payload](const ack_decision& d) {
            auto l = weak.lock();
            if (!d.ack || !l) return;
            l->send(encode_ack(id, accepts ? d.payload : ""));
            ++self->stats.acks;
          };
          if (self->handlers.on_envelope) {
            self->handlers.on_envelope(*env, std::move(ack));
          } else {
            ack({});
          }
        } else if (auto* h = std::get_if<hello_frame>(&decoded)) {
          if (!hello) {
            hello = true;
            attempt = 0;
            ++self->stats.open;
            ++self->stats.hellos;
          }
          log::info(kLog, "connection {} ready (num_connections={}, lifetime≈{}s)", slot, h->num_connections,
                    h->approximate_connection_time);
          if (self->handlers.on_hello) self->handlers.on_hello(*h);
          if (predecessor) {
            self->retire(std::move(predecessor));
            predecessor.reset();
          }
        } else if (auto* d = std::get_if<disconnect_frame>(&decoded)) {
          log::info(kLog, "connection {}: Slack sent disconnect ({})", slot, d->reason);
          if (d->reason == "link_disabled") {
            self->fail("Slack disabled Socket Mode for this app (disconnect: link_disabled); enable Socket Mode "
                       "in the app settings and start tugboat again");
            co_await link->close();
            break;
          }
          if (d->reason == "too_many_websockets") {
            next_delay = self->settings.too_many_websockets_pause;
            log::warn(kLog, "connection {}: too many WebSockets for this app (another tugboat running with the "
                      "same app token?); backing off {} ms", slot, next_delay.count());
            co_await link->close();
            break;
          }
          // warning, refresh_requested and anything new: make before break.
          if (!replaced && !self->stopping) {
            replaced = true;
            self->spawn_life(slot, link, milliseconds{0}, 0);
          }
        } else {
          const auto& bad = std::get<malformed_frame>(decoded);
          ++self->stats.malformed;
          log::warn(kLog, "connection {}: malformed frame ({}){}", slot, bad.error,
                    bad.envelope_id.empty() ? "" : "; acked so Slack does not redeliver it");
          if (!bad.envelope_id.empty()) {
            link->send(encode_ack(bad.envelope_id));
            ++self->stats.acks;
          }
        }
      }
    } catch (const boost::system::system_error& e) {
      if (!self->stopping && !replaced) log::warn(kLog, "connection {} lost: {}", slot, describe_failure(e));
    }
    self->links.erase(link);
    if (hello) --self->stats.open;
    if (replaced || self->stopping) co_return;
    ++self->stats.reconnects;
    if (!hello) next_delay = std::max(next_delay, self->backoff(attempt++));
    self->spawn_life(slot, std::move(predecessor), next_delay, attempt);
  }
};

socket_mode_client::socket_mode_client(asio::any_io_executor ex, tls_provider tls,
                                       socket_mode_settings settings, url_opener open_url,
                                       socket_mode_handlers handlers)
    : state_(std::make_shared<state>(std::move(ex), std::move(tls), settings, std::move(open_url), std::move(handlers))) {}

socket_mode_client::~socket_mode_client() {
  state_->stopping = true;
  for (auto* t : state_->sleepers) t->cancel();
  for (const auto& link : state_->links) link->abort();
}

void socket_mode_client::start() {
  const int n = std::clamp(state_->settings.connections, 1, 10);
  for (int slot = 0; slot < n; ++slot) state_->spawn_life(slot, nullptr, milliseconds{0}, 0);
}

asio::awaitable<void> socket_mode_client::stop() {
  auto s = state_;
  s->stopping = true;
  for (auto* t : s->sleepers) t->cancel();
  auto links = s->links;
  for (const auto& link : links) s->retire(link);
  // Wait for the close handshakes, but not past the deadline: then drop what is left.
  asio::steady_timer tick(s->ex);
  for (int i = 0; i < 30 && !s->links.empty(); ++i) {
    tick.expires_after(milliseconds{100});
    boost::system::error_code ec;
    co_await tick.async_wait(asio::redirect_error(use_awaitable, ec));
  }
  for (const auto& link : s->links) link->abort();
}

const socket_mode_stats& socket_mode_client::stats() const { return state_->stats; }

}  // namespace tugboat::slack
