#include "slack/http_client.hpp"

#include <fmt/format.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <map>
#include <utility>

#include "core/text.hpp"
#include "slack/tls.hpp"
#include "slack/url.hpp"

namespace tugboat::slack {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
using error_code = boost::system::error_code;

struct connection {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  steady::time_point idle_since{};

  beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

struct exchange_result {
  error_code ec;
  http_stage stage = http_stage::sending;
  bool got_any = false;
  bool keep_alive = false;
  http_response response;
};

std::string_view stage_name(http_stage stage) {
  switch (stage) {
    case http_stage::connecting:
      return "connecting to";
    case http_stage::sending:
      return "sending to";
    case http_stage::receiving:
      return "waiting for";
  }
  return "talking to";
}

bool is_timeout(const error_code& ec) {
  return ec == beast::error::timeout;
}

// An idle keep-alive connection is healthy only if nothing is readable: a FIN (server closed it), a TLS
// close_notify or an unsolicited error page all mean it must not carry another request.
bool looks_alive(connection& c) {
  auto& socket = c.tcp().socket();
  if (!socket.is_open()) return false;
  error_code ec;
  if (socket.available(ec) > 0 || ec) return false;
  socket.non_blocking(true, ec);
  if (ec) return false;
  char byte = 0;
  const auto n = socket.receive(asio::buffer(&byte, 1), tcp::socket::message_peek, ec);
  error_code ignored;
  socket.non_blocking(false, ignored);
  return n == 0 && ec == asio::error::would_block;
}

template <typename Stream>
asio::awaitable<exchange_result> exchange(Stream& stream, beast::flat_buffer& buffer,
                                          const http::request<http::string_body>& message,
                                          std::size_t limit) {
  exchange_result r;
  co_await http::async_write(stream, message, asio::redirect_error(asio::use_awaitable, r.ec));
  if (r.ec) co_return r;
  r.stage = http_stage::receiving;
  http::response_parser<http::string_body> parser;
  parser.body_limit(limit);
  co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, r.ec));
  r.got_any = parser.got_some();
  if (r.ec) co_return r;
  auto response = parser.release();
  r.response.status = static_cast<int>(response.result_int());
  for (const auto& field : response)
    r.response.headers.push_back({std::string{field.name_string()}, std::string{field.value()}});
  r.response.body = std::move(response.body());
  r.keep_alive = response.keep_alive();
  co_return r;
}

}  // namespace

std::optional<std::string_view> http_response::header(std::string_view name) const {
  const auto wanted = text::to_lower(name);
  for (const auto& h : headers)
    if (text::to_lower(h.name) == wanted) return std::string_view{h.value};
  return std::nullopt;
}

struct http_client::impl {
  asio::any_io_executor executor;
  http_client_settings settings;
  std::optional<ssl::context> tls_context;
  std::map<std::string, std::vector<std::unique_ptr<connection>>, std::less<>> idle;
  http_client_stats stats;

  ssl::context& tls() {
    // Built on first use: plain-HTTP users (the emulator) never pay for loading the CA store, and
    // SSL_CERT_FILE is read when the first TLS connection is made.
    if (!tls_context) tls_context.emplace(make_tls_client_context(settings.extra_ca_file));
    return *tls_context;
  }

  static std::string pool_key(const url_parts& u) {
    return fmt::format("{}://{}:{}", u.scheme, u.host, u.port);
  }

  std::unique_ptr<connection> take_idle(const std::string& key) {
    const auto it = idle.find(key);
    if (it == idle.end()) return nullptr;
    auto& pool = it->second;
    const auto now = steady::now();
    while (!pool.empty()) {
      auto c = std::move(pool.back());  // most recently used first: the likeliest to be alive
      pool.pop_back();
      if (now - c->idle_since <= settings.max_idle_time && looks_alive(*c)) return c;
      ++stats.stale_connections_dropped;
    }
    return nullptr;
  }

  void put_idle(const std::string& key, std::unique_ptr<connection> c) {
    if (settings.max_idle_per_host == 0) return;
    c->tcp().expires_never();
    c->idle_since = steady::now();
    auto& pool = idle[key];
    if (pool.size() >= settings.max_idle_per_host) pool.erase(pool.begin());
    pool.push_back(std::move(c));
  }

  asio::awaitable<std::unique_ptr<connection>> connect(const url_parts& u, steady::time_point deadline) {
    const auto connect_deadline = std::min(deadline, steady::now() + settings.connect_timeout);
    const auto where = fmt::format("{}:{}", u.host, u.port);
    error_code ec;

    // The resolver has no timeout of its own; a timer cancels it. The timer's handler may run after
    // this frame is gone, hence the weak pointer.
    auto resolver = std::make_shared<tcp::resolver>(executor);
    asio::steady_timer guard{executor, connect_deadline};
    guard.async_wait([weak = std::weak_ptr<tcp::resolver>(resolver)](error_code wait_ec) {
      if (wait_ec) return;
      if (auto r = weak.lock()) r->cancel();
    });
    const auto service = std::to_string(u.port);
    const auto endpoints =
        co_await resolver->async_resolve(u.host, service, asio::redirect_error(asio::use_awaitable, ec));
    guard.cancel();
    if (ec) {
      const bool timed_out = ec == asio::error::operation_aborted;
      throw http_error(http_stage::connecting, timed_out,
                       fmt::format("resolving {} failed: {}", where, timed_out ? "timed out" : ec.message()));
    }

    auto c = std::make_unique<connection>();
    if (u.tls()) {
      c->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(executor, tls());
    } else {
      c->plain = std::make_unique<beast::tcp_stream>(executor);
    }
    auto& stream = c->tcp();
    stream.expires_at(connect_deadline);
    co_await stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      throw http_error(
          http_stage::connecting, is_timeout(ec),
          fmt::format("connecting to {} failed: {}", where, is_timeout(ec) ? "timed out" : ec.message()));
    }
    stream.socket().set_option(tcp::no_delay(true), ec);

    if (c->tls) {
      prepare_tls_client(*c->tls, u.host);
      co_await c->tls->async_handshake(ssl::stream_base::client,
                                       asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        throw http_error(http_stage::connecting, is_timeout(ec),
                         fmt::format("TLS handshake with {} failed: {}", where,
                                     is_timeout(ec) ? "timed out" : ec.message()));
      }
    }
    ++stats.connections_opened;
    co_return c;
  }
};

http_client::http_client(boost::asio::any_io_executor executor, http_client_settings settings)
    : impl_(std::make_unique<impl>()) {
  impl_->executor = std::move(executor);
  impl_->settings = std::move(settings);
}

http_client::~http_client() = default;

void http_client::close_idle() {
  impl_->idle.clear();
}

std::size_t http_client::idle_connections() const {
  std::size_t n = 0;
  for (const auto& [key, pool] : impl_->idle) n += pool.size();
  return n;
}

const http_client_stats& http_client::stats() const {
  return impl_->stats;
}

boost::asio::awaitable<http_response> http_client::request(http_request req) {
  auto& self = *impl_;
  const auto parsed = parse_url(req.url);
  if (!parsed || (parsed->scheme != "http" && parsed->scheme != "https"))
    throw std::invalid_argument("http_client: the URL is not an absolute http or https URL");
  const url_parts& u = *parsed;
  ++self.stats.requests;

  const auto timeout = req.timeout.count() > 0 ? req.timeout : self.settings.request_timeout;
  const auto deadline = steady::now() + timeout;

  http::request<http::string_body> message{req.verb == http_verb::post ? http::verb::post : http::verb::get,
                                           u.target, 11};
  message.set(http::field::host, u.host_header());
  message.set(http::field::user_agent, self.settings.user_agent);
  for (const auto& h : req.headers) message.set(h.name, h.value);
  message.body() = std::move(req.body);
  message.keep_alive(true);
  message.prepare_payload();

  const auto key = impl::pool_key(u);
  for (int attempt = 0;; ++attempt) {
    auto c = self.take_idle(key);
    const bool reused = c != nullptr;
    if (reused) {
      ++self.stats.connections_reused;
    } else {
      c = co_await self.connect(u, deadline);
    }
    c->tcp().expires_at(deadline);
    // (Two statements, not `?:` — GCC 12 destroys the result of a co_await inside a conditional
    // expression twice.)
    exchange_result r;
    if (c->tls) {
      r = co_await exchange(*c->tls, c->buffer, message, self.settings.max_response_bytes);
    } else {
      r = co_await exchange(*c->plain, c->buffer, message, self.settings.max_response_bytes);
    }
    if (!r.ec) {
      // Bytes beyond the answer would be read as the start of the next one: such a connection is not reused.
      if (r.keep_alive && c->buffer.size() == 0) self.put_idle(key, std::move(c));
      co_return std::move(r.response);
    }
    // A kept-alive connection the server closed between our liveness check and the write: the server
    // did not take the request, so it goes again over a fresh connection. An empty answer after a
    // complete write is ambiguous (closed idle vs. crashed while handling) — resent only if replayable.
    const bool stale = reused && attempt == 0 && !is_timeout(r.ec) &&
                       (r.stage == http_stage::sending || (!r.got_any && req.replayable));
    if (stale) {
      ++self.stats.stale_connections_dropped;
      continue;
    }
    throw http_error(r.stage, is_timeout(r.ec),
                     fmt::format("{} {}:{} failed: {}", stage_name(r.stage), u.host, u.port,
                                 is_timeout(r.ec) ? "timed out" : r.ec.message()));
  }
}

}  // namespace tugboat::slack
