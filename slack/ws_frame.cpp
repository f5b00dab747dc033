#include "slack/ws_frame.hpp"

#include <array>
#include <cstring>

namespace tugboat::slack::ws {
namespace {

std::uint64_t big_endian(std::string_view bytes) {
  std::uint64_t v = 0;
  for (char c : bytes) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

bool known(unsigned op) { return op <= 2 || (op >= 8 && op <= 10); }

// SHA-1 (FIPS 180-4), only for the handshake's accept value: OpenSSL's would load its providers and
// configuration (over a MiB of memory) in a process that otherwise never touches OpenSSL (ws://).
std::array<unsigned char, 20> sha1(std::string_view input) {
  std::array<std::uint32_t, 5> h{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
  std::string data(input);
  data.push_back(static_cast<char>(0x80));
  while (data.size() % 64 != 56) data.push_back('\0');
  const std::uint64_t bits = static_cast<std::uint64_t>(input.size()) * 8;
  for (int i = 7; i >= 0; --i) data.push_back(static_cast<char>(bits >> (8 * i)));
  auto rotl = [](std::uint32_t v, int n) { return (v << n) | (v >> (32 - n)); };
  for (std::size_t block = 0; block < data.size(); block += 64) {
    std::array<std::uint32_t, 80> w{};
    for (int t = 0; t < 16; ++t) {
      w[t] = static_cast<std::uint32_t>(big_endian(std::string_view(data).substr(block + 4 * t, 4)));
    }
    for (int t = 16; t < 80; ++t) w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    auto [a, b, c, d, e] = h;
    for (int t = 0; t < 80; ++t) {
      std::uint32_t f = 0;
      std::uint32_t k = 0;
      if (t < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (t < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (t < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6;
      }
      const std::uint32_t next = rotl(a, 5) + f + e + k + w[t];
      e = d;
      d = c;
      c = rotl(b, 30);
      b = a;
      a = next;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
  }
  std::array<unsigned char, 20> out{};
  for (std::size_t i = 0; i < 20; ++i) out[i] = static_cast<unsigned char>(h[i / 4] >> (24 - 8 * (i % 4)));
  return out;
}

}  // namespace

parse_result parse_frame(std::string_view bytes, std::uint64_t max_payload) {
  if (bytes.size() < 2) return incomplete{};
  const auto b0 = static_cast<unsigned char>(bytes[0]);
  const auto b1 = static_cast<unsigned char>(bytes[1]);
  if (b0 & 0x70) return violation{close_protocol_error, "reserved bits set, but no extension was agreed"};
  const unsigned op = b0 & 0x0f;
  if (!known(op)) return violation{close_protocol_error, "unknown opcode"};
  if (b1 & 0x80) return violation{close_protocol_error, "a masked frame from the server"};
  const bool fin = (b0 & 0x80) != 0;
  std::uint64_t length = b1 & 0x7f;
  std::size_t header = 2;
  if (length == 126) {
    header = 4;
    if (bytes.size() < header) return incomplete{};
    length = big_endian(bytes.substr(2, 2));
  } else if (length == 127) {
    header = 10;
    if (bytes.size() < header) return incomplete{};
    length = big_endian(bytes.substr(2, 8));
    if (length >> 63) return violation{close_protocol_error, "a frame length with the top bit set"};
  }
  if (op >= 8) {
    if (!fin) return violation{close_protocol_error, "a fragmented control frame"};
    if (length > 125) return violation{close_protocol_error, "a control frame of more than 125 bytes"};
  }
  if (length > max_payload) return violation{close_too_big, "a frame larger than the message limit"};
  const std::size_t size = header + static_cast<std::size_t>(length);
  if (bytes.size() < size) return incomplete{size};
  return frame{static_cast<opcode>(op), fin, bytes.substr(header, static_cast<std::size_t>(length)), size};
}

void append_frame(std::string& out, opcode op, std::string_view payload, std::uint32_t mask) {
  const std::size_t n = payload.size();
  const std::size_t start = out.size();
  const std::size_t header = n < 126 ? 2 : n <= 0xffff ? 4 : 10;
  out.resize(start + header + 4 + n);
  auto* p = reinterpret_cast<unsigned char*>(out.data() + start);
  *p++ = static_cast<unsigned char>(0x80 | static_cast<unsigned>(op));
  if (n < 126) {
    *p++ = static_cast<unsigned char>(0x80 | n);
  } else {
    const int bytes = n <= 0xffff ? 2 : 8;
    *p++ = static_cast<unsigned char>(0x80 | (bytes == 2 ? 126 : 127));
    for (int i = bytes - 1; i >= 0; --i) *p++ = static_cast<unsigned char>(static_cast<std::uint64_t>(n) >> (8 * i));
  }
  const std::array<unsigned char, 4> key{static_cast<unsigned char>(mask >> 24), static_cast<unsigned char>(mask >> 16),
                                         static_cast<unsigned char>(mask >> 8), static_cast<unsigned char>(mask)};
  std::memcpy(p, key.data(), key.size());
  p += key.size();
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<unsigned char>(payload[i]) ^ key[i & 3];
}

bool valid_close_code(std::uint16_t code) {
  if (code >= 1000 && code <= 1003) return true;
  if (code >= 1007 && code <= 1011) return true;
  return code >= 3000 && code <= 4999;
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
  std::string out;
  out.push_back(static_cast<char>(code >> 8));
  out.push_back(static_cast<char>(code & 0xff));
  out.append(reason.substr(0, 123));
  return out;
}

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  auto continuation = [&](std::size_t at) { return at < n && (p[at] & 0xc0) == 0x80; };
  while (i < n) {
    if (i + 8 <= n) {  // ASCII runs eight bytes at a time
      std::uint64_t word;
      std::memcpy(&word, p + i, sizeof word);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    const unsigned c = p[i];
    if (c < 0x80) {
      ++i;
    } else if (c < 0xc2) {  // a stray continuation byte, or an overlong two-byte form
      return false;
    } else if (c < 0xe0) {
      if (!continuation(i + 1)) return false;
      i += 2;
    } else if (c < 0xf0) {
      if (!continuation(i + 1) || !continuation(i + 2)) return false;
      if (c == 0xe0 && p[i + 1] < 0xa0) return false;  // overlong
      if (c == 0xed && p[i + 1] > 0x9f) return false;  // a UTF-16 surrogate
      i += 3;
    } else if (c < 0xf5) {
      if (!continuation(i + 1) || !continuation(i + 2) || !continuation(i + 3)) return false;
      if (c == 0xf0 && p[i + 1] < 0x90) return false;  // overlong
      if (c == 0xf4 && p[i + 1] > 0x8f) return false;  // past U+10FFFF
      i += 4;
    } else {
      return false;
    }
  }
  return true;
}

std::string base64(std::span<const unsigned char> bytes) {
  static constexpr char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(digits[(v >> shift) & 63]);
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    const unsigned v = (bytes[i] << 16) | (rest == 2 ? bytes[i + 1] << 8 : 0);
    out.push_back(digits[(v >> 18) & 63]);
    out.push_back(digits[(v >> 12) & 63]);
    out.push_back(rest == 2 ? digits[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::string accept_for(std::string_view key) {
  std::string input(key);
  input += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  return base64(sha1(input));
}

}  // namespace tugboat::slack::ws
