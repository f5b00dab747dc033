#include "slack/ws_link.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>

#include "core/log.hpp"
#include "slack/tls.hpp"

namespace tugboat::slack {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

// The completion handler of a task spawned for a link: logs how it failed, at `l`.
auto log_failure(log::level l, std::string_view what) {
  return [l, what](const std::exception_ptr& e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log::write(l, "socket", fmt::format("{} failed: {}", what, ex.what()));
    }
  };
}

template <typename NextLayer>
class link_impl final : public ws_link, public std::enable_shared_from_this<link_impl<NextLayer>> {
 public:
  template <typename... Args>
  link_impl(url_parts u, ws_timeouts t, Args&&... next_layer_args)
      : url_(std::move(u)), timeouts_(t), ws_(std::forward<Args>(next_layer_args)...) {}

  asio::awaitable<void> connect() override {
    tcp::resolver resolver(ws_.get_executor());
    auto endpoints = co_await resolver.async_resolve(url_.host, std::to_string(url_.port), use_awaitable);
    auto& tcp_layer = beast::get_lowest_layer(ws_);
    tcp_layer.expires_after(timeouts_.connect);
    co_await tcp_layer.async_connect(endpoints, use_awaitable);
    tcp_layer.socket().set_option(tcp::no_delay(true));
    if constexpr (std::is_same_v<NextLayer, beast::ssl_stream<beast::tcp_stream>>) {
      auto& tls = ws_.next_layer();
      tls.set_verify_mode(asio::ssl::verify_peer);
      prepare_tls_client(tls, url_.host);  // SNI and host-name checks, the same as the Web API's
      co_await tls.async_handshake(asio::ssl::stream_base::client, use_awaitable);
    }
    tcp_layer.expires_never();
    // No idle timeout inside Beast: it re-arms a timer on every frame. The watchdog below does liveness.
    websocket::stream_base::timeout opt{timeouts_.connect, websocket::stream_base::none(), false};
    ws_.set_option(opt);
    ws_.control_callback([this](websocket::frame_type, beast::string_view) { heard_ = true; });
    ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
      req.set(beast::http::field::user_agent, "tugboat");
    }));
    ws_.read_message_max(16 * 1024 * 1024);
    co_await ws_.async_handshake(url_.host_header(), url_.target, use_awaitable);
    heard_ = true;
    asio::co_spawn(ws_.get_executor(), watchdog(this->shared_from_this()),
                   log_failure(log::level::warn, "liveness watchdog"));
  }

  asio::awaitable<ws_message> read() override {
    buffer_.clear();
    co_await ws_.async_read(buffer_, use_awaitable);
    heard_ = true;
    co_return ws_message{beast::buffers_to_string(buffer_.data()), !ws_.got_text()};
  }

  void send(std::string text) override {
    if (closing_) return;
    queue_.push_back(std::move(text));
    if (!writing_) {
      writing_ = true;
      asio::co_spawn(ws_.get_executor(), drain(this->shared_from_this()), log_failure(log::level::debug, "write"));
    }
  }

  asio::awaitable<void> close() override {
    if (closing_) co_return;
    closing_ = true;
    queue_.clear();
    watchdog_.cancel();
    beast::error_code ec;
    co_await ws_.async_close(websocket::close_code::going_away, asio::redirect_error(use_awaitable, ec));
    if (ec) abort();
  }

  void abort() override {
    closing_ = true;
    queue_.clear();
    watchdog_.cancel();
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws_).socket().close(ec);
  }

  std::size_t queued() const override { return queue_.size(); }
  const url_parts& where() const override { return url_; }

 private:
  // The one writer: runs while the queue has frames; `self` keeps the link alive meanwhile.
  asio::awaitable<void> drain(std::shared_ptr<link_impl> self) {
    struct done_writing {
      bool& flag;
      ~done_writing() { flag = false; }
    } guard{writing_};
    while (!queue_.empty() && !closing_) {
      // The frame leaves the queue before the write so close() clearing the queue cannot free it mid-write.
      std::string frame = std::move(queue_.front());
      queue_.pop_front();
      ws_.text(true);
      co_await ws_.async_write(asio::buffer(frame), use_awaitable);
    }
    (void)self;
  }

  // Liveness, one timer per link: every half idle period, a link that heard nothing (no frame, no pong)
  // since the last look gets a ping; one still silent at the next look is dead and is dropped, which
  // fails its pending read.
  asio::awaitable<void> watchdog(std::shared_ptr<link_impl> self) {
    const auto period = timeouts_.idle / 2;
    bool pinged = false;
    while (!closing_) {
      watchdog_.expires_after(period);
      boost::system::error_code ec;
      co_await watchdog_.async_wait(asio::redirect_error(use_awaitable, ec));
      if (ec || closing_) break;
      if (heard_) {
        heard_ = false;
        pinged = false;
        continue;
      }
      if (pinged) {
        log::warn("socket", "{}: nothing heard for {} ms; dropping the connection", url_.host, timeouts_.idle.count());
        abort();
        break;
      }
      pinged = true;
      ws_.async_ping({}, [](const beast::error_code&) {});
    }
    (void)self;
  }

  url_parts url_;
  ws_timeouts timeouts_;
  websocket::stream<NextLayer> ws_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  asio::steady_timer watchdog_{ws_.get_executor()};
  bool closing_ = false;
  bool writing_ = false;
  bool heard_ = false;  // a frame or control frame arrived since the watchdog last looked
};

}  // namespace

std::shared_ptr<ws_link> ws_link::create(asio::any_io_executor ex, asio::ssl::context* tls, url_parts u,
                                         ws_timeouts timeouts) {
  if (u.tls()) {
    if (!tls) throw std::invalid_argument("ws_link: a wss:// link needs a TLS context");
    return std::make_shared<link_impl<beast::ssl_stream<beast::tcp_stream>>>(std::move(u), timeouts, ex, *tls);
  }
  return std::make_shared<link_impl<beast::tcp_stream>>(std::move(u), timeouts, ex);
}

}  // namespace tugboat::slack
