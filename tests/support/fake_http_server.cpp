#include "tests/support/fake_http_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <map>

#include "core/text.hpp"

namespace tugboat::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

}  // namespace

std::optional<std::string> recorded_request::header(std::string_view name) const {
  const auto wanted = text::to_lower(name);
  for (const auto& h : headers)
    if (text::to_lower(h.name) == wanted) return h.value;
  return std::nullopt;
}

std::string recorded_request::path() const {
  return target.substr(0, target.find('?'));
}

std::string recorded_request::query() const {
  const auto q = target.find('?');
  return q == std::string::npos ? std::string{} : target.substr(q + 1);
}

struct fake_http_server::impl : std::enable_shared_from_this<impl> {
  asio::io_context& io;
  handler respond;
  tcp::acceptor acceptor;
  std::optional<asio::ssl::context> tls;
  std::vector<recorded_request> requests;
  std::size_t accepted = 0;
  std::uint16_t port = 0;
  std::map<std::size_t, tcp::socket*> open;  // live connections, closed by stop()
  std::exception_ptr failure;
  bool stopped = false;

  impl(asio::io_context& context, handler h) : io(context), respond(std::move(h)), acceptor(context) {}

  void record_failure(std::exception_ptr e) {
    if (e && !failure) failure = e;
  }

  template <typename Stream>
  asio::awaitable<void> serve(Stream& stream, std::size_t index) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      error_code ec;
      co_await http::async_read(stream, buffer, req, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;  // the client closed, or stop()
      recorded_request rec;
      rec.method = std::string{req.method_string()};
      rec.target = std::string{req.target()};
      for (const auto& f : req) rec.headers.push_back({std::string{f.name_string()}, std::string{f.value()}});
      rec.body = req.body();
      rec.connection = index;
      requests.push_back(rec);
      const auto answer = respond(rec);
      if (answer.delay.count() > 0) {
        asio::steady_timer timer{io, answer.delay};
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      if (answer.drop) co_return;
      http::response<http::string_body> res{static_cast<http::status>(answer.status), 11};
      for (const auto& h : answer.headers) res.set(h.name, h.value);
      res.body() = answer.body;
      res.keep_alive(req.keep_alive() && !answer.say_close);
      res.prepare_payload();
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || answer.close_after || answer.say_close || !req.keep_alive()) co_return;
    }
  }

  asio::awaitable<void> session(tcp::socket socket, std::size_t index) {
    auto self = shared_from_this();
    if (tls) {
      beast::ssl_stream<beast::tcp_stream> stream{beast::tcp_stream{std::move(socket)}, *tls};
      open[index] = &beast::get_lowest_layer(stream).socket();
      error_code ec;
      co_await stream.async_handshake(asio::ssl::stream_base::server,
                                      asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) co_await serve(stream, index);
      open.erase(index);
      beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ec);
    } else {
      beast::tcp_stream stream{std::move(socket)};
      open[index] = &stream.socket();
      co_await serve(stream, index);
      open.erase(index);
      error_code ec;
      stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    }
  }

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    for (;;) {
      error_code ec;
      auto socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec || stopped) co_return;
      socket.set_option(tcp::no_delay(true), ec);
      const auto index = ++accepted;
      asio::co_spawn(io, session(std::move(socket), index),
                     [self](std::exception_ptr e) { self->record_failure(e); });
    }
  }
};

fake_http_server::fake_http_server(boost::asio::io_context& io, handler h, std::optional<tls_identity> tls)
    : impl_(std::make_shared<impl>(io, std::move(h))) {
  if (tls) {
    auto& ctx = impl_->tls.emplace(asio::ssl::context::tls_server);
    ctx.use_certificate_chain(asio::buffer(tls->cert_pem));
    ctx.use_private_key(asio::buffer(tls->key_pem), asio::ssl::context::pem);
  }
  const tcp::endpoint endpoint{asio::ip::make_address("127.0.0.1"), 0};
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  impl_->port = impl_->acceptor.local_endpoint().port();
  auto self = impl_;
  asio::co_spawn(io, impl_->accept_loop(), [self](std::exception_ptr e) { self->record_failure(e); });
}

fake_http_server::~fake_http_server() {
  stop();
}

std::uint16_t fake_http_server::port() const {
  return impl_->port;
}

std::string fake_http_server::base_url(const std::string& host) const {
  return (impl_->tls ? "https://" : "http://") + host + ":" + std::to_string(port()) + "/";
}

const std::vector<recorded_request>& fake_http_server::requests() const {
  return impl_->requests;
}

std::size_t fake_http_server::connections_accepted() const {
  return impl_->accepted;
}

void fake_http_server::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  error_code ec;
  impl_->acceptor.close(ec);
  for (auto& [index, socket] : impl_->open) socket->close(ec);
}

void fake_http_server::rethrow_if_failed() const {
  if (impl_->failure) std::rethrow_exception(impl_->failure);
}

}  // namespace tugboat::test
