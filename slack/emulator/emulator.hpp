#pragma once
// The Slack emulator: a stand-in for Slack on loopback, for tests, `tugboat demo`, `tugboat console`,
// `tugboat emulator` and the benchmark. One port serves the Web API (`/api/<method>`), Socket Mode
// (`/link/?ticket=…`, WebSocket) and the control surface (`/_emulator/…`, see docs/emulator.md), over
// plain HTTP/WS or HTTPS/WSS. Shapes follow the protocol brief (shared/reference/slack-protocol.md).
//
// Ownership and threads: an `emulator` owns its own io_context and thread (start() .. stop()). Every
// public method is thread-safe: it posts to that thread and waits for the result (called from the
// emulator's own thread, e.g. inside a subscription callback, it runs inline). Subscription callbacks
// run on the emulator's thread and must not block.
// Throws: start() throws std::runtime_error when the port cannot be bound or TLS material is bad;
// push methods throw std::invalid_argument for unknown users/channels/messages.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tugboat::slack {

struct emulator_tls {
  bool enabled = false;
  std::string cert_file;  // PEM; with key_file, used instead of a generated self-signed certificate
  std::string key_file;
  std::string cert_out;  // when set, the certificate PEM is written here at start (for SSL_CERT_FILE)
};

// Per-minute limits of Slack's method tiers and chat.postMessage's per-channel limit. Slack's figures
// are "N+ per minute with bursts tolerated"; these defaults allow a little burst above the floor.
struct emulator_rate_limits {
  int tier1_per_minute = 20;
  int tier2_per_minute = 40;
  int tier3_per_minute = 100;
  int tier4_per_minute = 200;
  int special_per_minute = 600;  // auth.test ("hundreds per minute")
  double post_per_channel_per_second = 1.0;
  int post_burst = 5;  // chat.postMessage: short bursts over 1/s per channel
  // chat.postMessage across the workspace ("several hundred messages per minute"): a token bucket of
  // `post_workspace_burst` refilled at this rate. 0 turns the workspace limit off.
  double post_workspace_per_minute = 600;
  int post_workspace_burst = 60;
};

struct emulator_settings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port
  emulator_tls tls;
  std::chrono::milliseconds ack_timeout{3000};     // unacked events_api envelopes are redelivered after this
  int max_retries = 3;                             // retry_attempt 1..max_retries, then Slack gives up
  std::chrono::milliseconds refresh_grace{10000};  // refresh_requested/warning → close after this
  std::chrono::milliseconds server_ping_interval{10000};  // Slack pings its sockets; 0 turns it off
  bool rate_limits = true;
  emulator_rate_limits limits;
  int max_sockets = 10;
  std::string app_token = "xapp-1-A0TUGBOAT-1-emulator";
  std::string bot_token = "xoxb-0001-0002-emulator";
  std::string app_id = "A0TUGBOAT";
  // Scopes the bot token has (x-oauth-scopes); methods needing a missing one answer missing_scope.
  std::vector<std::string> bot_scopes = {"app_mentions:read", "channels:history", "chat:write",
                                         "commands",          "groups:history",   "im:history",
                                         "im:read",           "im:write",         "reactions:write",
                                         "users:read",        "users:read.email"};
};

// What a push used: enough for a test to find the event again and match the ack.
struct push_result {
  std::string event_id;     // events only
  std::string ts;           // the user's message ts (or the edited message's ts), empty for slash/click
  std::string envelope_id;  // first delivery's envelope id (redeliveries get new ones)
  std::string channel;      // the channel used (a DM's D… id for dm())
};

struct emulated_button {
  std::string text;
  std::string action_id;
  std::string value;
  std::string style;
  std::string block_id;
};

struct emulated_message {
  std::uint64_t seq = 0;  // order of creation, also bumped on every update (see `updated_seq`)
  std::uint64_t updated_seq = 0;
  std::string channel;
  std::string ts;
  std::string thread_ts;  // empty for a top-level message
  std::string user;       // U0BOT for the bot's posts
  std::string bot_id;     // set on bot/app posts
  std::string text;
  std::string blocks_json;  // "" when the message has no blocks
  std::vector<emulated_button> buttons;
  std::string metadata_event_type;
  std::string metadata_payload_json;
  int edited = 0;            // number of chat.update calls
  std::string ephemeral_to;  // user for chat.postEphemeral, else empty
  bool deleted = false;
  std::vector<std::string> reactions;  // reaction names added by the bot
};

struct user_profile {
  std::string id;  // empty: assigned (U…)
  std::string name;
  std::string real_name;
  std::string email;
  std::string tz = "UTC";
  std::string tz_label = "Coordinated Universal Time";
  int tz_offset = 0;  // seconds east of UTC
  bool is_bot = false;
  bool deleted = false;  // deactivated: users.info shows it (deleted: true), users.lookupByEmail does not
};

// One injected fault on a Web API method, applied to its next `count` calls (count < 0: until cleared).
struct method_fault {
  enum class kind { ratelimited, http_status, error, delay };
  kind what = kind::error;
  std::string method;
  int count = 1;
  int retry_after_s = 1;                 // ratelimited
  int http_status = 500;                 // http_status
  std::string error = "internal_error";  // error: the `error` of an ok:false answer
  std::chrono::milliseconds delay{0};    // delay: answer normally after this
};

enum class disconnect_reason { warning, refresh_requested, link_disabled, too_many_websockets };

struct latency_summary {
  std::size_t count = 0;
  double p50_us = 0;
  double p99_us = 0;
  double max_us = 0;
  double mean_us = 0;
};
latency_summary summarize_latencies(std::vector<double> samples_us);

struct emulator_stats {
  std::uint64_t connections_opened = 0;
  std::uint64_t connections_open = 0;
  std::uint64_t hellos = 0;
  std::uint64_t envelopes_sent = 0;  // every frame with an envelope_id, redeliveries and duplicates included
  std::uint64_t envelopes_acked = 0;
  std::uint64_t envelopes_redelivered = 0;
  std::uint64_t envelopes_unacked = 0;   // currently waiting for an ack
  std::uint64_t envelopes_given_up = 0;  // events that ran out of retries
  std::uint64_t envelopes_queued = 0;    // waiting for a connection
  std::uint64_t acks_unknown = 0;        // acks for no outstanding envelope (late or duplicate)
  std::uint64_t frames_malformed_in = 0;
  std::uint64_t tickets_rejected = 0;
  std::uint64_t responses_429 = 0;
  std::vector<std::pair<std::string, std::uint64_t>> api_calls;  // per method
  std::vector<double> ack_latency_us;  // one sample per acked envelope (frame written → ack read)
  latency_summary ack_latency() const { return summarize_latencies(ack_latency_us); }
};

struct flood_options {
  std::size_t count = 1000;
  double per_second = 0;             // 0: full speed
  std::size_t payload_bytes = 1500;  // approximate size of each envelope
  std::string channel = "C0002";
  std::string user = "U0ALICE";
  // Full speed only: at most this many envelopes sent but not yet acked (0: no cap, only the socket's
  // own back-pressure). A cap measures latency in a closed loop instead of the queue's depth.
  std::size_t max_unacked = 0;
};

struct flood_result {
  std::size_t sent = 0;
  std::size_t acked = 0;
  bool finished = false;                 // every envelope acked
  std::chrono::microseconds elapsed{0};  // first write → last ack
  std::vector<double> ack_latency_us;
};

class emulator {
 public:
  explicit emulator(emulator_settings settings = {});
  ~emulator();  // stops
  emulator(const emulator&) = delete;
  emulator& operator=(const emulator&) = delete;

  void start();
  void stop();  // closes every socket, joins the thread; idempotent

  std::uint16_t port() const;
  std::string api_url() const;   // "http://127.0.0.1:PORT/api/" (https when TLS is on)
  std::string base_url() const;  // "http://127.0.0.1:PORT/"
  std::string ca_pem() const;    // the certificate clients must trust ("" without TLS)
  const emulator_settings& settings() const;

  // Pushing as users. `user`/`channel` are ids (U…, C…); names like "alice" / "#releases" are accepted too.
  push_result mention(const std::string& user, const std::string& channel, const std::string& text,
                      const std::string& thread_ts = {});
  push_result dm(const std::string& user, const std::string& text, const std::string& thread_ts = {});
  push_result channel_message(const std::string& user, const std::string& channel, const std::string& text,
                              const std::string& thread_ts = {});
  push_result bot_message(const std::string& bot, const std::string& channel, const std::string& text,
                          bool classic_subtype = false);
  push_result edit_message(const std::string& channel, const std::string& ts, const std::string& new_text);
  push_result slash(const std::string& user, const std::string& channel, const std::string& text,
                    const std::string& command = "/tugboat");
  push_result click(const std::string& user, const std::string& channel, const std::string& message,
                    const std::string& action_id, const std::optional<std::string>& value = std::nullopt);
  // Sends `payload_json` (an events_api outer payload) as-is, for shapes the helpers above do not make.
  push_result raw_event(const std::string& payload_json);

  std::string add_user(user_profile profile);       // returns the id
  // A public channel every user and the bot are members of; returns its id (C1…). Names are unique.
  std::string add_channel(const std::string& name);
  std::string dm_channel(const std::string& user);  // the D… channel with the bot (created on demand)

  // What was posted. `channel` empty: every channel. `bot_only`: only the bot's posts (not pushed user
  // messages).
  std::vector<emulated_message> messages(const std::string& channel = {}, bool bot_only = true) const;
  // Waits until `done(messages(channel, bot_only))` holds; returns the last snapshot either way.
  std::vector<emulated_message> wait_for_messages(
      const std::function<bool(const std::vector<emulated_message>&)>& done, std::chrono::milliseconds timeout,
      const std::string& channel = {}, bool bot_only = true) const;
  std::vector<emulated_message> wait_for_count(std::size_t count, std::chrono::milliseconds timeout,
                                             const std::string& channel = {}) const;
  // Called on the emulator thread for every new or changed message (user pushes included).
  using subscriber = std::function<void(const emulated_message&)>;
  int subscribe(subscriber fn);
  void unsubscribe(int id);

  // Faults.
  void drop_connections();  // every socket, TCP closed without a close frame
  void send_disconnect(disconnect_reason reason, int connection = -1);  // -1: every socket
  void send_malformed_frame(int connection = 0);
  void send_binary_frame(int connection = 0);
  bool duplicate_envelope(const std::string& envelope_id);  // resend with the same envelope_id
  void blackhole(int connection = 0);  // stop reading and writing (no pongs), keep TCP open
  void inject_fault(method_fault fault);
  void clear_faults();
  void set_rate_limits(bool on);
  void set_ack_timeout(std::chrono::milliseconds timeout);
  void set_scopes(std::vector<std::string> scopes);
  void reset();  // messages, stats, faults, tickets; open sockets stay

  emulator_stats stats() const;
  std::size_t open_connections() const;
  // Waits until `n` sockets have received hello (or timeout); true on success.
  bool wait_for_connections(std::size_t n, std::chrono::milliseconds timeout) const;

  // Benchmark: pushes message events of ~payload_bytes; returns at once. flood_wait blocks until all
  // are acked or the timeout passes.
  void flood(flood_options options);
  flood_result flood_wait(std::chrono::milliseconds timeout) const;

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

const char* to_string(disconnect_reason r);
std::optional<disconnect_reason> parse_disconnect_reason(const std::string& s);

}  // namespace tugboat::slack
