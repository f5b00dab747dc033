#include "slack/ws_link.hpp"

#include <sys/random.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstring>
#include <optional>

#include "core/log.hpp"
#include "slack/tls.hpp"
#include "slack/ws_frame.hpp"

namespace tugboat::slack {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using boost::system::system_error;

constexpr std::size_t kReadBuffer = 64 * 1024;         // one read takes in this much at most
constexpr std::uint64_t kMaxMessage = 16 * 1024 * 1024;  // a message (all its fragments) at most

// Random bytes for frame masks and the handshake key, taken from the kernel 256 at a time.
class entropy {
 public:
  void take(void* out, std::size_t n) {
    if (used_ + n > pool_.size()) refill();
    std::memcpy(out, pool_.data() + used_, n);
    used_ += n;
  }
  std::uint32_t mask() {
    std::uint32_t v;
    take(&v, sizeof v);
    return v;
  }

 private:
  void refill() {
    std::size_t got = 0;
    while (got < pool_.size()) {
      const auto r = ::getrandom(pool_.data() + got, pool_.size() - got, 0);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) throw system_error(error_code(errno, boost::system::system_category()), "getrandom");
      got += static_cast<std::size_t>(r);
    }
    used_ = 0;
  }
  std::array<unsigned char, 256> pool_{};
  std::size_t used_ = 256;
};

template <typename Stream>
tcp::socket& socket_of(Stream& s) {
  if constexpr (std::is_same_v<Stream, tcp::socket>) {
    return s;
  } else {
    return s.next_layer();
  }
}

template <typename Stream>
class link_impl final : public ws_link, public std::enable_shared_from_this<link_impl<Stream>> {
 public:
  template <typename... Args>
  link_impl(url_parts u, ws_timeouts t, Args&&... stream_args)
      : url_(std::move(u)), timeouts_(t), stream_(std::forward<Args>(stream_args)...) {}

  asio::awaitable<void> connect() override {
    arm_deadline(timeouts_.connect);
    std::string failure;
    error_code code;
    try {
      co_await open();
    } catch (const system_error& e) {
      code = e.code();
    } catch (const std::exception& e) {
      failure = e.what();
    }
    disarm_deadline();
    if (timed_out_) throw system_error(asio::error::timed_out, "WebSocket connect");
    if (code) throw system_error(code, "WebSocket connect");
    if (!failure.empty()) throw std::runtime_error(failure);
    connected_ = true;
    heard_ = true;
    asio::co_spawn(stream_.get_executor(), watchdog(this->shared_from_this()),
                   log_failure(log::level::warn, "liveness watchdog"));
  }

  asio::awaitable<ws_message> read() override {
    // One reader at a time. A second only meets the first when close() reads for the peer's close frame
    // while the link's owner was away between reads (waiting on the bot's read gate): the link is closing.
    if (socket_read_pending_) throw system_error(asio::error::operation_aborted, "the WebSocket is closing");
    if (!connected_) throw system_error(asio::error::not_connected, "WebSocket read");
    for (;;) {
      while (rbegin_ < rend_) {
        auto parsed = ws::parse_frame(std::string_view(rbuf_.get() + rbegin_, rend_ - rbegin_), kMaxMessage);
        if (auto* f = std::get_if<ws::frame>(&parsed)) {
          rbegin_ += f->size;
          if (auto message = on_frame(*f)) co_return std::move(*message);
          continue;
        }
        if (auto* v = std::get_if<ws::violation>(&parsed)) fail_protocol(v->close_code, v->what);
        make_room(std::get<ws::incomplete>(parsed).size);
        break;
      }
      if (rbegin_ == rend_) reset_buffer();
      error_code ec;
      socket_read_pending_ = true;
      const std::size_t n = co_await stream_.async_read_some(
          asio::buffer(rbuf_.get() + rend_, rcap_ - rend_), asio::redirect_error(use_awaitable, ec));
      socket_read_pending_ = false;
      if (ec) stop_reading(system_error(ec));
      rend_ += n;
      heard_ = true;
    }
  }

  void send(std::string text) override {
    if (closing_ || !connected_) return;
    queue(ws::opcode::text, text);
  }

  asio::awaitable<void> close() override {
    if (closing_) co_return;
    if (!connected_) {  // still connecting: there is no WebSocket to close yet
      abort();
      co_return;
    }
    closing_ = true;
    watchdog_.cancel();
    queue(ws::opcode::close, ws::close_payload(ws::close_going_away));
    if (socket_read_pending_) {
      // The reader sees the peer's close frame (or the end of the stream) and wakes us.
      close_wait_.expires_after(timeouts_.connect);
      error_code ec;
      co_await close_wait_.async_wait(asio::redirect_error(use_awaitable, ec));
    } else {
      arm_deadline(timeouts_.connect);
      try {
        for (;;) (void)co_await read();  // until the peer's close frame ends it
      } catch (const std::exception&) {
      }
      disarm_deadline();
    }
    abort();
  }

  void abort() override {
    closing_ = true;
    aborted_ = true;
    out_.clear();
    out_frames_ = 0;
    watchdog_.cancel();
    close_wait_.cancel();
    error_code ec;
    socket_of(stream_).shutdown(tcp::socket::shutdown_both, ec);
    socket_of(stream_).close(ec);
  }

  std::size_t queued() const override { return out_frames_; }
  bool buffered() const override { return rbegin_ < rend_; }
  const url_parts& where() const override { return url_; }

 private:
  // TCP, TLS (wss), and the HTTP upgrade.
  asio::awaitable<void> open() {
    tcp::resolver resolver(stream_.get_executor());
    auto endpoints = co_await resolver.async_resolve(url_.host, std::to_string(url_.port), use_awaitable);
    co_await asio::async_connect(socket_of(stream_), endpoints, use_awaitable);
    socket_of(stream_).set_option(tcp::no_delay(true));
    if constexpr (!std::is_same_v<Stream, tcp::socket>) {
      stream_.set_verify_mode(asio::ssl::verify_peer);
      prepare_tls_client(stream_, url_.host);  // SNI and host-name checks, the same as the Web API's
      co_await stream_.async_handshake(asio::ssl::stream_base::client, use_awaitable);
    }
    std::array<unsigned char, 16> nonce{};
    entropy_.take(nonce.data(), nonce.size());
    const std::string key = ws::base64(nonce);
    const std::string request = fmt::format(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {}\r\n"
        "Sec-WebSocket-Version: 13\r\nUser-Agent: tugboat\r\n\r\n",
        url_.target, url_.host_header(), key);
    co_await asio::async_write(stream_, asio::buffer(request), use_awaitable);
    boost::beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);
    co_await http::async_read(stream_, buffer, parser, use_awaitable);
    check_upgrade(parser.get(), key);
    // Whatever followed the response (hello, often) is the start of the frames.
    rcap_ = std::max(kReadBuffer, buffer.size());
    rbuf_ = std::make_unique_for_overwrite<char[]>(rcap_);
    asio::buffer_copy(asio::buffer(rbuf_.get(), rcap_), buffer.data());
    rend_ = buffer.size();
  }

  static void check_upgrade(const http::response<http::string_body>& res, const std::string& key) {
    if (res.result() != http::status::switching_protocols) {
      throw std::runtime_error(fmt::format("the WebSocket upgrade was refused: HTTP {} {}", res.result_int(),
                                           std::string(res.reason())));
    }
    if (!boost::beast::iequals(res[http::field::upgrade], "websocket")) {
      throw std::runtime_error("the WebSocket upgrade was answered without Upgrade: websocket");
    }
    if (!http::token_list(res[http::field::connection]).exists("upgrade")) {
      throw std::runtime_error("the WebSocket upgrade was answered without Connection: Upgrade");
    }
    if (res.count(http::field::sec_websocket_extensions) > 0 || res.count(http::field::sec_websocket_protocol) > 0) {
      throw std::runtime_error("the WebSocket upgrade was answered with an extension or subprotocol nobody asked for");
    }
    if (res[http::field::sec_websocket_accept] != ws::accept_for(key)) {
      throw std::runtime_error("the WebSocket upgrade was answered with a wrong Sec-WebSocket-Accept");
    }
  }

  // A frame from the peer: a complete data message comes back; control frames are dealt with here.
  std::optional<ws_message> on_frame(const ws::frame& f) {
    switch (f.op) {
      case ws::opcode::ping:
        if (!closing_) queue(ws::opcode::pong, f.payload);
        return std::nullopt;
      case ws::opcode::pong:
        return std::nullopt;
      case ws::opcode::close:
        on_close(f.payload);
      case ws::opcode::text:
      case ws::opcode::binary:
        if (assembling_) fail_protocol(ws::close_protocol_error, "a new message before the last one ended");
        if (f.fin) return message(f.payload, f.op == ws::opcode::binary);
        assembling_ = true;
        partial_binary_ = f.op == ws::opcode::binary;
        partial_.assign(f.payload);
        return std::nullopt;
      case ws::opcode::continuation:
        if (!assembling_) fail_protocol(ws::close_protocol_error, "a continuation frame outside a message");
        if (partial_.size() + f.payload.size() > kMaxMessage) {
          fail_protocol(ws::close_too_big, "a message larger than the limit");
        }
        partial_.append(f.payload);
        if (!f.fin) return std::nullopt;
        assembling_ = false;
        auto m = message(partial_, partial_binary_);
        std::string().swap(partial_);
        return m;
    }
    return std::nullopt;
  }

  static ws_message message(std::string_view payload, bool binary) {
    return ws_message{std::string(payload), binary, !binary && !ws::valid_utf8(payload)};
  }

  // The peer's close frame: answer it (unless we started the close), then the read fails with eof.
  [[noreturn]] void on_close(std::string_view payload) {
    if (payload.size() == 1) fail_protocol(ws::close_protocol_error, "a close frame with a one-byte payload");
    const int code = payload.size() >= 2
                         ? (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1])
                         : 0;
    if (payload.size() >= 2 && !ws::valid_close_code(static_cast<std::uint16_t>(code))) {
      fail_protocol(ws::close_protocol_error, "a close frame with a code no endpoint may send");
    }
    if (!closing_) {
      closing_ = true;
      watchdog_.cancel();
      // The peer's code echoed (RFC 6455 §5.5.1); a close without a code is answered without one.
      queue(ws::opcode::close, payload.size() >= 2 ? ws::close_payload(static_cast<std::uint16_t>(code)) : "");
    }
    drop_after_write_ = true;
    stop_reading(system_error(asio::error::eof, fmt::format("the peer closed the WebSocket (code {})", code)));
  }

  // The peer broke the protocol: say why in a close frame, drop the connection once it is written.
  [[noreturn]] void fail_protocol(std::uint16_t code, const char* what) {
    if (!closing_) {
      closing_ = true;
      watchdog_.cancel();
      queue(ws::opcode::close, ws::close_payload(code));
    }
    drop_after_write_ = true;
    stop_reading(system_error(make_error_code(boost::system::errc::protocol_error),
                              fmt::format("WebSocket protocol error: {}", what)));
  }

  // Every way read() fails ends here: the link is done for, so its watchdog stops too.
  [[noreturn]] void stop_reading(const system_error& why) {
    closing_ = true;
    watchdog_.cancel();
    close_wait_.cancel();  // a close() waiting for the peer need wait no longer
    throw why;
  }

  // Room for a frame of `size` bytes (0: a header not yet complete) starting at rbegin_.
  void make_room(std::size_t size) {
    const std::size_t needed = std::max<std::size_t>(size, 14);
    if (needed > rcap_) {
      resize_buffer(std::max(needed, 2 * rcap_));
    } else if (rcap_ > kReadBuffer && needed <= kReadBuffer && rend_ - rbegin_ <= kReadBuffer / 2) {
      resize_buffer(kReadBuffer);  // a big message is gone but traffic never left the buffer empty
    } else if (rcap_ - rbegin_ < needed || (rbegin_ > 0 && rcap_ - rend_ < kReadBuffer / 4)) {
      std::memmove(rbuf_.get(), rbuf_.get() + rbegin_, rend_ - rbegin_);
      rend_ -= rbegin_;
      rbegin_ = 0;
    }
  }

  void reset_buffer() {
    rbegin_ = rend_ = 0;
    if (rcap_ > kReadBuffer) resize_buffer(kReadBuffer);  // a big message is gone; give its memory back
  }

  // A buffer of `cap` bytes holding the unparsed bytes at its start.
  void resize_buffer(std::size_t cap) {
    auto fresh = std::make_unique_for_overwrite<char[]>(cap);
    std::memcpy(fresh.get(), rbuf_.get() + rbegin_, rend_ - rbegin_);
    rbuf_ = std::move(fresh);
    rcap_ = cap;
    rend_ -= rbegin_;
    rbegin_ = 0;
  }


  void queue(ws::opcode op, std::string_view payload) {
    ws::append_frame(out_, op, payload, entropy_.mask());
    ++out_frames_;
    if (!writing_ && !aborted_) {
      writing_ = true;
      asio::co_spawn(stream_.get_executor(), drain(this->shared_from_this()), log_failure(log::level::debug, "write"));
    }
  }

  // The one writer: everything queued while a write is in flight leaves together in the next one.
  asio::awaitable<void> drain(std::shared_ptr<link_impl> self) {
    struct done_writing {
      bool& flag;
      ~done_writing() { flag = false; }
    } guard{writing_};
    while (!out_.empty() && !aborted_) {
      inflight_.swap(out_);
      out_.clear();
      out_frames_ = 0;
      error_code ec;
      co_await asio::async_write(stream_, asio::buffer(inflight_), asio::redirect_error(use_awaitable, ec));
      inflight_.clear();
      if (ec) {  // a link that cannot send its acks is no use: drop it, so its reader fails and it is replaced
        if (!aborted_) log::debug("socket", "{}: write failed ({}); dropping the connection", url_.host, ec.message());
        abort();
        break;
      }
    }
    if (drop_after_write_) abort();
    (void)self;
  }

  // Closes the socket if the connect (or a close handshake without a reader) outlasts `limit`.
  void arm_deadline(std::chrono::milliseconds limit) {
    deadline_.expires_after(limit);
    deadline_.async_wait([weak = this->weak_from_this(), armed = ++deadline_armed_](const error_code& ec) {
      auto self = weak.lock();
      // A handler already queued when the deadline was disarmed is stale: the link is past that step.
      if (ec || !self || self->deadline_armed_ != armed) return;
      self->timed_out_ = true;
      error_code ignored;
      socket_of(self->stream_).close(ignored);
    });
  }

  void disarm_deadline() {
    ++deadline_armed_;
    deadline_.cancel();
  }

  // Liveness, one timer per link: every half idle period, a link that heard nothing (no frame, no pong)
  // since the last look gets a ping; one still silent at the next look is dead and is dropped, which
  // fails its pending read.
  asio::awaitable<void> watchdog(std::shared_ptr<link_impl> self) {
    const auto period = timeouts_.idle / 2;
    bool pinged = false;
    while (!closing_) {
      watchdog_.expires_after(period);
      error_code ec;
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
      queue(ws::opcode::ping, {});
    }
    (void)self;
  }

  url_parts url_;
  ws_timeouts timeouts_;
  Stream stream_;
  asio::steady_timer watchdog_{stream_.get_executor()};
  asio::steady_timer deadline_{stream_.get_executor()};
  asio::steady_timer close_wait_{stream_.get_executor()};
  entropy entropy_;
  // Read buffer: frames from rbegin_ to rend_, not yet parsed.
  std::unique_ptr<char[]> rbuf_;
  std::size_t rcap_ = 0;
  std::size_t rbegin_ = 0;
  std::size_t rend_ = 0;
  std::string partial_;  // a fragmented message so far
  bool assembling_ = false;
  bool partial_binary_ = false;
  // Write side: frames queued (out_) and the batch being written (inflight_).
  std::string out_;
  std::string inflight_;
  std::size_t out_frames_ = 0;
  bool writing_ = false;
  bool socket_read_pending_ = false;  // a read() waits for the socket
  bool closing_ = false;           // a close frame is queued or sent: no more data frames
  bool aborted_ = false;           // the socket is closed
  bool drop_after_write_ = false;  // close the socket once the queued frames are written
  bool timed_out_ = false;
  bool connected_ = false;  // the opening handshake is done
  unsigned deadline_armed_ = 0;  // which arming of deadline_ is current
  bool heard_ = false;  // a frame or control frame arrived since the watchdog last looked
};

}  // namespace

std::function<void(const std::exception_ptr&)> log_failure(log::level l, std::string_view what) {
  return [l, what](const std::exception_ptr& e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log::write(l, "socket", fmt::format("{} failed: {}", what, describe_failure(ex)));
    }
  };
}

std::string describe_failure(const std::exception& e) {
  std::string what = e.what();
  if (dynamic_cast<const system_error*>(&e) != nullptr && what.ends_with(']')) {
    if (const auto at = what.rfind(" ["); at != std::string::npos) what.erase(at);
  }
  return what;
}

std::shared_ptr<ws_link> ws_link::create(asio::any_io_executor ex, asio::ssl::context* tls, url_parts u,
                                         ws_timeouts timeouts) {
  if (u.tls()) {
    if (!tls) throw std::invalid_argument("ws_link: a wss:// link needs a TLS context");
    return std::make_shared<link_impl<asio::ssl::stream<tcp::socket>>>(std::move(u), timeouts, ex, *tls);
  }
  return std::make_shared<link_impl<tcp::socket>>(std::move(u), timeouts, ex);
}

}  // namespace tugboat::slack
