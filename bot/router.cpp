#include "bot/router.hpp"

#include <array>
#include <fmt/format.h>

#include "core/text.hpp"

namespace tugboat::bot {
namespace {

struct command_word {
  std::string_view word;
  intent what;
};

// The one table of text commands.
constexpr std::array kCommands = {
    command_word{"help", intent::help},       command_word{"release", intent::release},
    command_word{"status", intent::status},   command_word{"cancel", intent::cancel},
    command_word{"recheck", intent::recheck},
};

// Politeness that may stand before a command: "please do a release", "can you do a release?".
constexpr std::array<std::string_view, 8> kFiller = {"please", "pls", "can", "could", "you", "do", "a", "the"};

bool is_filler(std::string_view w) {
  auto lower = text::to_lower(w);
  for (auto f : kFiller) {
    if (lower == f) return true;
  }
  return false;
}

std::string_view strip_punctuation(std::string_view w) {
  while (!w.empty() && (w.back() == '?' || w.back() == '!' || w.back() == '.' || w.back() == ',')) w.remove_suffix(1);
  return w;
}

// Message subtypes that are still a person writing to us; every other subtype is ignored.
bool is_person_message(std::string_view subtype) {
  return subtype.empty() || subtype == "file_share" || subtype == "thread_broadcast";
}

}  // namespace

std::string_view to_string(intent i) {
  switch (i) {
    case intent::help: return "help";
    case intent::release: return "release";
    case intent::status: return "status";
    case intent::cancel: return "cancel";
    case intent::recheck: return "recheck";
    case intent::quickfix: return "quickfix";
    case intent::button: return "button";
    case intent::unknown: return "unknown";
    case intent::ignore: return "ignore";
  }
  return "?";
}

std::string strip_mention(std::string_view text, const slack::user_id& bot) {
  auto rest = text::trim(text);
  for (;;) {
    if (!rest.starts_with("<@")) break;
    auto close = rest.find('>');
    if (close == std::string_view::npos) break;
    auto id = rest.substr(2, close - 2);
    if (auto bar = id.find('|'); bar != std::string_view::npos) id = id.substr(0, bar);
    if (!bot.empty() && id != bot.str()) break;
    rest = text::trim(rest.substr(close + 1));
    if (!rest.empty() && (rest.front() == ':' || rest.front() == ',')) rest = text::trim(rest.substr(1));
  }
  return std::string(rest);
}

std::pair<intent, std::string> parse_command(std::string_view text, bool dm) {
  auto words = text::split_words(text);
  std::size_t i = 0;
  while (i < words.size() && is_filler(strip_punctuation(words[i]))) ++i;
  if (i < words.size()) {
    auto first = text::to_lower(strip_punctuation(words[i]));
    for (const auto& c : kCommands) {
      if (first != c.word) continue;
      // "release" must open the request ("please do a release"), but "release notes are wrong" in a DM
      // is a quick fix, not a release: a command takes at most a short argument.
      const auto rest_words = words.size() - i - 1;
      if (dm && rest_words > 2) break;
      std::string args;
      for (auto k = i + 1; k < words.size(); ++k) {
        if (!args.empty()) args += ' ';
        args += strip_punctuation(words[k]);
      }
      return {c.what, args};
    }
  }
  if (text::trim(text).empty()) return {intent::help, ""};
  return {dm ? intent::quickfix : intent::unknown, std::string(text::trim(text))};
}

request route(const slack::payload& payload, const identity& me) {
  request r;
  if (const auto* m = std::get_if<slack::message_event>(&payload)) {
    r.user = m->user;
    r.channel = m->channel;
    r.thread = m->reply_thread();
    r.dm = m->is_dm();
    if (!m->bot_id.empty() || m->subtype == "bot_message" || (!me.user.empty() && m->user == me.user)) {
      r.ignored_because = m->bot_id == me.bot_id || m->user == me.user ? "our own message" : "a bot's message";
      return r;
    }
    if (!is_person_message(m->subtype)) {
      r.ignored_because = fmt::format("message subtype {}", m->subtype);
      return r;
    }
    if (m->user.empty()) {
      r.ignored_because = "message without a user";
      return r;
    }
    if (!m->mention && !r.dm) {
      // Plain channel messages reach us only with message.channels; mentions come as app_mention.
      r.ignored_because = "channel message without a mention";
      return r;
    }
    r.text = strip_mention(m->text, me.user);
    std::tie(r.what, r.args) = parse_command(r.text, r.dm);
    return r;
  }
  if (const auto* s = std::get_if<slack::slash_command>(&payload)) {
    r.user = s->user;
    r.channel = s->channel;
    r.dm = s->channel.str().starts_with('D');
    r.slash = true;
    r.text = text::trim(s->text);
    // A slash command is never a quick fix by accident: unknown text gets the hint.
    std::tie(r.what, r.args) = parse_command(r.text, false);
    return r;
  }
  if (const auto* a = std::get_if<slack::block_action>(&payload)) {
    r.what = intent::button;
    r.user = a->user;
    r.channel = a->channel;
    r.message = a->message;
    r.thread = a->thread_ts.empty() ? a->message : a->thread_ts;
    r.dm = a->channel.str().starts_with('D');
    r.action_id = a->action_id;
    r.value = a->value;
    return r;
  }
  r.ignored_because = std::get<slack::other_payload>(payload).what;
  return r;
}

}  // namespace tugboat::bot
