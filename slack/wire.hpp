#pragma once
// What Slack sends us, as plain structs: Socket Mode frames (hello, disconnect, envelopes) and the
// payloads the bot acts on (messages and mentions, slash commands, button clicks). Decoding lives in
// wire.cpp, the only place that sees RapidJSON for incoming data. Pure functions, any thread.
//
// Decoding is lenient where Slack is (unknown fields are ignored, missing optional fields are empty) and
// strict where we depend on a field: an envelope without `envelope_id`, or a payload that is not JSON,
// is a `decode_error` that says what was wrong.
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "slack/ids.hpp"

namespace tugboat::slack {

class decode_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// --- Payloads ----------------------------------------------------------------------------------------

// A message in a channel or DM, or an app_mention. `mention` is true for app_mention events.
struct message_event {
  bool mention = false;
  channel_id channel;
  std::string channel_type;  // im | channel | group | mpim | app_home ("" for app_mention)
  user_id user;
  std::string bot_id;  // set when a bot (possibly us) wrote it
  std::string subtype;
  std::string text;
  message_ts ts;
  message_ts thread_ts;  // empty unless the message is in a thread
  bool is_dm() const { return channel_type == "im" || channel.str().starts_with('D'); }
  // Where a reply belongs: the thread the message is in, or a new thread under the message.
  const message_ts& reply_thread() const { return thread_ts.empty() ? ts : thread_ts; }
};

struct slash_command {
  std::string command;  // "/tugboat"
  std::string text;
  user_id user;
  channel_id channel;
  std::string response_url;
  std::string trigger_id;
};

struct block_action {
  user_id user;
  channel_id channel;
  message_ts message;     // the message holding the button
  message_ts thread_ts;   // that message's thread, if any
  std::string action_id;
  std::string block_id;
  std::string value;
  std::string response_url;
};

// Payloads the bot does not act on (other event types, view submissions, ...), with the reason.
struct other_payload {
  std::string what;
};

using payload = std::variant<message_event, slash_command, block_action, other_payload>;

// --- Socket Mode frames -----------------------------------------------------------------------------

struct hello_frame {
  int num_connections = 0;
  long long approximate_connection_time = 0;  // seconds
  std::string app_id;
  std::string host;
};

struct disconnect_frame {
  std::string reason;  // warning | refresh_requested | link_disabled | too_many_websockets | ...
};

enum class envelope_kind { events_api, slash_commands, interactive, other };
std::string_view to_string(envelope_kind k);
envelope_kind envelope_kind_from(std::string_view type);

struct envelope {
  envelope_kind kind = envelope_kind::other;
  std::string type;  // the raw "type" field
  std::string envelope_id;
  std::string event_id;  // events_api only: payload.event_id, the same across redeliveries
  int retry_attempt = 0;
  std::string retry_reason;
  bool accepts_response_payload = false;
  // The payload's JSON text with Slack's legacy verification `token` removed (it must not reach the
  // store or the logs).
  std::string payload;
  // The payload already decoded, when decode_frame could do it on the way (events_api envelopes); else
  // empty and decode_payload(kind, payload) decodes it.
  std::optional<slack::payload> content;

  // The inbox key: event_id for events (so redeliveries collide), envelope_id otherwise.
  const std::string& dedupe_key() const { return event_id.empty() ? envelope_id : event_id; }
};

// A frame we could not use. `envelope_id` is set when the frame had one, so it can still be acked.
struct malformed_frame {
  std::string error;
  std::string envelope_id;
};

using frame = std::variant<hello_frame, disconnect_frame, envelope, malformed_frame>;

// Never throws: anything unusable comes back as malformed_frame.
frame decode_frame(std::string_view text);

// The ack for an envelope, with an optional response payload (JSON object text) when the envelope
// accepts one.
std::string encode_ack(std::string_view envelope_id, std::string_view payload_json = {});

// Decodes an envelope's payload (as stored in the inbox). Throws decode_error on malformed JSON.
payload decode_payload(envelope_kind kind, std::string_view payload_json);

}  // namespace tugboat::slack
