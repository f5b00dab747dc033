#include "bot/local_slack.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <fmt/format.h>
#include <future>

#include "bot/app.hpp"
#include "core/text.hpp"

#include <rapidjson/document.h>

namespace tugboat::bot {
namespace {
namespace asio = boost::asio;
}

struct local_slack::bot_thread {
  asio::io_context io{1};
  std::unique_ptr<app> bot;
  std::thread thread;
  std::promise<std::string> started;  // "" or why it failed
};

local_slack::local_slack(config cfg, bool rate_limits) : cfg_(std::move(cfg)) {
  slack::emulator_settings s;
  s.rate_limits = rate_limits;
  emu_ = std::make_unique<slack::emulator>(s);
  cfg_.slack.rate_limits = rate_limits;
}

local_slack::~local_slack() { stop(); }

void local_slack::start() {
  emu_->start();
  app_options o;
  o.cfg = cfg_;
  o.tok = {emu_->settings().app_token, emu_->settings().bot_token};
  o.api_url = emu_->api_url();
  bot_ = std::make_unique<bot_thread>();
  auto& b = *bot_;
  b.bot = std::make_unique<app>(b.io, std::move(o));
  auto ready = b.started.get_future();
  asio::co_spawn(b.io, b.bot->start(), [&b](const std::exception_ptr& e) {
    std::string why;
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        why = ex.what();
      }
    }
    b.started.set_value(why);
  });
  b.thread = std::thread([&b] { b.io.run(); });
  if (auto why = ready.get(); !why.empty()) throw std::runtime_error("the bot could not start: " + why);
  if (!emu_->wait_for_connections(static_cast<std::size_t>(cfg_.slack.connections), std::chrono::seconds{10})) {
    throw std::runtime_error("the bot did not connect to the emulator");
  }
}

void local_slack::stop() {
  if (bot_) {
    auto& b = *bot_;
    asio::co_spawn(b.io, b.bot->stop(), [&b](const std::exception_ptr&) { b.io.stop(); });
    if (b.thread.joinable()) b.thread.join();
    b.bot.reset();
    bot_.reset();
  }
  if (emu_) emu_->stop();
}

namespace {

// The readable text of a message's blocks: sections, headers and context lines, in order.
std::string blocks_text(const std::string& blocks_json) {
  rapidjson::Document doc;
  doc.Parse(blocks_json.data(), blocks_json.size());
  if (doc.HasParseError() || !doc.IsArray()) return {};
  std::string out;
  auto add = [&out](const rapidjson::Value& t) {
    if (!t.IsObject() || !t.HasMember("text") || !t["text"].IsString()) return;
    if (!out.empty()) out += '\n';
    out += t["text"].GetString();
  };
  for (const auto& b : doc.GetArray()) {
    if (!b.IsObject() || !b.HasMember("type") || !b["type"].IsString()) continue;
    std::string_view type = b["type"].GetString();
    if ((type == "section" || type == "header") && b.HasMember("text")) add(b["text"]);
    if (type == "context" && b.HasMember("elements") && b["elements"].IsArray()) {
      for (const auto& e : b["elements"].GetArray()) add(e);
    }
  }
  return out;
}

}  // namespace

std::string transcript::name_of(std::string_view user_id) {
  if (user_id == "U0BOT") return "tugboat";
  if (user_id.starts_with("U0") && user_id.size() > 2) return text::to_lower(user_id.substr(2));
  return std::string(user_id);
}

std::string transcript::plain(std::string_view mrkdwn) {
  std::string out;
  for (std::size_t i = 0; i < mrkdwn.size(); ++i) {
    if (mrkdwn.substr(i).starts_with("<@")) {
      auto close = mrkdwn.find('>', i);
      if (close != std::string_view::npos) {
        auto id = mrkdwn.substr(i + 2, close - i - 2);
        out += "@" + name_of(id.substr(0, id.find('|')));
        i = close;
        continue;
      }
    }
    if (mrkdwn[i] == '<') {  // <https://x|label> → label (https://x)
      auto close = mrkdwn.find('>', i);
      if (close != std::string_view::npos) {
        auto inner = mrkdwn.substr(i + 1, close - i - 1);
        auto bar = inner.find('|');
        out += bar == std::string_view::npos ? std::string(inner)
                                             : fmt::format("{} ({})", inner.substr(bar + 1), inner.substr(0, bar));
        i = close;
        continue;
      }
    }
    out += mrkdwn[i];
  }
  return text::unescape_mrkdwn(out);
}

void transcript::on_message(const slack::emulated_message& m) {
  std::lock_guard lock(mutex_);
  // A thread reply changes its parent (reply count) without changing what it says: print only changes.
  auto key = m.channel + "/" + m.ts;
  auto printed = seen_.find(key);
  const bool update = printed != seen_.end();
  if (update && printed->second == m.text + m.blocks_json) return;
  seen_[key] = m.text + m.blocks_json;
  if (m.channel.starts_with('D') && m.user != "U0BOT" && !m.user.empty()) dm_owner_[m.channel] = m.user;
  const auto where = m.channel.starts_with('D') ? fmt::format("DM {}", name_of(dm_owner_[m.channel]))
                                                : fmt::format("#{}", m.channel == "C0001"   ? "releases"
                                                                     : m.channel == "C0002" ? "general"
                                                                                            : m.channel);
  auto who = m.user.empty() && !m.bot_id.empty() ? std::string("some-bot") : name_of(m.user);
  std::string line = fmt::format("[{}{}] {}{}{}: ", where, m.thread_ts.empty() || m.thread_ts == m.ts ? "" : " › thread", who,
                                 update ? " (edited)" : "", m.ephemeral_to.empty() ? "" : fmt::format(" (only {} sees this)", name_of(m.ephemeral_to)));
  auto body = plain(m.blocks_json.empty() ? m.text : blocks_text(m.blocks_json));
  if (body.empty()) body = plain(m.text);
  // Indent continuation lines under the speaker.
  for (std::size_t pos = body.find('\n'); pos != std::string::npos; pos = body.find('\n', pos + 5)) body.replace(pos, 1, "\n    ");
  line += body;
  if (!m.buttons.empty()) {
    line += "\n   ";
    for (const auto& b : m.buttons) line += fmt::format(" [{}]", b.text);
  }
  out_(line);
}

}  // namespace tugboat::bot
