#pragma once
// The router: turns a decoded Slack payload into a request for the bot — which command, from whom, and
// where the answer belongs — or says why it is ignored. No I/O, so it is tested without sockets.
//
// Text commands are the same from a channel mention, a DM and `/tugboat`: `help`, `release [VERSION]`
// (also "please do a release"), `status`, `cancel [RUN]`, `recheck`. In a DM anything else is a quick-fix
// request; in a channel it is unknown. The bot's own messages, other bots', edits and deletions are
// ignored.
#include <string>
#include <string_view>

#include "slack/ids.hpp"
#include "slack/wire.hpp"

namespace tugboat::bot {

enum class intent { help, release, status, cancel, recheck, quickfix, button, unknown, ignore };
std::string_view to_string(intent i);

struct request {
  intent what = intent::ignore;
  std::string args;           // the text after the command word ("1.4.0" for "release 1.4.0")
  std::string text;           // the whole text without the bot mention
  slack::user_id user;
  slack::channel_id channel;
  slack::message_ts thread;   // the thread replies go to (empty for slash commands)
  bool dm = false;
  bool slash = false;
  std::string action_id;      // buttons
  std::string value;
  slack::message_ts message;  // the message a button is on
  std::string ignored_because;
};

struct identity {
  slack::user_id user;  // our bot user (auth.test user_id)
  std::string bot_id;   // our bot id (auth.test bot_id)
};

request route(const slack::payload& payload, const identity& me);

// Parses command text (mention already removed): the intent and the rest of the words.
std::pair<intent, std::string> parse_command(std::string_view text, bool dm);

// "<@U123> hi <@U456>" → "hi <@U456>": removes leading mentions of the bot.
std::string strip_mention(std::string_view text, const slack::user_id& bot);

}  // namespace tugboat::bot
