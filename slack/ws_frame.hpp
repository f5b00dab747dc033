#pragma once
// WebSocket framing (RFC 6455) for the client side, as pure functions over bytes: parse the server's
// frames out of a read buffer, append masked client frames to a write buffer, validate UTF-8, and the
// opening handshake's key and accept values. No I/O, no allocation on the parse path; any thread.
//
// Socket Mode's link (ws_link.cpp) reads many frames per syscall and writes a batch of acks as one
// write with these; Beast's stream reads at most 1,536 bytes per syscall and writes frame by frame.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace tugboat::slack::ws {

enum class opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

// Close codes this side sends.
inline constexpr std::uint16_t close_normal = 1000;
inline constexpr std::uint16_t close_going_away = 1001;
inline constexpr std::uint16_t close_protocol_error = 1002;
inline constexpr std::uint16_t close_too_big = 1009;

struct frame {
  opcode op = opcode::text;
  bool fin = true;
  std::string_view payload;  // unmasked: a server never masks
  std::size_t size = 0;      // bytes the frame takes in the buffer, header included
};

// The buffer holds only part of the next frame. `size` is the whole frame's size once the header is
// complete (so the reader can make room for it), else 0.
struct incomplete {
  std::size_t size = 0;
};

// The bytes break the protocol; the connection must close with `close_code`.
struct violation {
  std::uint16_t close_code = close_protocol_error;
  const char* what = "";
};

using parse_result = std::variant<frame, incomplete, violation>;

// Parses the frame at the start of `bytes`, a server's frame: unmasked, no extension bits, control frames
// unfragmented and at most 125 bytes, payload at most `max_payload`.
parse_result parse_frame(std::string_view bytes, std::uint64_t max_payload);

// Appends one client frame with FIN set: header, then `payload` masked with `mask`.
void append_frame(std::string& out, opcode op, std::string_view payload, std::uint32_t mask);

// Whether a close frame may carry `code` (RFC 6455 §7.4: the defined codes that may be sent, and the
// ranges for libraries and applications); 1005, 1006 and 1015 never appear on the wire.
bool valid_close_code(std::uint16_t code);

// The payload of a close frame: the code (network order) and a reason of at most 123 bytes.
std::string close_payload(std::uint16_t code, std::string_view reason = {});

bool valid_utf8(std::string_view s);

std::string base64(std::span<const unsigned char> bytes);

// The Sec-WebSocket-Accept a server must answer to `key`: base64(SHA-1(key + the RFC's GUID)).
std::string accept_for(std::string_view key);

}  // namespace tugboat::slack::ws
