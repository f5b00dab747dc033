// The Socket Mode WebSocket link against a peer over real loopback sockets. The peer runs on its own
// thread with a synchronous io_context: it does the server side of the upgrade with Beast (an independent
// implementation, so the handshake and the client's masking are really checked), then either keeps talking
// through Beast's stream or writes raw frames on the socket (several in one write, split across writes,
// fragmented, masked by mistake, close frames) and reads the client's raw frames back.
// Every wait is bounded: the link is aborted after kBound and a stuck peer's socket is shut down, so a bug
// fails a test instead of hanging it.
#include "slack/ws_link.hpp"

#include <doctest/doctest.h>

#include "tests/slack/ws_peer.hpp"


// ---------------------------------------------------------------------------------------------------

TEST_CASE("over ws:// the link exchanges text messages with a Beast server") {
  asio::io_context io;
  std::vector<std::string> received;
  bool all_text = true;
  error_code end;
  int close_code = -1;
  std::string target;
  peer p(io, [&](tcp::socket& s) {
    websocket::stream<tcp::socket&> ws(s);
    ws.accept();
    ws.text(true);
    ws.write(asio::buffer(std::string_view("hello from the server")));
    for (int i = 0; i < 3; ++i) {
      beast::flat_buffer b;
      ws.read(b);
      received.push_back(beast::buffers_to_string(b.data()));
      all_text = all_text && ws.got_text();
    }
    beast::flat_buffer b;
    ws.read(b, end);
    close_code = ws.reason().code;
  });
  auto link = make_link(io, p.port());
  CHECK(link->where().port == p.port());
  run_client(io, link, [&]() -> awaitable<void> {
    co_await link->connect();
    const ws_message m = co_await link->read();
    CHECK(m.text == "hello from the server");
    CHECK_FALSE(m.binary);
    CHECK_FALSE(m.invalid_utf8);
    link->send("one");
    link->send("two");
    link->send("three");
    co_await link->close();
    link->send("after the close");
    CHECK(link->queued() == 0);
    const bool done = co_await p.finished();
    CHECK(done);
  }());
  p.finish();
  CHECK(received == std::vector<std::string>{"one", "two", "three"});
  CHECK(all_text);
  CHECK(end == websocket::error::closed);
  CHECK(close_code == 1001);
}

TEST_CASE("the upgrade request is well formed, and frames that come with the 101 response are not lost") {
  asio::io_context io;
  std::string request;
  const std::string big = pattern(100 * 1024, 3);
  peer p(io, [&](tcp::socket& s) {
    request = read_request(s);
    const std::string key = header_value(request, "sec-websocket-key");
    std::string out =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
        accept_for(key) + "\r\n\r\n";
    out += server_frame(kText, "hello");
    const std::string big_frame = server_frame(kText, big);
    out += big_frame.substr(0, 1000);  // the start of a 100 KB frame, the rest later
    write_all(s, out);
    std::this_thread::sleep_for(30ms);
    write_all(s, std::string_view(big_frame).substr(1000));
    check_client_close(answer_client_close(s), 1001);
  });
  auto link = make_link(io, p.port());
  run_client(io, link, [&]() -> awaitable<void> {
    co_await link->connect();
    const ws_message hello = co_await link->read();
    CHECK(hello.text == "hello");
    const ws_message m = co_await link->read();
    CHECK(m.text.size() == big.size());
    CHECK((m.text == big));
    co_await link->close();
    const bool done = co_await p.finished();
    CHECK(done);
  }());
  p.finish();
  CHECK(request.starts_with("GET /link?ticket=abc HTTP/1.1\r\n"));
  CHECK(header_value(request, "host") == "127.0.0.1:" + std::to_string(p.port()));
  CHECK(lower(header_value(request, "upgrade")) == "websocket");
  CHECK(lower(header_value(request, "connection")).find("upgrade") != std::string::npos);
  CHECK(header_value(request, "sec-websocket-version") == "13");
  CHECK(header_value(request, "sec-websocket-key").size() == 24);  // base64 of 16 bytes
}

TEST_CASE("frames are delivered whole and in order however the bytes arrive") {
  asio::io_context io;
  const std::vector<std::string> burst{"first", "", std::string(126, 'x'), pattern(70'000, 1), "last of the burst"};
  const std::string header_split = "split inside the header";
  const std::string payload_split = pattern(300, 2);
  const std::string big = pattern(200 * 1024, 5);
  close_seen closing;
  peer p(io, [&](tcp::socket& s) {
    websocket::stream<tcp::socket&> ws(s);
    ws.accept();
    std::string all;
    for (const auto& m : burst) all += server_frame(kText, m);
    write_all(s, all);  // many frames, one write
    write_split(s, server_frame(kText, header_split), 1);
    write_split(s, server_frame(kText, payload_split), 150);
    write_all(s, server_frame(kText, big) + server_frame(kText, "after the big one"));
    closing = answer_client_close(s);
  });
  auto link = make_link(io, p.port());
  run_client(io, link, [&]() -> awaitable<void> {
    co_await link->connect();
    for (const auto& expected : burst) {
      const ws_message m = co_await link->read();
      CHECK(m.text.size() == expected.size());
      CHECK((m.text == expected));
    }
    const ws_message h = co_await link->read();
    CHECK(h.text == header_split);
    const ws_message p2 = co_await link->read();
    CHECK(p2.text == payload_split);
    const ws_message b = co_await link->read();
    CHECK(b.text.size() == big.size());
    CHECK((b.text == big));
    CHECK_FALSE(b.invalid_utf8);
    const ws_message after = co_await link->read();
    CHECK(after.text == "after the big one");
    co_await link->close();
    const bool done = co_await p.finished();
    CHECK(done);
  }());
  p.finish();
  check_client_close(closing, 1001);
}

TEST_CASE("a big message in many fragments, across many writes, arrives intact") {
  asio::io_context io;
  const std::string big = pattern(300 * 1024, 9);
  close_seen closing;
  peer p(io, [&](tcp::socket& s) {
    websocket::stream<tcp::socket&> ws(s);
    ws.accept();
    std::string all;
    const std::size_t piece = 50'000;
    for (std::size_t at = 0; at < big.size(); at += piece) {
      const bool last = at + piece >= big.size();
      all += server_frame(at == 0 ? kText : kContinuation, std::string_view(big).substr(at, piece), last);
    }
    for (std::size_t at = 0; at < all.size(); at += 7'777) write_all(s, std::string_view(all).substr(at, 7'777));
    closing = answer_client_close(s);
  });
  auto link = make_link(io, p.port());
  run_client(io, link, [&]() -> awaitable<void> {
    co_await link->connect();
    const ws_message m = co_await link->read();
    CHECK(m.text.size() == big.size());
    CHECK((m.text == big));
    co_await link->close();
    const bool done = co_await p.finished();
    CHECK(done);
  }());
  p.finish();
  check_client_close(closing, 1001);
}

TEST_CASE("a fragmented message with a ping between its fragments is joined, and the ping is answered") {
  asio::io_context io;
  client_frame pong;
  close_seen closing;
  peer p(io, [&](tcp::socket& s) {
    websocket::stream<tcp::socket&> ws(s);
    ws.accept();
    write_all(s, server_frame(kText, "Hello, ", false) + server_frame(kPing, "ping-42") +
                     server_frame(kContinuation, "wor", false));
    std::this_thread::sleep_for(20ms);
    // "café" with the é split between two fragments: valid once joined.
    write_all(s, server_frame(kContinuation, "ld", true) + server_frame(kText, "caf\xC3", false) +
                     server_frame(kContinuation, "\xA9", true));
    pong = read_client_frame(s);
    closing = answer_client_close(s);
  });
  auto link = make_link(io, p.port());
  run_client(io, link, [&]() -> awaitable<void> {
    co_await link->connect();
    const ws_message m = co_await link->read();
    CHECK(m.text == "Hello, world");
    CHECK_FALSE(m.binary);
    CHECK_FALSE(m.invalid_utf8);
    const ws_message cafe = co_await link->read();
    CHECK(cafe.text == "caf\xC3\xA9");
    CHECK_FALSE(cafe.invalid_utf8);
    co_await link->close();
    const bool done = co_await p.finished();
    CHECK(done);
  }());
  p.finish();
  CHECK(static_cast<int>(pong.op) == kPong);
  CHECK(pong.masked);
  CHECK(pong.fin);
  CHECK(pong.payload == "ping-42");
  check_client_close(closing, 1001);
}

TEST_CASE("binary messages are flagged, and invalid UTF-8 text is delivered flagged without ending the link") {
  asio::io_context io;
  const std::string bytes("\x00\x01\xFE\xFF", 4);
  close_seen closing;
  peer p(io, [&](tcp::socket& s) {
    websocket::stream<tcp::socket&> ws(s);
    ws.accept();
    write_all(s, server_frame(kBinary, bytes) + server_frame(kText, "\xC3\x28") +
                     server_frame(kBinary, "\xC3", false) + server_frame(kContinuation, "\x28", true) +
                     server_frame(kText, "still fine"));
    closing = answer_client_close(s);
  });
  auto link = make_link(io, p.port());
  run_client(io, link, [&]() -> awaitable<void> {
    co_await link->connect();
    const ws_message b = co_await link->read();
    CHECK(b.binary);
    CHECK(b.text == bytes);
    CHECK_FALSE(b.invalid_utf8);
    const ws_message bad = co_await link->read();
    CHECK_FALSE(bad.binary);
    CHECK(bad.invalid_utf8);
    CHECK(bad.text == "\xC3\x28");
    const ws_message fragmented = co_await link->read();
    CHECK(fragmented.binary);
    CHECK_FALSE(fragmented.invalid_utf8);
    CHECK(fragmented.text == "\xC3\x28");
    const ws_message fine = co_await link->read();
    CHECK(fine.text == "still fine");
    CHECK_FALSE(fine.invalid_utf8);
    CHECK_FALSE(fine.binary);
    co_await link->close();
    const bool done = co_await p.finished();
    CHECK(done);
  }());
  p.finish();
  check_client_close(closing, 1001);
}

namespace {

// The peer writes `bytes` after the upgrade; read() must fail with a protocol error and the peer must get a
// close frame with `code`, then the end of the stream.
void expect_protocol_error(const std::string& bytes, int code) {
  asio::io_context io;
  client_frame close;
  bool eof = false;
  peer p(io, [&](tcp::socket& s) {
    websocket::stream<tcp::socket&> ws(s);
    ws.accept();
    write_all(s, bytes);
    close = read_client_frame(s);
    eof = read_to_eof(s);
  });
  auto link = make_link(io, p.port());
  run_client(io, link, [&]() -> awaitable<void> {
    co_await link->connect();
    auto op = link->read();
    const auto f = co_await failure_of(std::move(op));
    REQUIRE(f.has_value());
    CHECK(f->system_error);
    CHECK_MESSAGE(f->what.find("protocol error") != std::string::npos, f->what);
    const bool done = co_await p.finished();
    CHECK(done);
  }());
  p.finish();
  CHECK(static_cast<int>(close.op) == kClose);
  CHECK(close.masked);
  CHECK(close.close_code() == code);
  CHECK(eof);
}

}  // namespace

TEST_CASE("a masked frame from the server fails the read with a protocol error and a 1002 close") {
  expect_protocol_error(server_frame(kText, "masked", true, 0x11223344u), 1002);
}

TEST_CASE("other protocol violations from the server fail the read") {
  SUBCASE("a continuation frame outside a message") {
    expect_protocol_error(server_frame(kContinuation, "stray"), 1002);
  }
  SUBCASE("a new message before the last one ended") {
    expect_protocol_error(server_frame(kText, "one", false) + server_frame(kText, "two"), 1002);
  }
  SUBCASE("reserved bits") { expect_protocol_error(server_frame(kText, "rsv", true, std::nullopt, 0x40), 1002); }
  SUBCASE("a fragmented ping") { expect_protocol_error(server_frame(kPing, "p", false), 1002); }
  SUBCASE("a control frame over 125 bytes") {
    expect_protocol_error(server_frame(kPing, std::string(126, 'p')), 1002);
  }
  SUBCASE("an unknown opcode") { expect_protocol_error(server_frame(3, "?"), 1002); }
  SUBCASE("a close frame with a one-byte payload") { expect_protocol_error(server_frame(kClose, "x"), 1002); }
  SUBCASE("a close frame with 1005, a code that never goes on the wire") {
    expect_protocol_error(server_frame(kClose, close_body(1005)), 1002);
  }
  SUBCASE("a frame over the message limit, refused from its header alone") {
    std::string header;
    header.push_back(static_cast<char>(0x80 | kText));
    header.push_back(static_cast<char>(127));
    const std::uint64_t n = 16 * 1024 * 1024 + 1;
    for (int shift = 56; shift >= 0; shift -= 8) header.push_back(static_cast<char>((n >> shift) & 0xff));
    expect_protocol_error(header, 1009);
  }
  SUBCASE("a fragmented message over the message limit") {
    const std::string first(10 * 1024 * 1024, 'a');
    const std::string second(7 * 1024 * 1024, 'b');
    expect_protocol_error(server_frame(kText, first, false) + server_frame(kContinuation, second, true), 1009);
  }
}

TEST_CASE("the server's close (1000) fails the read, and the client echoes the code") {
  asio::io_context io;
  client_frame echo;
  bool eof = false;
  peer p(io, [&](tcp::socket& s) {
    websocket::stream<tcp::socket&> ws(s);
    ws.accept();
    write_all(s, server_frame(kText, "last words") + server_frame(kClose, close_body(1000, "bye")));
    echo = read_client_frame(s);
    eof = read_to_eof(s);
  });
  auto link = make_link(io, p.port());
  run_client(io, link, [&]() -> awaitable<void> {
    co_await link->connect();
    const ws_message m = co_await link->read();
    CHECK(m.text == "last words");
    auto op = link->read();
    const auto f = co_await failure_of(std::move(op));
    REQUIRE(f.has_value());
    CHECK(f->system_error);
    const bool done = co_await p.finished();
    CHECK(done);
    link->send("after the close");
    CHECK(link->queued() == 0);
  }());
  p.finish();
  CHECK(static_cast<int>(echo.op) == kClose);
  CHECK(echo.masked);
  CHECK(echo.close_code() == 1000);
  CHECK(eof);
}

TEST_CASE("close() without a reader: going away, the server's close, then the connection is dropped") {
  asio::io_context io;
  close_seen closing;
  long long took = -1;
  peer p(io, [&](tcp::socket& s) {
    websocket::stream<tcp::socket&> ws(s);
    ws.accept();
    closing = answer_client_close(s, 1001);
  });
  auto link = make_link(io, p.port());
  run_client(io, link, [&]() -> awaitable<void> {
    co_await link->connect();
    const auto t0 = steady::now();
    co_await link->close();
    took = ms_since(t0);
    const bool done = co_await p.finished();
    CHECK(done);
    co_await link->close();  // a second close returns at once
  }());
  p.finish();
  check_client_close(closing, 1001);
  CHECK(took >= 0);
  CHECK(took < 1000);  // the connect timeout (the close handshake's bound) is 2000 ms
}

TEST_CASE("close() while the owner is between reads: close() reads the server's close, a later read() fails at once") {
  // The Socket Mode loop waits on the bot's read gate between reads; a refresh may retire the link then.
  asio::io_context io;
  close_seen closing;
  std::optional<failure> late;
  peer p(io, [&](tcp::socket& s) {
    websocket::stream<tcp::socket&> ws(s);
    ws.accept();
    closing = answer_client_close(s, 1001, 300ms);  // close() is still waiting when read() is called
  });
  auto link = make_link(io, p.port());
  run_client(io, link, [&]() -> awaitable<void> {
    co_await link->connect();
    bool closed = false;
    asio::co_spawn(io, link->close(), [&](const std::exception_ptr&) { closed = true; });
    asio::steady_timer pause(io, 20ms);
    co_await pause.async_wait(use_awaitable);  // close() is now waiting for the server inside its own read
    late = co_await failure_of(link->read());
    for (int i = 0; i < 200 && !closed; ++i) {
      pause.expires_after(10ms);
      co_await pause.async_wait(use_awaitable);
    }
    CHECK(closed);
  }());
  p.finish();
  check_client_close(closing, 1001);
  REQUIRE(late);
  CAPTURE(late->what);
  CHECK(late->what.find("closing") != std::string::npos);
}

TEST_CASE("close() with a concurrent reader: the reader gets what came before the server's close") {
  asio::io_context io;
  client_frame close;
  bool eof = false;
  long long took = -1;
  reader_state reader;
  signal started(io);
  signal reader_done(io);
  peer p(io, [&](tcp::socket& s) {
    websocket::stream<tcp::socket&> ws(s);
    ws.accept();
    write_all(s, server_frame(kText, "before"));
    close = read_client_frame(s);
    write_all(s, server_frame(kText, "late") + server_frame(kClose, close_body(1001)));
    eof = read_to_eof(s);
  });
  auto link = make_link(io, p.port());
  run_client(io, link, [&]() -> awaitable<void> {
    co_await link->connect();
    asio::co_spawn(io, read_all(link, reader, started, reader_done), asio::detached);
    const bool reading = co_await started.wait();  // the reader is inside read() again by now
    REQUIRE(reading);
    const auto t0 = steady::now();
    co_await link->close();
    took = ms_since(t0);
    const bool ended = co_await reader_done.wait();
    CHECK(ended);
    const bool done = co_await p.finished();
    CHECK(done);
  }());
  p.finish();
  CHECK(static_cast<int>(close.op) == kClose);
  CHECK(close.close_code() == 1001);
  CHECK(eof);
  CHECK(reader.finished);
  CHECK(reader.messages == std::vector<std::string>{"before", "late"});
  REQUIRE(reader.failed.has_value());
  CHECK(reader.failed->system_error);
  CHECK(took >= 0);
  CHECK(took < 1000);
}

namespace {

void close_unanswered(bool with_reader) {
  asio::io_context io;
  client_frame close;
  bool eof = false;
  long long took = -1;
  reader_state reader;
  signal started(io);
  signal reader_done(io);
  peer p(io, [&](tcp::socket& s) {
    websocket::stream<tcp::socket&> ws(s);
    ws.accept();
    write_all(s, server_frame(kText, "before"));
    close = read_client_frame(s);
    eof = read_to_eof(s);
  });
  auto link = make_link(io, p.port(), ws_timeouts{.connect = 300ms, .idle = 20000ms});
  run_client(io, link, [&]() -> awaitable<void> {
    co_await link->connect();
    if (with_reader) {
      asio::co_spawn(io, read_all(link, reader, started, reader_done), asio::detached);
      const bool reading = co_await started.wait();
      REQUIRE(reading);
    } else {
      const ws_message m = co_await link->read();
      CHECK(m.text == "before");
    }
    const auto t0 = steady::now();
    co_await link->close();
    took = ms_since(t0);
    if (with_reader) {
      const bool ended = co_await reader_done.wait();
      CHECK(ended);
    }
    const bool done = co_await p.finished();
    CHECK(done);
  }());
  p.finish();
  CHECK(close.close_code() == 1001);
  CHECK(eof);
  CHECK(took >= 250);
  CHECK(took < 2000);
  if (with_reader) {
    CHECK(reader.finished);
    CHECK(reader.failed.has_value());
  }
}

}  // namespace

TEST_CASE("close() gives up on a server that never answers, after the connect timeout") {
  SUBCASE("without a reader") { close_unanswered(false); }
  SUBCASE("with a concurrent reader") { close_unanswered(true); }
}

TEST_CASE("a thousand sends in a row reach the server in order, each a masked text frame") {
  asio::io_context io;
  std::vector<client_frame> frames;
  close_seen closing;
  constexpr int kCount = 1000;
  peer p(io, [&](tcp::socket& s) {
    websocket::stream<tcp::socket&> ws(s);
    ws.accept();
    for (int i = 0; i < kCount; ++i) frames.push_back(read_client_frame(s));
    write_all(s, server_frame(kText, "got them"));
    closing = answer_client_close(s);
  });
  auto link = make_link(io, p.port());
  run_client(io, link, [&]() -> awaitable<void> {
    co_await link->connect();
    for (int i = 0; i < kCount; ++i) {
      std::string text = "message " + std::to_string(i) + " " + pattern(static_cast<std::size_t>(i % 300), 0);
      link->send(std::move(text));
    }
    CHECK(link->queued() <= static_cast<std::size_t>(kCount));
    const ws_message m = co_await link->read();
    CHECK(m.text == "got them");
    CHECK(link->queued() == 0);
    co_await link->close();
    const bool done = co_await p.finished();
    CHECK(done);
  }());
  p.finish();
  REQUIRE(frames.size() == static_cast<std::size_t>(kCount));
  int bad = 0;
  for (int i = 0; i < kCount; ++i) {
    const auto& f = frames[static_cast<std::size_t>(i)];
    const std::string expected = "message " + std::to_string(i) + " " + pattern(static_cast<std::size_t>(i % 300), 0);
    if (f.op != kText || !f.fin || !f.masked || f.reserved != 0 || f.payload != expected) ++bad;
  }
  CHECK(bad == 0);
  check_client_close(closing, 1001);
}

TEST_CASE("liveness: a silent server gets a ping, and is dropped when it stays silent") {
  asio::io_context io;
  client_frame ping;
  long long ping_after = -1;
  bool eof = false;
  std::size_t extra = 0;
  long long read_failed_after = -1;
  peer p(io, [&](tcp::socket& s) {
    websocket::stream<tcp::socket&> ws(s);
    ws.accept();
    const auto t0 = steady::now();
    ping = read_client_frame(s);  // and never answer it
    ping_after = ms_since(t0);
    eof = read_to_eof(s, &extra);
  });
  auto link = make_link(io, p.port(), ws_timeouts{.connect = 2000ms, .idle = 300ms});
  run_client(io, link, [&]() -> awaitable<void> {
    co_await link->connect();
    const auto t0 = steady::now();
    auto op = link->read();
    const auto f = co_await failure_of(std::move(op));
    read_failed_after = ms_since(t0);
    CHECK(f.has_value());
    const bool done = co_await p.finished();
    CHECK(done);
  }());
  p.finish();
  CHECK(static_cast<int>(ping.op) == kPing);
  CHECK(ping.masked);
  CHECK(ping.fin);
  CHECK(ping.payload.empty());
  CHECK(ping_after >= 100);
  CHECK(ping_after < 1000);
  CHECK(eof);
  CHECK(read_failed_after >= 250);   // nothing heard for (about) the whole idle time
  CHECK(read_failed_after < 1500);
  CHECK(read_failed_after >= ping_after);
}

TEST_CASE("liveness: a server that answers pings keeps the link up") {
  asio::io_context io;
  int pings = 0;
  error_code end;
  int close_code = -1;
  reader_state reader;
  signal started(io);
  signal reader_done(io);
  peer p(io, [&](tcp::socket& s) {
    websocket::stream<tcp::socket&> ws(s);
    ws.accept();
    ws.control_callback([&](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::ping) ++pings;
    });
    ws.text(true);
    ws.write(asio::buffer(std::string_view("hi")));
    beast::flat_buffer b;
    ws.read(b, end);  // answers the pings until the client's close
    close_code = ws.reason().code;
  });
  auto link = make_link(io, p.port(), ws_timeouts{.connect = 2000ms, .idle = 200ms});
  run_client(io, link, [&]() -> awaitable<void> {
    co_await link->connect();
    asio::co_spawn(io, read_all(link, reader, started, reader_done), asio::detached);
    const bool reading = co_await started.wait();
    REQUIRE(reading);
    asio::steady_timer t(io, 700ms);
    co_await t.async_wait(use_awaitable);
    CHECK_FALSE(reader.finished);
    co_await link->close();
    const bool ended = co_await reader_done.wait();
    CHECK(ended);
    const bool done = co_await p.finished();
    CHECK(done);
  }());
  p.finish();
  CHECK(pings >= 2);
  CHECK(end == websocket::error::closed);
  CHECK(close_code == 1001);
  CHECK(reader.messages == std::vector<std::string>{"hi"});
}

namespace {

// The peer answers the upgrade request with `response`; connect() must fail mentioning `expected`.
void expect_refused_upgrade(const std::string& response, const std::string& expected) {
  asio::io_context io;
  peer p(io, [&](tcp::socket& s) {
    read_request(s);
    write_all(s, response);
  });
  auto link = make_link(io, p.port());
  run_client(io, link, [&]() -> awaitable<void> {
    auto op = link->connect();
    const auto f = co_await failure_of(std::move(op));
    REQUIRE(f.has_value());
    CHECK_MESSAGE(f->what.find(expected) != std::string::npos, f->what);
    const bool done = co_await p.finished();
    CHECK(done);
  }());
  p.finish();
}

std::string switching(const std::string& accept_line) {
  return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + accept_line + "\r\n";
}

}  // namespace

TEST_CASE("a refused upgrade fails connect()") {
  SUBCASE("403 with a body") {
    expect_refused_upgrade(
        "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nnot for you", "403");
  }
  SUBCASE("403 with a body up to the end of the stream") {
    expect_refused_upgrade("HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\nnot for you", "403");
  }
  SUBCASE("a wrong Sec-WebSocket-Accept") {
    expect_refused_upgrade(switching("Sec-WebSocket-Accept: dGhlIHNhbXBsZSBub25jZQ==\r\n"), "Sec-WebSocket-Accept");
  }
  SUBCASE("no Sec-WebSocket-Accept") { expect_refused_upgrade(switching(""), "Sec-WebSocket-Accept"); }
  SUBCASE("no Connection: Upgrade") {
    expect_refused_upgrade("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", "Connection");
  }
  SUBCASE("an extension nobody asked for") {
    expect_refused_upgrade(switching("Sec-WebSocket-Extensions: permessage-deflate\r\n"), "extension");
  }
  SUBCASE("no Upgrade header") {
    expect_refused_upgrade("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n", "Upgrade");
  }
}

TEST_CASE("connect() fails after the connect timeout when the server never answers the upgrade") {
  asio::io_context io;
  bool eof = false;
  peer p(io, [&](tcp::socket& s) {
    read_request(s);
    eof = read_to_eof(s);
  });
  auto link = make_link(io, p.port(), ws_timeouts{.connect = 300ms, .idle = 20000ms});
  long long took = -1;
  run_client(io, link, [&]() -> awaitable<void> {
    const auto t0 = steady::now();
    auto op = link->connect();
    const auto f = co_await failure_of(std::move(op));
    took = ms_since(t0);
    REQUIRE(f.has_value());
    CHECK(f->system_error);
    CHECK(f->code == boost::system::error_code(asio::error::timed_out));
    const bool done = co_await p.finished();
    CHECK(done);
  }());
  p.finish();
  CHECK(eof);
  CHECK(took >= 250);
  CHECK(took < 2000);
}

TEST_CASE("close() while connecting drops the connection at once instead of writing into the handshake") {
  asio::io_context io;
  std::size_t after_request = 0;
  bool eof = false;
  peer p(io, [&](tcp::socket& s) {
    read_request(s);
    eof = read_to_eof(s, &after_request);  // nothing may follow the request: no close frame mid-handshake
  });
  auto link = make_link(io, p.port(), ws_timeouts{.connect = 2000ms, .idle = 20000ms});
  long long close_took = -1;
  long long connect_failed_after = -1;
  run_client(io, link, [&]() -> awaitable<void> {
    const auto t0 = steady::now();
    std::optional<failure> connect_failure;
    bool connect_done = false;
    asio::co_spawn(io, failure_of(link->connect()), [&](const std::exception_ptr&, std::optional<failure> f) {
      connect_failure = std::move(f);
      connect_failed_after = ms_since(t0);
      connect_done = true;
    });
    asio::steady_timer pause(io, 100ms);
    co_await pause.async_wait(use_awaitable);  // the request is out; the server sits on it
    const auto t1 = steady::now();
    co_await link->close();
    close_took = ms_since(t1);
    for (int i = 0; i < 100 && !connect_done; ++i) {
      pause.expires_after(10ms);
      co_await pause.async_wait(use_awaitable);
    }
    CHECK(connect_done);
    CHECK(connect_failure.has_value());
    const bool done = co_await p.finished();
    CHECK(done);
  }());
  p.finish();
  CHECK(eof);
  CHECK(after_request == 0);
  CHECK(close_took >= 0);
  CHECK(close_took < 50);
  CHECK(connect_failed_after < 1000);  // not the 2 s connect timeout
}

TEST_CASE("a link whose read failed is released at once, not kept alive by its watchdog") {
  asio::io_context io;
  peer p(io, [&](tcp::socket& s) {
    websocket::stream<tcp::socket&> ws(s);
    ws.accept();
    s.shutdown(tcp::socket::shutdown_both);  // gone without a close frame
  });
  auto link = make_link(io, p.port(), ws_timeouts{.connect = 2000ms, .idle = 20000ms});
  std::weak_ptr<ws_link> weak = link;
  bool released = false;
  run_client(io, link, [&]() -> awaitable<void> {
    co_await link->connect();
    auto op = link->read();
    const auto f = co_await failure_of(std::move(op));
    CHECK(f.has_value());
    link.reset();
    asio::steady_timer pause(io, 10ms);
    for (int i = 0; i < 50 && !weak.expired(); ++i) {
      pause.expires_after(10ms);
      co_await pause.async_wait(use_awaitable);
    }
    released = weak.expired();  // the watchdog's 10 s look would otherwise hold it
    const bool done = co_await p.finished();
    CHECK(done);
  }());
  p.finish();
  CHECK(released);
}

TEST_CASE("connect() fails when nothing listens") {
  asio::io_context io;
  std::uint16_t port = 0;
  {
    tcp::acceptor a(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    port = a.local_endpoint().port();
  }
  auto link = make_link(io, port);
  run_client(io, link, [&]() -> awaitable<void> {
    auto op = link->connect();
    const auto f = co_await failure_of(std::move(op));
    REQUIRE(f.has_value());
    CHECK(f->system_error);
  }());
}
