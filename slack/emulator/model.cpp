#include "slack/emulator/model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace tugboat::slack::emu {
namespace {

std::string key(std::string_view channel, std::string_view ts) {
  std::string k;
  k.reserve(channel.size() + ts.size() + 1);
  k.append(channel).push_back('/');
  k.append(ts);
  return k;
}

user_profile human(std::string id, std::string name, std::string real_name, std::string tz,
                   std::string tz_label, int offset) {
  user_profile p;
  p.id = std::move(id);
  p.email = name + "@example.com";
  p.name = std::move(name);
  p.real_name = std::move(real_name);
  p.tz = std::move(tz);
  p.tz_label = std::move(tz_label);
  p.tz_offset = offset;
  return p;
}

}  // namespace

workspace::workspace() : rng_(std::random_device{}()) {
  user_profile bot;
  bot.id = std::string(kBotUser);
  bot.name = std::string(kBotName);
  bot.real_name = "Tugboat";
  bot.is_bot = true;
  users_.push_back({bot, std::string(kBotId)});
  // Offsets are those of late November (no daylight saving anywhere here).
  users_.push_back(
      {human("U0ALICE", "alice", "Alice Archer", "America/New_York", "Eastern Standard Time", -18000), {}});
  users_.push_back({human("U0BOB", "bob", "Bob Becker", "Europe/Berlin", "Central European Time", 3600), {}});
  users_.push_back(
      {human("U0CAROL", "carol", "Carol Chandra", "Asia/Kolkata", "India Standard Time", 19800), {}});
  users_.push_back(
      {human("U0DAVE", "dave", "Dave Diaz", "America/Los_Angeles", "Pacific Standard Time", -28800), {}});
  users_.push_back({human("U0ERIN", "erin", "Erin Evans", "UTC", "Coordinated Universal Time", 0), {}});

  std::set<std::string> everyone;
  for (const auto& u : users_) everyone.insert(u.profile.id);
  std::set<std::string> humans = everyone;
  humans.erase(std::string(kBotUser));
  channels_.push_back({"C0001", "releases", false, {}, true, everyone});
  channels_.push_back({"C0002", "general", false, {}, true, everyone});
  channels_.push_back({"C0003", "random", false, {}, false, humans});  // the bot was never invited
}

const user_record* workspace::find_user(std::string_view id_or_name) const {
  if (!id_or_name.empty() && id_or_name.front() == '@') id_or_name.remove_prefix(1);
  for (const auto& u : users_) {
    if (u.profile.id == id_or_name || u.profile.name == id_or_name) return &u;
  }
  return nullptr;
}

const user_record* workspace::find_user_by_email(std::string_view email) const {
  for (const auto& u : users_) {
    if (!u.profile.email.empty() && u.profile.email == email) return &u;
  }
  return nullptr;
}

const user_record& workspace::require_user(std::string_view id_or_name) const {
  const auto* u = find_user(id_or_name);
  if (u == nullptr) throw std::invalid_argument(fmt::format("unknown user '{}'", id_or_name));
  return *u;
}

std::string workspace::add_user(user_profile profile) {
  if (profile.name.empty()) throw std::invalid_argument("a user needs a name");
  if (find_user(profile.name) != nullptr)
    throw std::invalid_argument(fmt::format("user '{}' exists", profile.name));
  if (profile.id.empty()) profile.id = fmt::format("U1{:06}", ++next_user_);
  if (find_user(profile.id) != nullptr)
    throw std::invalid_argument(fmt::format("user '{}' exists", profile.id));
  std::string id = profile.id;
  users_.push_back({std::move(profile), {}});
  for (auto& c : channels_) {
    if (!c.is_im) c.members.insert(id);
  }
  return id;
}

std::string workspace::add_channel(std::string name) {
  if (!name.empty() && name.front() == '#') name.erase(0, 1);
  if (name.empty()) throw std::invalid_argument("a channel needs a name");
  if (find_channel(name) != nullptr) throw std::invalid_argument(fmt::format("channel '{}' exists", name));
  channel_record c;
  c.id = fmt::format("C1{:06}", ++next_channel_);
  c.name = std::move(name);
  for (const auto& u : users_) c.members.insert(u.profile.id);
  channels_.push_back(std::move(c));
  return channels_.back().id;
}

const channel_record* workspace::find_channel(std::string_view id_or_name) {
  if (!id_or_name.empty() && id_or_name.front() == '#') id_or_name.remove_prefix(1);
  for (const auto& c : channels_) {
    if (c.id == id_or_name || (!c.name.empty() && c.name == id_or_name)) return &c;
  }
  if (!id_or_name.empty() && (id_or_name.front() == 'U' || id_or_name.front() == 'W')) {
    if (const auto* u = find_user(id_or_name); u != nullptr && !u->profile.is_bot)
      return &open_dm(u->profile.id);
  }
  return nullptr;
}

const channel_record& workspace::require_channel(std::string_view id_or_name) {
  const auto* c = find_channel(id_or_name);
  if (c == nullptr) throw std::invalid_argument(fmt::format("unknown channel '{}'", id_or_name));
  return *c;
}

bool workspace::has_dm(const std::string& user_id) const {
  return std::any_of(channels_.begin(), channels_.end(),
                     [&](const auto& c) { return c.is_im && c.im_user == user_id; });
}

const channel_record& workspace::open_dm(const std::string& user_id) {
  for (const auto& c : channels_) {
    if (c.is_im && c.im_user == user_id) return c;
  }
  channel_record c;
  c.id = fmt::format("D0{:06}", ++next_dm_);
  c.is_im = true;
  c.im_user = user_id;
  c.members = {user_id, std::string(kBotUser)};
  channels_.push_back(std::move(c));
  return channels_.back();
}

std::string workspace::next_ts() {
  auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  last_ts_us_ = std::max<long long>(now_us, last_ts_us_ + 1);
  return fmt::format("{}.{:06}", last_ts_us_ / 1'000'000, last_ts_us_ % 1'000'000);
}

std::string workspace::next_event_id() {
  // Slack's look: "Ev" and ten upper-case alphanumerics.
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::uint64_t n = ++event_counter_;
  std::string out(10, '0');
  for (int i = 9; i >= 0 && n > 0; --i, n /= 36) out[static_cast<std::size_t>(i)] = kAlphabet[n % 36];
  return "Ev" + out;
}

std::string workspace::next_envelope_id() {
  std::uint64_t a = rng_();
  std::uint64_t b = rng_();
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 1
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xffff, b >> 48,
                     b & 0xffffffffffffULL);
}

std::string workspace::next_trigger_id() {
  return fmt::format("{}.{}.{:032x}", last_ts_us_ / 1'000'000, 1, rng_());
}

emulated_message& workspace::add_message(emulated_message m) {
  m.seq = ++seq_;
  m.updated_seq = m.seq;
  messages_.push_back(std::move(m));
  auto index = messages_.size() - 1;
  auto& stored = messages_.back();
  by_key_[key(stored.channel, stored.ts)] = index;
  if (!stored.thread_ts.empty() && stored.thread_ts != stored.ts) {
    replies_[key(stored.channel, stored.thread_ts)].push_back(index);
  }
  if (listener_) listener_(stored);
  return stored;
}

emulated_message* workspace::find_message(std::string_view channel, std::string_view ts) {
  auto it = by_key_.find(key(channel, ts));
  return it == by_key_.end() ? nullptr : &messages_[it->second];
}

void workspace::changed(emulated_message& m) {
  m.updated_seq = ++seq_;
  if (listener_) listener_(m);
}

std::vector<const emulated_message*> workspace::thread(std::string_view channel, std::string_view ts) const {
  std::vector<const emulated_message*> out;
  auto it = by_key_.find(key(channel, ts));
  if (it == by_key_.end()) return out;
  const auto& parent = messages_[it->second];
  out.push_back(&parent);
  if (!parent.thread_ts.empty() && parent.thread_ts != parent.ts) return out;
  if (auto r = replies_.find(key(channel, ts)); r != replies_.end()) {
    for (auto i : r->second) {
      if (messages_[i].ephemeral_to.empty() && !messages_[i].deleted) out.push_back(&messages_[i]);
    }
  }
  return out;
}

std::vector<const emulated_message*> workspace::history(std::string_view channel) const {
  std::vector<const emulated_message*> out;
  for (auto it = messages_.rbegin(); it != messages_.rend(); ++it) {
    if (it->channel != channel || it->deleted || !it->ephemeral_to.empty()) continue;
    if (!it->thread_ts.empty() && it->thread_ts != it->ts) continue;
    out.push_back(&*it);
  }
  return out;
}

std::size_t workspace::reply_count(std::string_view channel, std::string_view ts) const {
  auto r = replies_.find(key(channel, ts));
  if (r == replies_.end()) return 0;
  return static_cast<std::size_t>(std::count_if(r->second.begin(), r->second.end(), [&](std::size_t i) {
    return messages_[i].ephemeral_to.empty() && !messages_[i].deleted;
  }));
}

std::vector<emulated_message> workspace::snapshot(std::string_view channel, bool bot_only) const {
  std::vector<emulated_message> out;
  for (const auto& m : messages_) {
    if (!channel.empty() && m.channel != channel) continue;
    if (bot_only && m.user != kBotUser) continue;
    out.push_back(m);
  }
  return out;
}

void workspace::clear_messages() {
  messages_.clear();
  by_key_.clear();
  replies_.clear();
}

}  // namespace tugboat::slack::emu
