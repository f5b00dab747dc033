#include "slack/emulator/server.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <optional>
#include <stdexcept>

#include "core/log.hpp"

namespace tugboat::slack::emu {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using net::awaitable;

namespace {

constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);
constexpr auto kIdleTimeout = std::chrono::minutes(5);
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
constexpr std::size_t kBodyLimit = 16 * 1024 * 1024;

std::string query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto part = query.substr(0, amp);
    auto eq = part.find('=');
    if (part.substr(0, eq) == name)
      return std::string(eq == std::string_view::npos ? "" : part.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

}  // namespace

struct server::impl {
  net::io_context& ioc;
  const emulator_settings& settings;
  socket_hub& hub;
  http_handler handler;
  tcp::acceptor acceptor;
  std::optional<net::ssl::context> ssl;
  std::uint64_t next_link = 0;
  std::uint16_t port = 0;

  impl(net::io_context& c, const emulator_settings& s, socket_hub& h, http_handler fn)
      : ioc(c), settings(s), hub(h), handler(std::move(fn)), acceptor(c) {}

  awaitable<void> accept_loop();
  awaitable<void> serve(tcp::socket socket);
  // Returns true when the stream was upgraded to a WebSocket (and so moved away).
  template <class Stream>
  awaitable<bool> http_session(Stream& stream);
  awaitable<http_response> call_handler(http_request r);
};

// ---- WebSocket session ----------------------------------------------------------------------------

namespace {

template <class Stream>
class ws_session final : public socket_link, public std::enable_shared_from_this<ws_session<Stream>> {
 public:
  ws_session(Stream&& s, server::impl& srv, std::uint64_t id)
      : ws_(std::move(s)), srv_(srv), id_(id), ping_timer_(ws_.get_executor()) {}

  std::uint64_t id() const override { return id_; }

  awaitable<void> run(http::request<http::string_body> req) {
    auto self = this->shared_from_this();
    ws_.set_option(websocket::stream_base::timeout{kHandshakeTimeout, websocket::stream_base::none(), false});
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "tugboat-slack-emulator"); }));
    ws_.read_message_max(kBodyLimit);
    auto [ec] = co_await ws_.async_accept(req, kNoThrow);
    if (ec) co_return;
    srv_.hub.on_open(self);
    schedule_ping();
    beast::flat_buffer buf;
    for (;;) {
      auto [rec, n] = co_await ws_.async_read(buf, kNoThrow);
      if (rec) break;
      if (ws_.got_text()) {
        auto data = buf.cdata();
        srv_.hub.on_text(id_, std::string_view(static_cast<const char*>(data.data()), data.size()));
      } else {
        srv_.hub.on_bad_frame(id_);
      }
      buf.consume(buf.size());
    }
    if (blackholed_ && !dropped_) {
      // A blackholed socket still notices when the peer goes away, but never answers anything.
      std::array<char, 4096> junk{};
      for (;;) {
        auto [e, m] =
            co_await beast::get_lowest_layer(ws_).socket().async_read_some(net::buffer(junk), kNoThrow);
        if (e) break;
      }
    }
    closed_ = true;
    ping_timer_.cancel();
    srv_.hub.on_closed(id_);
  }

  void send(std::string frame, bool binary, std::string envelope_id) override {
    if (blackholed_) {
      if (!envelope_id.empty()) srv_.hub.on_written(id_, envelope_id);
      return;
    }
    if (closed_ || closing_) return;
    queue_.push_back({std::move(frame), binary, std::move(envelope_id)});
    if (!writing_) write_next();
  }

  void close() override {
    if (closed_ || closing_ || blackholed_) return;
    closing_ = true;
    if (pinging_) return;  // the ping's handler closes (Beast allows one ping/close at a time)
    start_close();
  }

  void drop() override {
    if (dropped_) return;
    dropped_ = true;
    closed_ = true;
    ping_timer_.cancel();
    auto& sock = beast::get_lowest_layer(ws_).socket();
    boost::system::error_code ec;
    sock.set_option(tcp::socket::linger(true, 0), ec);
    sock.close(ec);
  }

  void blackhole() override {
    if (blackholed_ || closed_) return;
    blackholed_ = true;
    ping_timer_.cancel();
    for (auto& f : queue_) {
      if (!f.envelope_id.empty()) srv_.hub.on_written(id_, f.envelope_id);
    }
    // The frame being written must outlive its write; the rest can go.
    if (writing_ && !queue_.empty()) queue_.erase(queue_.begin() + 1, queue_.end());
    if (!writing_) queue_.clear();
    boost::system::error_code ec;
    beast::get_lowest_layer(ws_).socket().cancel(ec);
  }

 private:
  struct out_frame {
    std::string data;
    bool binary = false;
    std::string envelope_id;
  };

  void write_next() {
    writing_ = true;
    auto& f = queue_.front();
    ws_.binary(f.binary);
    ws_.async_write(
        net::buffer(f.data),
        [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(boost::system::error_code ec) {
    if (ec || blackholed_) {
      writing_ = false;
      queue_.clear();  // the hub starts the ack deadline of lost frames when the socket closes
      return;
    }
    auto f = std::move(queue_.front());
    queue_.pop_front();
    // writing_ stays true here: on_written may send() again (the flood refills), and that must only queue.
    if (!f.envelope_id.empty()) srv_.hub.on_written(id_, f.envelope_id);
    if (!queue_.empty() && !closed_ && !blackholed_) {
      write_next();
    } else {
      writing_ = false;
    }
  }

  void start_close() {
    ws_.async_close(websocket::close_code::normal,
                    [self = this->shared_from_this()](boost::system::error_code) {});
  }

  void schedule_ping() {
    auto every = srv_.settings.server_ping_interval;
    if (every.count() <= 0) return;
    ping_timer_.expires_after(every);
    ping_timer_.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
      if (ec || self->closed_ || self->closing_ || self->blackholed_) return;
      self->pinging_ = true;
      self->ws_.async_ping({}, [self](boost::system::error_code) {
        self->pinging_ = false;
        if (self->closing_ && !self->closed_ && !self->blackholed_) return self->start_close();
        self->schedule_ping();
      });
    });
  }

  websocket::stream<Stream> ws_;
  server::impl& srv_;
  std::uint64_t id_;
  net::steady_timer ping_timer_;
  std::deque<out_frame> queue_;  // front is on the wire while writing_
  bool writing_ = false;
  bool pinging_ = false;
  bool closing_ = false;
  bool closed_ = false;
  bool dropped_ = false;
  bool blackholed_ = false;
};

}  // namespace

// ---- HTTP ------------------------------------------------------------------------------------------

awaitable<http_response> server::impl::call_handler(http_request r) {
  struct pending {
    std::optional<http_response> response;
    net::steady_timer signal;
  };
  auto p = std::make_shared<pending>(pending{std::nullopt, net::steady_timer(ioc)});
  handler(std::move(r), [p](http_response resp) {
    p->response = std::move(resp);
    p->signal.cancel();
  });
  if (!p->response) {
    p->signal.expires_at(net::steady_timer::time_point::max());
    co_await p->signal.async_wait(kNoThrow);
  }
  if (!p->response) co_return http_response{503, "text/plain", "emulator shutting down", {}, {}};
  co_return std::move(*p->response);
}

template <class Stream>
awaitable<bool> server::impl::http_session(Stream& stream) {
  beast::flat_buffer buf;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kBodyLimit);
    beast::get_lowest_layer(stream).expires_after(kIdleTimeout);
    auto [ec, n] = co_await http::async_read(stream, buf, parser, kNoThrow);
    if (ec) co_return false;
    auto req = parser.release();
    std::string target(req.target());
    auto qpos = target.find('?');
    std::string path = target.substr(0, qpos);
    std::string query = qpos == std::string::npos ? "" : target.substr(qpos + 1);

    if (websocket::is_upgrade(req)) {
      if ((path == "/link/" || path == "/link") && hub.take_ticket(query_param(query, "ticket"))) {
        beast::get_lowest_layer(stream).expires_never();
        auto s = std::make_shared<ws_session<Stream>>(std::move(stream), *this, ++next_link);
        co_await s->run(std::move(req));
        co_return true;
      }
      http::response<http::string_body> res{http::status::unauthorized, req.version()};
      res.set(http::field::content_type, "text/plain");
      res.body() = "invalid or used ticket\n";
      res.keep_alive(false);
      res.prepare_payload();
      co_await http::async_write(stream, res, kNoThrow);
      co_return false;
    }

    http_request r;
    r.verb = std::string(req.method_string());
    r.target = target;
    r.path = path;
    r.query = query;
    r.authorization = std::string(req[http::field::authorization]);
    r.content_type = std::string(req[http::field::content_type]);
    r.body = std::move(req.body());
    auto resp = co_await call_handler(std::move(r));
    if (resp.delay.count() > 0) {
      net::steady_timer t(ioc, resp.delay);
      co_await t.async_wait(kNoThrow);
    }
    http::response<http::string_body> res{static_cast<http::status>(resp.status), req.version()};
    res.set(http::field::server, "tugboat-slack-emulator");
    res.set(http::field::content_type, resp.content_type);
    for (auto& [k, v] : resp.headers) res.set(k, v);
    res.keep_alive(req.keep_alive());
    res.body() = std::move(resp.body);
    res.prepare_payload();
    auto [wec, m] = co_await http::async_write(stream, res, kNoThrow);
    if (wec || !res.keep_alive()) co_return false;
  }
}

awaitable<void> server::impl::serve(tcp::socket socket) {
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  beast::tcp_stream stream(std::move(socket));
  if (!ssl) {
    if (!co_await http_session(stream)) stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> tls(std::move(stream), *ssl);
  beast::get_lowest_layer(tls).expires_after(kHandshakeTimeout);
  auto [hec] = co_await tls.async_handshake(net::ssl::stream_base::server, kNoThrow);
  if (hec) co_return;
  if (co_await http_session(tls)) co_return;
  beast::get_lowest_layer(tls).expires_after(std::chrono::seconds(2));
  co_await tls.async_shutdown(kNoThrow);
}

awaitable<void> server::impl::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kNoThrow);
    if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;  // e.g. too many open files: keep serving the sockets we have
    net::co_spawn(ioc, serve(std::move(socket)), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        log::error("emulator", "connection failed: {}", ex.what());
      }
    });
  }
}

server::server(net::io_context& ioc, const emulator_settings& settings, socket_hub& hub, http_handler handler)
    : impl_(std::make_unique<impl>(ioc, settings, hub, std::move(handler))) {}

server::~server() = default;

void server::listen(const tls_material* tls) {
  auto& i = *impl_;
  if (tls != nullptr) {
    i.ssl.emplace(net::ssl::context::tls_server);
    i.ssl->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                       net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                       net::ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    i.ssl->use_certificate_chain(net::buffer(tls->cert_pem), ec);
    if (!ec) i.ssl->use_private_key(net::buffer(tls->key_pem), net::ssl::context::pem, ec);
    if (ec) throw std::runtime_error("emulator: bad TLS certificate or key: " + ec.message());
  }
  boost::system::error_code ec;
  auto address = net::ip::make_address(i.settings.host, ec);
  if (ec) throw std::runtime_error("emulator: bad host address '" + i.settings.host + "'");
  tcp::endpoint ep(address, i.settings.port);
  i.acceptor.open(ep.protocol());
  i.acceptor.set_option(net::socket_base::reuse_address(true));
  i.acceptor.bind(ep, ec);
  if (ec)
    throw std::runtime_error("emulator: cannot listen on " + i.settings.host + ":" +
                             std::to_string(i.settings.port) + ": " + ec.message());
  i.acceptor.listen(net::socket_base::max_listen_connections);
  i.port = i.acceptor.local_endpoint().port();
  net::co_spawn(i.ioc, i.accept_loop(), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log::error("emulator", "accept loop failed: {}", ex.what());
    }
  });
}

std::uint16_t server::port() const {
  return impl_->port;
}

void server::close() {
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
}

}  // namespace tugboat::slack::emu
