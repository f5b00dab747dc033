#pragma once
// The fast path of decode_frame for envelopes: one pass over the frame (no DOM, no re-serialisation)
// that pulls out the envelope fields, the payload's event_id and the few event fields routing needs, and
// cuts the payload's JSON text out of the frame with Slack's verification `token` spliced away.
// Internal to slack/ (wire.cpp); pure, any thread.
#include <optional>
#include <string_view>

#include "slack/wire.hpp"

namespace tugboat::slack::detail {

// The decoded envelope or malformed frame; nullopt when the frame is not an envelope (hello, disconnect)
// or has a shape the scan does not settle (then the general DOM decoder decides, with the same result).
std::optional<frame> scan_envelope(std::string_view text);

// The general decoder (RapidJSON's DOM) alone: every frame the scan leaves, and the reference the scan's
// tests compare it with. The payload comes re-serialised and without `content`.
frame decode_frame_general(std::string_view text);

}  // namespace tugboat::slack::detail
