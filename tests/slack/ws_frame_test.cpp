#include "slack/ws_frame.hpp"
#include "slack/ws_link.hpp"

#include <boost/system/system_error.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace tugboat::slack;

namespace {

// A server frame (unmasked) as the bytes on the wire.
std::string server_frame(unsigned char first, std::string_view payload) {
  std::string out(1, static_cast<char>(first));
  const std::size_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(n));
  } else if (n <= 0xffff) {
    out.push_back(126);
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xff));
  } else {
    out.push_back(127);
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(static_cast<std::uint64_t>(n) >> (8 * i)));
  }
  return out + std::string(payload);
}

// Undoes append_frame: the opcode and the unmasked payload of one client frame.
std::pair<unsigned, std::string> unmask(std::string_view wire) {
  REQUIRE(wire.size() >= 6);
  const auto b1 = static_cast<unsigned char>(wire[1]);
  REQUIRE((b1 & 0x80) != 0);  // a client always masks
  std::size_t n = b1 & 0x7f;
  std::size_t at = 2;
  if (n == 126 || n == 127) {
    const int bytes = n == 126 ? 2 : 8;
    n = 0;
    for (int i = 0; i < bytes; ++i) n = (n << 8) | static_cast<unsigned char>(wire[at++]);
  }
  const std::string_view key = wire.substr(at, 4);
  at += 4;
  REQUIRE(wire.size() == at + n);
  std::string payload(wire.substr(at));
  for (std::size_t i = 0; i < n; ++i) payload[i] = static_cast<char>(payload[i] ^ key[i & 3]);
  return {static_cast<unsigned char>(wire[0]) & 0x0fu, payload};
}

}  // namespace

TEST_CASE("server frames parse with 7-, 16- and 64-bit lengths") {
  for (std::size_t n : {0, 5, 125, 126, 1500, 65535, 65536, 200'000}) {
    CAPTURE(n);
    const std::string payload(n, 'x');
    const auto wire = server_frame(0x81, payload);
    auto r = ws::parse_frame(wire, 1 << 20);
    const auto* f = std::get_if<ws::frame>(&r);
    REQUIRE(f);
    CHECK(f->op == ws::opcode::text);
    CHECK(f->fin);
    CHECK(f->payload == payload);
    CHECK(f->size == wire.size());
  }
}

TEST_CASE("a frame cut short anywhere is incomplete, and says its size once the header is whole") {
  const auto wire = server_frame(0x82, std::string(300, 'b'));  // 4-byte header
  for (std::size_t cut = 0; cut < wire.size(); ++cut) {
    CAPTURE(cut);
    auto r = ws::parse_frame(std::string_view(wire).substr(0, cut), 1 << 20);
    const auto* more = std::get_if<ws::incomplete>(&r);
    REQUIRE(more);
    CHECK(more->size == (cut < 4 ? 0 : wire.size()));
  }
}

TEST_CASE("two frames back to back parse one after the other") {
  const auto wire = server_frame(0x01, "hel") + server_frame(0x80, "lo") + server_frame(0x89, "p");
  std::string_view rest = wire;
  std::vector<std::pair<ws::opcode, std::string>> seen;
  while (!rest.empty()) {
    auto r = ws::parse_frame(rest, 1024);
    const auto& f = std::get<ws::frame>(r);
    seen.emplace_back(f.op, std::string(f.payload));
    rest.remove_prefix(f.size);
  }
  REQUIRE(seen.size() == 3);
  CHECK(seen[0] == std::pair{ws::opcode::text, std::string("hel")});
  CHECK(seen[1] == std::pair{ws::opcode::continuation, std::string("lo")});
  CHECK(seen[2] == std::pair{ws::opcode::ping, std::string("p")});
  CHECK_FALSE(std::get<ws::frame>(ws::parse_frame(wire, 1024)).fin);
}

TEST_CASE("frames that break the protocol are refused with the close code to send") {
  auto refused = [](const std::string& wire, std::uint64_t max = 1024) {
    auto r = ws::parse_frame(wire, max);
    const auto* v = std::get_if<ws::violation>(&r);
    REQUIRE(v);
    return *v;
  };
  CHECK(std::string(refused("\x81\x81mask").what).find("masked") != std::string::npos);
  CHECK(std::string(refused(server_frame(0xc1, "x")).what).find("reserved") != std::string::npos);
  CHECK(std::string(refused(server_frame(0x83, "x")).what).find("opcode") != std::string::npos);
  CHECK(std::string(refused(server_frame(0x09, "x")).what).find("fragmented control") != std::string::npos);
  CHECK(std::string(refused(server_frame(0x89, std::string(126, 'p'))).what).find("125") != std::string::npos);
  auto big = refused(server_frame(0x82, std::string(2000, 'z')), 1000);
  CHECK(big.close_code == ws::close_too_big);
  CHECK(refused(server_frame(0x83, "x")).close_code == ws::close_protocol_error);
}

TEST_CASE("client frames are masked and carry the payload for every length form") {
  for (std::size_t n : {0, 1, 125, 126, 65535, 65536}) {
    CAPTURE(n);
    std::string payload(n, '\0');
    for (std::size_t i = 0; i < n; ++i) payload[i] = static_cast<char>('a' + i % 26);
    std::string out = "prefix";
    ws::append_frame(out, ws::opcode::text, payload, 0xdeadbeef);
    CHECK(out.substr(0, 6) == "prefix");
    const auto wire = std::string_view(out).substr(6);
    CHECK(static_cast<unsigned char>(wire[0]) == 0x81);  // FIN + text
    auto [op, got] = unmask(wire);
    CHECK(op == 1);
    CHECK(got == payload);
    if (n >= 4) CHECK(wire.substr(wire.size() - n) != payload);  // really masked
  }
}

TEST_CASE("close codes that may be sent are told from those that may not") {
  for (int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 4999}) {
    CAPTURE(code);
    CHECK(ws::valid_close_code(static_cast<std::uint16_t>(code)));
  }
  for (int code : {0, 999, 1004, 1005, 1006, 1012, 1015, 2999, 5000}) {
    CAPTURE(code);
    CHECK_FALSE(ws::valid_close_code(static_cast<std::uint16_t>(code)));
  }
}

TEST_CASE("a close payload is the code in network order and a reason cut to 123 bytes") {
  CHECK(ws::close_payload(1001) == std::string("\x03\xe9", 2));
  auto p = ws::close_payload(1000, std::string(200, 'r'));
  CHECK(p.size() == 125);
  CHECK(p.substr(0, 2) == std::string("\x03\xe8", 2));
}

TEST_CASE("UTF-8 validation accepts text and refuses broken sequences") {
  CHECK(ws::valid_utf8(""));
  CHECK(ws::valid_utf8("plain ascii that is longer than eight bytes"));
  CHECK(ws::valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\xa2 tugboat"));  // é € 🚢
  CHECK_FALSE(ws::valid_utf8("\xc3\x28"));                      // bad continuation
  CHECK_FALSE(ws::valid_utf8("abc\x80"));                       // stray continuation
  CHECK_FALSE(ws::valid_utf8("\xc0\xaf"));                      // overlong '/'
  CHECK_FALSE(ws::valid_utf8("\xe0\x80\xaf"));                  // overlong, three bytes
  CHECK_FALSE(ws::valid_utf8("\xed\xa0\x80"));                  // a surrogate
  CHECK_FALSE(ws::valid_utf8("\xf4\x90\x80\x80"));              // past U+10FFFF
  CHECK_FALSE(ws::valid_utf8("12345678\xe2\x82"));              // cut short after an ASCII run
  CHECK_FALSE(ws::valid_utf8(std::string_view("\xff", 1)));
}

TEST_CASE("base64 and the handshake's accept value match the RFCs' examples") {
  auto b64 = [](std::string_view s) {
    return ws::base64(std::span(reinterpret_cast<const unsigned char*>(s.data()), s.size()));
  };
  CHECK(b64("") == "");
  CHECK(b64("f") == "Zg==");
  CHECK(b64("fo") == "Zm8=");
  CHECK(b64("foo") == "Zm9v");
  CHECK(b64("foobar") == "Zm9vYmFy");
  CHECK(ws::accept_for("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");  // RFC 6455 §1.3
  // A key long enough that the SHA-1 input spans two blocks (value from Python's hashlib).
  CHECK(ws::accept_for(std::string(40, 'k')) == "GVvUU5IihR2eT0KQ2Ib+uuN3v3c=");
}

TEST_CASE("a link failure reads without Boost's category and source-location suffix") {
  static constexpr boost::source_location where = BOOST_CURRENT_LOCATION;
  boost::system::error_code ec;
  ec.assign(ECONNRESET, boost::system::system_category(), &where);
  const boost::system::system_error e(ec, "WebSocket connect");
  CHECK(std::string(e.what()).find(" [system:") != std::string::npos);  // what Boost gives
  CHECK(describe_failure(e) == "WebSocket connect: Connection reset by peer");
  CHECK(describe_failure(std::runtime_error("the WebSocket upgrade was refused: HTTP 403 [x]")) ==
        "the WebSocket upgrade was refused: HTTP 403 [x]");
}
