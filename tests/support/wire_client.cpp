#include "tests/support/wire_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cctype>
#include <stdexcept>
#include <variant>

namespace tugboat::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

parsed_url parse_url(const std::string& url) {
  parsed_url u;
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) throw std::runtime_error("bad url: " + url);
  auto scheme = url.substr(0, scheme_end);
  u.tls = scheme == "https" || scheme == "wss";
  auto rest = url.substr(scheme_end + 3);
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  auto colon = authority.rfind(':');
  if (colon == std::string::npos) {
    u.host = authority;
    u.port = u.tls ? "443" : "80";
  } else {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
  }
  return u;
}

std::string http_result::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

namespace {

using plain_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

// Runs the io_context until `done` or the timeout; on timeout cancels the socket and drains the
// handlers so nothing refers to the caller's stack afterwards. Returns false on timeout.
bool run_until(net::io_context& ioc, const bool& done, std::chrono::milliseconds timeout,
               tcp::socket& socket) {
  ioc.restart();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    ioc.run_one_until(deadline);
    if (ioc.stopped()) ioc.restart();
  }
  if (done) return true;
  error_code ec;
  socket.cancel(ec);
  while (!done) {
    ioc.restart();
    ioc.run_one();
  }
  return false;
}

std::unique_ptr<ssl::context> make_tls_context(const std::string& ca_pem) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  ctx->set_verify_mode(ssl::verify_peer);
  if (!ca_pem.empty()) ctx->add_certificate_authority(net::buffer(ca_pem));
  return ctx;
}

// Connects TCP (and TLS, with SNI and host verification) into `out`.
template <class Stream>
void open_stream(net::io_context& ioc, Stream& s, const parsed_url& u, std::chrono::milliseconds timeout) {
  tcp::resolver resolver(ioc);
  auto endpoints = resolver.resolve(u.host, u.port);
  auto& low = beast::get_lowest_layer(s);
  bool done = false;
  error_code ec;
  low.async_connect(endpoints, [&](error_code e, const tcp::endpoint&) {
    ec = e;
    done = true;
  });
  if (!run_until(ioc, done, timeout, low.socket()) || ec) {
    throw std::runtime_error("connect to " + u.host + ":" + u.port + " failed: " + ec.message());
  }
  low.socket().set_option(tcp::no_delay(true));
  if constexpr (std::is_same_v<Stream, tls_stream>) {
    // SNI carries names only, never IP addresses (RFC 6066).
    if (u.host.find_first_not_of("0123456789.") != std::string::npos &&
        SSL_ctrl(s.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(u.host.c_str())) != 1) {
      throw std::runtime_error("SNI failed");
    }
    s.set_verify_callback(ssl::host_name_verification(u.host));
    done = false;
    s.async_handshake(ssl::stream_base::client, [&](error_code e) {
      ec = e;
      done = true;
    });
    if (!run_until(ioc, done, timeout, low.socket()) || ec) {
      throw std::runtime_error("TLS handshake failed: " + ec.message());
    }
  }
}

}  // namespace

// ---- HTTP --------------------------------------------------------------------------------------------

struct http_client::impl {
  net::io_context ioc;
  parsed_url base;
  std::unique_ptr<ssl::context> tls;
  std::optional<plain_stream> plain;
  std::optional<tls_stream> secure;
  beast::flat_buffer buffer;
  int connects = 0;

  bool connected() const { return plain.has_value() || secure.has_value(); }
  tcp::socket& socket() { return plain ? plain->socket() : beast::get_lowest_layer(*secure).socket(); }

  void connect(std::chrono::milliseconds timeout) {
    buffer.clear();
    if (base.tls) {
      secure.emplace(ioc, *tls);
      open_stream(ioc, *secure, base, timeout);
    } else {
      plain.emplace(ioc);
      open_stream(ioc, *plain, base, timeout);
    }
    ++connects;
  }

  void disconnect() {
    plain.reset();
    secure.reset();
  }

  template <class Stream>
  error_code exchange(Stream& s, http::request<http::string_body>& req,
                      http::response<http::string_body>& res, std::chrono::milliseconds timeout) {
    bool done = false;
    error_code ec;
    http::async_write(s, req, [&](error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    if (!run_until(ioc, done, timeout, socket())) return net::error::timed_out;
    if (ec) return ec;
    done = false;
    http::async_read(s, buffer, res, [&](error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    if (!run_until(ioc, done, timeout, socket())) return net::error::timed_out;
    return ec;
  }
};

http_client::http_client(std::string base, std::string ca_pem) : impl_(std::make_unique<impl>()) {
  impl_->base = parse_url(base);
  if (impl_->base.tls) impl_->tls = make_tls_context(ca_pem);
}

http_client::~http_client() = default;

int http_client::connects() const {
  return impl_->connects;
}

http_result http_client::request(const std::string& verb, const std::string& target, const std::string& body,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 std::chrono::milliseconds timeout) {
  auto& i = *impl_;
  http::request<http::string_body> req;
  req.method_string(verb);
  req.target(i.base.target + target);
  req.version(11);
  req.set(http::field::host, i.base.host + ":" + i.base.port);
  req.set(http::field::user_agent, "tugboat-test");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.keep_alive(true);
  req.prepare_payload();
  for (int attempt = 0;; ++attempt) {
    bool reused = i.connected();
    if (!reused) i.connect(timeout);
    http::response<http::string_body> res;
    auto ec = i.secure ? i.exchange(*i.secure, req, res, timeout) : i.exchange(*i.plain, req, res, timeout);
    if (ec) {
      i.disconnect();
      // A kept-alive connection the server closed meanwhile: try once on a fresh one.
      if (reused && attempt == 0 && ec != net::error::timed_out) continue;
      throw std::runtime_error(verb + " " + target + " failed: " + ec.message());
    }
    http_result out;
    out.status = static_cast<int>(res.result_int());
    out.body = res.body();
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(f.value());
    }
    if (!res.keep_alive()) i.disconnect();
    return out;
  }
}

http_result http_client::post_json(const std::string& target, const std::string& json,
                                   const std::string& bearer, std::chrono::milliseconds timeout) {
  std::vector<std::pair<std::string, std::string>> h{{"Content-Type", "application/json; charset=utf-8"}};
  if (!bearer.empty()) h.emplace_back("Authorization", "Bearer " + bearer);
  return request("POST", target, json, h, timeout);
}

http_result http_client::get(const std::string& target, const std::string& bearer,
                             std::chrono::milliseconds timeout) {
  std::vector<std::pair<std::string, std::string>> h;
  if (!bearer.empty()) h.emplace_back("Authorization", "Bearer " + bearer);
  return request("GET", target, {}, h, timeout);
}

// ---- WebSocket ---------------------------------------------------------------------------------------

struct ws_client::impl {
  net::io_context ioc;
  std::unique_ptr<ssl::context> tls;
  std::optional<websocket::stream<plain_stream>> plain;
  std::optional<websocket::stream<tls_stream>> secure;
  beast::flat_buffer buffer;
  bool reading = false;
  bool read_done = false;
  error_code read_ec;
  bool is_closed = false;
  std::string reason;
  int pings = 0;

  tcp::socket& socket() {
    return plain ? beast::get_lowest_layer(*plain).socket() : beast::get_lowest_layer(*secure).socket();
  }

  template <class F>
  void with(F&& f) {
    if (plain) {
      f(*plain);
    } else {
      f(*secure);
    }
  }
};

ws_client::ws_client() : impl_(std::make_unique<impl>()) {}
ws_client::~ws_client() = default;

void ws_client::connect(const std::string& url, const std::string& ca_pem,
                        std::chrono::milliseconds timeout) {
  auto& i = *impl_;
  auto u = parse_url(url);
  if (u.tls) {
    i.tls = make_tls_context(ca_pem);
    i.secure.emplace(i.ioc, *i.tls);
    open_stream(i.ioc, i.secure->next_layer(), u, timeout);
  } else {
    i.plain.emplace(i.ioc);
    open_stream(i.ioc, i.plain->next_layer(), u, timeout);
  }
  bool done = false;
  error_code ec;
  websocket::response_type res;
  i.with([&](auto& ws) {
    ws.async_handshake(res, u.host + ":" + u.port, u.target, [&](error_code e) {
      ec = e;
      done = true;
    });
  });
  if (!run_until(i.ioc, done, timeout, i.socket()) || ec) {
    i.is_closed = true;
    throw std::runtime_error("websocket handshake failed: " + ec.message() + " (HTTP " +
                             std::to_string(res.result_int()) + ")");
  }
  i.with([&i](auto& ws) {
    ws.control_callback([&i](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::ping) ++i.pings;
    });
  });
}

std::optional<ws_frame> ws_client::read(std::chrono::milliseconds timeout) {
  auto& i = *impl_;
  if (i.is_closed) throw std::runtime_error("websocket closed: " + i.reason);
  if (!i.reading) {
    i.reading = true;
    i.read_done = false;
    i.with([&](auto& ws) {
      ws.async_read(i.buffer, [&i](error_code e, std::size_t) {
        i.read_ec = e;
        i.read_done = true;
      });
    });
  }
  i.ioc.restart();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!i.read_done && std::chrono::steady_clock::now() < deadline) {
    i.ioc.run_one_until(deadline);
    if (i.ioc.stopped()) i.ioc.restart();
  }
  if (!i.read_done) return std::nullopt;
  i.reading = false;
  if (i.read_ec) {
    i.is_closed = true;
    i.reason = i.read_ec.message();
    throw std::runtime_error("websocket closed: " + i.reason);
  }
  ws_frame f;
  i.with([&](auto& ws) { f.binary = ws.got_binary(); });
  f.data = beast::buffers_to_string(i.buffer.data());
  i.buffer.consume(i.buffer.size());
  return f;
}

void ws_client::send(const std::string& text, std::chrono::milliseconds timeout) {
  auto& i = *impl_;
  bool done = false;
  error_code ec;
  i.with([&](auto& ws) {
    ws.text(true);
    ws.async_write(net::buffer(text), [&](error_code e, std::size_t) {
      ec = e;
      done = true;
    });
  });
  if (!run_until(i.ioc, done, timeout, i.socket()) || ec)
    throw std::runtime_error("websocket write failed: " + ec.message());
}

void ws_client::close(std::chrono::milliseconds timeout) {
  auto& i = *impl_;
  if (i.is_closed) return;
  bool done = false;
  i.with([&](auto& ws) { ws.async_close(websocket::close_code::normal, [&](error_code) { done = true; }); });
  run_until(i.ioc, done, timeout, i.socket());
  i.is_closed = true;
  // A read left pending completes now that the socket is closed; drain it.
  error_code ec;
  i.socket().close(ec);
  i.ioc.restart();
  i.ioc.poll();
}

bool ws_client::closed() const {
  return impl_->is_closed;
}
int ws_client::pings_received() const {
  return impl_->pings;
}
std::string ws_client::close_reason() const {
  return impl_->reason;
}

}  // namespace tugboat::test
