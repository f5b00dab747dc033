#pragma once
// Test support for ws_link_test.cpp (one translation unit): the peer a link talks to over loopback, raw
// server frames, reading the client's frames back, and the client-side helpers. Every wait is bounded.

#include <doctest/doctest.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/detail/hybi13.hpp>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "slack/url.hpp"
#include "slack/ws_link.hpp"
#include "tests/support/async_test.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;
using boost::system::error_code;
using namespace tugboat;
using namespace tugboat::slack;
using namespace tugboat::test;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

constexpr auto kBound = 5s;  // no wait in these tests may last longer
constexpr ws_timeouts kTimeouts{.connect = 2000ms, .idle = 20000ms};

// Opcodes as on the wire.
constexpr std::uint8_t kContinuation = 0;
constexpr std::uint8_t kText = 1;
constexpr std::uint8_t kBinary = 2;
constexpr std::uint8_t kClose = 8;
constexpr std::uint8_t kPing = 9;
constexpr std::uint8_t kPong = 10;

long long ms_since(steady::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t0).count();
}

// ---------------------------------------------------------------------------------------------------
// The peer's side.

// A frame as a server writes it: unmasked, unless `mask` is given (which a server must never do).
std::string server_frame(std::uint8_t op, std::string_view payload, bool fin = true,
                         std::optional<std::uint32_t> mask = std::nullopt, std::uint8_t extra_bits = 0) {
  std::string out;
  out.push_back(static_cast<char>((fin ? 0x80 : 0) | extra_bits | op));
  const unsigned mask_bit = mask ? 0x80 : 0;
  const std::uint64_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(mask_bit | n));
  } else if (n <= 0xffff) {
    out.push_back(static_cast<char>(mask_bit | 126));
    for (int shift = 8; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
  } else {
    out.push_back(static_cast<char>(mask_bit | 127));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
  }
  if (mask) {
    const unsigned char key[4] = {static_cast<unsigned char>(*mask >> 24), static_cast<unsigned char>(*mask >> 16),
                                  static_cast<unsigned char>(*mask >> 8), static_cast<unsigned char>(*mask)};
    out.append(reinterpret_cast<const char*>(key), 4);
    for (std::size_t i = 0; i < payload.size(); ++i) {
      out.push_back(static_cast<char>(static_cast<unsigned char>(payload[i]) ^ key[i % 4]));
    }
  } else {
    out.append(payload);
  }
  return out;
}

std::string close_body(std::uint16_t code, std::string_view reason = {}) {
  std::string out;
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xff));
  out.append(reason);
  return out;
}

struct client_frame {
  std::uint8_t op = 0xff;
  bool fin = false;
  bool masked = false;
  std::uint8_t reserved = 0;
  std::string payload;  // unmasked
  int close_code() const {
    if (payload.size() < 2) return -1;
    return (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
  }
};

// Reads one frame the client sent and unmasks it.
client_frame read_client_frame(tcp::socket& s) {
  unsigned char head[2];
  asio::read(s, asio::buffer(head));
  client_frame f;
  f.fin = (head[0] & 0x80) != 0;
  f.reserved = static_cast<std::uint8_t>(head[0] & 0x70);
  f.op = static_cast<std::uint8_t>(head[0] & 0x0f);
  f.masked = (head[1] & 0x80) != 0;
  std::uint64_t n = head[1] & 0x7f;
  if (n == 126) {
    unsigned char ext[2];
    asio::read(s, asio::buffer(ext));
    n = (static_cast<std::uint64_t>(ext[0]) << 8) | ext[1];
  } else if (n == 127) {
    unsigned char ext[8];
    asio::read(s, asio::buffer(ext));
    n = 0;
    for (unsigned char b : ext) n = (n << 8) | b;
  }
  if (n > 64 * 1024 * 1024) throw std::runtime_error("read_client_frame: absurd length");
  unsigned char key[4] = {0, 0, 0, 0};
  if (f.masked) asio::read(s, asio::buffer(key));
  f.payload.resize(static_cast<std::size_t>(n));
  if (n > 0) asio::read(s, asio::buffer(f.payload));
  if (f.masked) {
    for (std::size_t i = 0; i < f.payload.size(); ++i) {
      f.payload[i] = static_cast<char>(static_cast<unsigned char>(f.payload[i]) ^ key[i % 4]);
    }
  }
  return f;
}

// Reads until the client drops the connection; true if it did (end of stream or reset), with `extra`
// counting the bytes that came first.
bool read_to_eof(tcp::socket& s, std::size_t* extra = nullptr) {
  char buf[4096];
  for (;;) {
    error_code ec;
    const std::size_t n = s.read_some(asio::buffer(buf), ec);
    if (extra) *extra += n;
    if (ec) return ec == asio::error::eof || ec == asio::error::connection_reset;
  }
}

void write_all(tcp::socket& s, std::string_view bytes) { asio::write(s, asio::buffer(bytes.data(), bytes.size())); }

// Writes `bytes` in two writes, split after `at` bytes, with a short pause between so they arrive apart.
void write_split(tcp::socket& s, std::string_view bytes, std::size_t at) {
  write_all(s, bytes.substr(0, at));
  std::this_thread::sleep_for(30ms);
  write_all(s, bytes.substr(at));
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The value of header `name` (lower case) in a raw HTTP request, or "" if absent.
std::string header_value(const std::string& request, const std::string& name) {
  const std::string low = lower(request);
  const std::string needle = "\r\n" + name + ":";
  const auto at = low.find(needle);
  if (at == std::string::npos) return {};
  auto begin = at + needle.size();
  while (begin < request.size() && request[begin] == ' ') ++begin;
  const auto end = request.find("\r\n", begin);
  return request.substr(begin, end - begin);
}

// Reads the client's upgrade request (raw, not through Beast).
std::string read_request(tcp::socket& s) {
  std::string request;
  const std::size_t n = asio::read_until(s, asio::dynamic_buffer(request), "\r\n\r\n");
  if (n != request.size()) throw std::runtime_error("the client sent bytes after its upgrade request");
  return request;
}

// The Sec-WebSocket-Accept for `key`, computed by Beast.
std::string accept_for(const std::string& key) {
  websocket::detail::sec_ws_accept_type accept;
  websocket::detail::make_sec_ws_accept(accept, key);
  return std::string(accept.data(), accept.size());
}

// A one-shot signal from any thread to coroutines on `io`, awaited with a bound.
class signal {
 public:
  explicit signal(asio::io_context& io) : io_(io), timer_(io, kBound) {}
  void raise() {
    asio::post(io_, [this] {
      raised_ = true;
      timer_.cancel();
    });
  }
  // True once raised; false if kBound (from construction) passed first.
  awaitable<bool> wait() {
    if (!raised_) {
      error_code ec;
      co_await timer_.async_wait(asio::redirect_error(use_awaitable, ec));
    }
    co_return raised_;
  }

 private:
  asio::io_context& io_;
  asio::steady_timer timer_;
  bool raised_ = false;
};

// Accepts one TCP connection on 127.0.0.1 (any port) on its own thread and runs `script` on it; then
// closes it and raises finished() on the client's io_context. Declare after the io_context.
class peer {
 public:
  using script = std::function<void(tcp::socket&)>;

  peer(asio::io_context& client_io, script s)
      : acceptor_(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)),
        listen_fd_(acceptor_.native_handle()),
        port_(acceptor_.local_endpoint().port()),
        finished_(client_io) {
    done_future_ = done_.get_future();
    thread_ = std::thread([this, run = std::move(s)] { main(run); });
  }
  ~peer() { stop(); }
  peer(const peer&) = delete;
  peer& operator=(const peer&) = delete;

  std::uint16_t port() const { return port_; }
  // On the client's io_context: true once the script has returned and the socket is closed.
  awaitable<bool> finished() { return finished_.wait(); }

  // Waits (bounded) for the script to end; rethrows what it threw.
  void finish() {
    stop();
    if (failure_) std::rethrow_exception(failure_);
    if (hung_) throw std::runtime_error("the peer was still waiting after the bound; its socket was shut down");
  }

 private:
  void main(const script& run) {
    try {
      tcp::socket sock(io_);
      acceptor_.accept(sock);
      publish(sock.native_handle());
      struct unpublish {
        peer& p;
        ~unpublish() { p.publish(-1); }
      } guard{*this};
      run(sock);
    } catch (...) {
      failure_ = std::current_exception();
    }
    finished_.raise();
    done_.set_value();
  }

  void publish(int fd) {
    std::lock_guard lock(mutex_);
    fd_ = fd;
  }

  void stop() {
    if (!thread_.joinable()) return;
    std::chrono::milliseconds wait = kBound;
    while (done_future_.wait_for(wait) == std::future_status::timeout) {
      hung_ = true;
      std::lock_guard lock(mutex_);
      ::shutdown(listen_fd_, SHUT_RDWR);
      if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
      wait = 200ms;
    }
    thread_.join();
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  const int listen_fd_;
  const std::uint16_t port_;
  signal finished_;
  std::mutex mutex_;
  int fd_ = -1;
  bool hung_ = false;
  std::exception_ptr failure_;
  std::promise<void> done_;
  std::future<void> done_future_;
  std::thread thread_;
};

// ---------------------------------------------------------------------------------------------------
// The client's side.

std::shared_ptr<ws_link> make_link(asio::io_context& io, std::uint16_t port, ws_timeouts t = kTimeouts) {
  const auto u = parse_url("ws://127.0.0.1:" + std::to_string(port) + "/link?ticket=abc");
  REQUIRE(u.has_value());
  return ws_link::create(io.get_executor(), nullptr, *u, t);
}

// Runs the client's coroutine; the link is aborted (and the test fails) if it outlasts kBound, and aborted
// when the coroutine ends so nothing of it keeps the io_context running.
void run_client(asio::io_context& io, const std::shared_ptr<ws_link>& link, awaitable<void> task) {
  asio::steady_timer bound(io, kBound);
  bound.async_wait([weak = std::weak_ptr<ws_link>(link)](const error_code& ec) {
    if (ec) return;
    FAIL_CHECK("the client ran past its bound; the link was aborted");
    if (auto l = weak.lock()) l->abort();
  });
  run_test(io, std::move(task), [&] {
    bound.cancel();
    if (link) link->abort();  // a test may have let go of it
  });
}

struct failure {
  bool system_error = false;
  error_code code;
  std::string what;
};

// How `op` failed; nullopt if it did not.
template <typename T>
awaitable<std::optional<failure>> failure_of(awaitable<T> op) {
  std::optional<failure> caught;
  try {
    co_await std::move(op);
  } catch (const boost::system::system_error& e) {
    caught = failure{true, e.code(), e.what()};
  } catch (const std::exception& e) {
    caught = failure{false, {}, e.what()};
  }
  co_return caught;
}

// Reads messages until read() fails, then raises `done`.
struct reader_state {
  std::vector<std::string> messages;
  std::optional<failure> failed;
  bool finished = false;
};

awaitable<void> read_all(std::shared_ptr<ws_link> link, reader_state& state, signal& started, signal& done) {
  bool first = true;
  for (;;) {
    auto op = link->read();
    std::optional<ws_message> m;
    std::optional<failure> f;
    try {
      m = co_await std::move(op);
    } catch (const boost::system::system_error& e) {
      f = failure{true, e.code(), e.what()};
    } catch (const std::exception& e) {
      f = failure{false, {}, e.what()};
    }
    if (f) {
      state.failed = f;
      break;
    }
    state.messages.push_back(m->text);
    if (first) started.raise();  // the loop calls read() again before this signal is seen
    first = false;
  }
  state.finished = true;
  done.raise();
}

std::string pattern(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + seed) % 26);
  return s;
}

// The peer's part of a close the client starts: its close frame, our reply, then the end of the stream.
struct close_seen {
  client_frame frame;
  bool eof = false;
};

close_seen answer_client_close(tcp::socket& s, std::uint16_t reply = 1000,
                                std::chrono::milliseconds delay = std::chrono::milliseconds(0)) {
  close_seen seen;
  seen.frame = read_client_frame(s);
  if (delay.count() > 0) std::this_thread::sleep_for(delay);
  write_all(s, server_frame(kClose, close_body(reply)));
  seen.eof = read_to_eof(s);
  return seen;
}

void check_client_close(const close_seen& seen, int code) {
  CHECK(static_cast<int>(seen.frame.op) == kClose);
  CHECK(seen.frame.masked);
  CHECK(seen.frame.fin);
  CHECK(seen.frame.close_code() == code);
  CHECK(seen.eof);
}

}  // namespace
