#pragma once
// The emulated workspace: team, users, channels (DMs created on demand) and every message, with the
// ids Slack would give them (ts, event ids, envelope ids). Plain data and lookups, no I/O and no JSON.
// Thread: only the emulator's own thread touches a workspace. Throws std::invalid_argument from the
// `require_*` lookups.
#include <cstdint>
#include <deque>
#include <functional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "slack/emulator/emulator.hpp"

namespace tugboat::slack::emu {

inline constexpr std::string_view kTeamId = "T0001";
inline constexpr std::string_view kTeamName = "tugboat-dev";
inline constexpr std::string_view kBotUser = "U0BOT";
inline constexpr std::string_view kBotId = "B0BOT";
inline constexpr std::string_view kBotName = "tugboat";

struct user_record {
  user_profile profile;
  std::string bot_id;  // for bot users
};

struct channel_record {
  std::string id;
  std::string name;  // without '#'; empty for DMs
  bool is_im = false;
  std::string im_user;        // the human of a DM
  bool bot_is_member = true;  // false: posting answers not_in_channel
  std::set<std::string> members;
};

class workspace {
 public:
  workspace();

  const user_record* find_user(std::string_view id_or_name) const;
  const user_record* find_user_by_email(std::string_view email) const;
  const user_record& require_user(std::string_view id_or_name) const;
  std::string add_user(user_profile profile);
  std::string add_channel(std::string name);

  // Accepts C…/D… ids, "#name" and "name"; a U… id resolves to that user's DM with the bot.
  const channel_record* find_channel(std::string_view id_or_name);
  const channel_record& require_channel(std::string_view id_or_name);
  const channel_record& open_dm(const std::string& user_id);
  bool has_dm(const std::string& user_id) const;

  std::string next_ts();           // "1700000000.000100": unique, increasing
  std::string next_event_id();     // "Ev0000000001"-like
  std::string next_envelope_id();  // a random UUID v4
  std::string next_trigger_id();

  // Stores a message (seq assigned) and notifies the listener.
  emulated_message& add_message(emulated_message m);
  emulated_message* find_message(std::string_view channel, std::string_view ts);
  void changed(emulated_message& m);  // bumps updated_seq, notifies
  // The parent then its replies, oldest first; empty if `ts` is unknown. A ts that is itself a reply
  // yields just that message, as Slack does.
  std::vector<const emulated_message*> thread(std::string_view channel, std::string_view ts) const;
  // Top-level messages (and replies, which Slack leaves out) newest first.
  std::vector<const emulated_message*> history(std::string_view channel) const;
  std::size_t reply_count(std::string_view channel, std::string_view ts) const;
  std::vector<emulated_message> snapshot(std::string_view channel, bool bot_only) const;

  void set_listener(std::function<void(const emulated_message&)> fn) { listener_ = std::move(fn); }
  void clear_messages();

 private:
  std::deque<user_record> users_;  // deques: references stay valid as they grow
  std::deque<channel_record> channels_;
  std::deque<emulated_message> messages_;  // stable addresses
  // Keyed by channel + '/' + ts.
  std::unordered_map<std::string, std::size_t> by_key_;
  std::unordered_map<std::string, std::vector<std::size_t>> replies_;
  std::function<void(const emulated_message&)> listener_;
  std::uint64_t seq_ = 0;
  long long last_ts_us_ = 0;
  std::uint64_t event_counter_ = 0;
  std::uint64_t next_user_ = 0;
  std::uint64_t next_dm_ = 0;
  std::uint64_t next_channel_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace tugboat::slack::emu
