#include "bot/service.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <algorithm>
#include <cctype>
#include <fmt/format.h>

#include "core/log.hpp"
#include "core/text.hpp"

namespace tugboat::bot {
namespace {

namespace asio = boost::asio;
constexpr std::string_view kLog = "bot";
constexpr std::size_t kMaxBatch = 128;  // envelopes per inbox transaction at most
// In a burst (an envelope within kBurstGap of the last commit) the commit waits kLinger, and reads wait
// for the commit (read_gate), so a flood's frames pile up in the kernel meanwhile and the next read, commit
// and write of acks each serve many envelopes; at a steady 1,000/s nothing waits.
constexpr auto kBurstGap = std::chrono::microseconds{250};
constexpr auto kLinger = std::chrono::microseconds{700};

std::string age(sys_time since, sys_time now) {
  return text::format_duration(std::chrono::duration_cast<std::chrono::seconds>(now - since));
}

}  // namespace

std::string help_text(const access_rules& access, const slack::user_id& user) {
  std::string t = "*Tugboat* runs releases and quick fixes for this team.\nIn a channel, mention me:\n";
  if (access.allows(user, action::release)) {
    t += "• `@tugboat please do a release` or `@tugboat release 1.4.0`: start a release in a thread\n"
         "• `@tugboat recheck`: reload the QA results of the running release\n";
  }
  t += "• `@tugboat status`: the runs of this channel and yours\n"
       "• `@tugboat cancel RUN`: stop a run you started";
  t += access.is_admin(user) ? " (as an admin, any run)\n" : "\n";
  t += "• `@tugboat help`: this message\n";
  if (access.allows(user, action::quickfix)) {
    t += "In a DM, write what you want fixed (\"fix the typo in the install docs\") and I run it as a quick fix "
         "and report back in the thread. ";
  }
  t += "The same commands work in a DM and as `/tugboat COMMAND` anywhere.";
  return t;
}

service::service(asio::any_io_executor ex, store::inbox& inbox, workflows::engine& engine, const clock& now,
                 identity me, access_rules access)
    : linger_(ex), flushed_(ex), ex_(std::move(ex)), inbox_(inbox), engine_(engine), clock_(now), me_(std::move(me)),
      access_(std::move(access)) {}

void service::on_envelope(const slack::envelope& envelope, slack::ack_sender ack) {
  ++stats_.received;
  // Routing is pure and cheap, so it runs before the inbox write: what the bot ignores is recorded
  // already handled (and without its payload, which nothing will read) in the same insert.
  std::string ignored_because;
  bool ignored = false;
  try {
    auto r = envelope.content ? route(*envelope.content, me_)
                              : route(slack::decode_payload(envelope.kind, envelope.payload), me_);
    if (r.what == intent::ignore) {
      ignored = true;
      ignored_because = std::move(r.ignored_because);
    }
  } catch (const slack::decode_error&) {
    // Recorded unhandled; handle() reports it.
  }
  const auto now = to_unix_ms(clock_.now());
  queue_.push_back({{envelope.dedupe_key(), envelope.envelope_id, std::string(slack::to_string(envelope.kind)),
                     ignored ? std::string() : envelope.payload, now, ignored ? now : 0},
                    std::move(ack), envelope.retry_attempt, envelope.retry_reason, std::move(ignored_because)});
  if (!flush_posted_) {
    flush_posted_ = true;
    if (std::chrono::steady_clock::now() - last_flush_ < kBurstGap) {
      lingering_ = true;
      flushed_.expires_at(asio::steady_timer::time_point::max());
      linger_.expires_after(kLinger);
      linger_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) flush();
      });
    } else {
      asio::post(ex_, [this] { flush(); });
    }
  }
}

void service::flush() {
  // Group commit: while every loop turn brings another envelope (frames arriving back to back), wait one
  // more turn so they share one transaction and their acks go out together; a bounded wait, so the first
  // ack of a burst is not held back for long.
  if (queue_.size() > flush_seen_ && queue_.size() < kMaxBatch) {
    flush_seen_ = queue_.size();
    asio::post(ex_, [this] { flush(); });
    return;
  }
  flush_posted_ = false;
  flush_seen_ = 0;
  if (lingering_) {
    lingering_ = false;
    flushed_.cancel();  // the reads held back by read_gate go on
  }
  last_flush_ = std::chrono::steady_clock::now();
  auto batch = std::move(queue_);
  queue_.clear();
  entries_.clear();
  for (const auto& q : batch) entries_.push_back(q.entry);
  std::vector<bool> fresh;
  try {
    fresh = inbox_.record(entries_);  // one transaction for every envelope of this loop turn
  } catch (const std::exception& e) {
    // Not durable, so not acked: Slack redelivers events, and a person retries a click.
    log::error(kLog, "could not record {} envelope(s) in the inbox: {}", batch.size(), e.what());
    for (auto& q : batch) q.ack({.ack = false, .payload = {}});
    return;
  }
  for (auto& q : batch) q.ack({});  // durable now
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto& q = batch[i];
    if (!fresh[i]) {
      ++stats_.duplicates;
      log::info(kLog, "redelivery of {} (attempt {}, {}) acked, already recorded", q.entry.key, q.retry_attempt,
                q.retry_reason.empty() ? "duplicate" : q.retry_reason);
      continue;
    }
    if (q.entry.handled_at != 0) {
      log::debug(kLog, "event {} ignored: {}", q.entry.key, q.ignored_because);
      continue;
    }
    spawn(std::move(q.entry));
  }
}

asio::awaitable<void> service::read_gate() {
  if (!lingering_) co_return;
  boost::system::error_code ec;
  co_await flushed_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

void service::replay() {
  auto pending = inbox_.unhandled();
  if (!pending.empty()) log::info(kLog, "replaying {} event(s) left unhandled by the last run", pending.size());
  for (auto& entry : pending) spawn(std::move(entry));
}

void service::spawn(store::inbox_entry entry) {
  ++stats_.in_flight;
  // Posted, not run inline: the ack goes out first.
  asio::post(ex_, [this, entry = std::move(entry)] {
    --stats_.in_flight;
    handle(entry);
  });
}

void service::handle(const store::inbox_entry& entry) {
  try {
    auto payload = slack::decode_payload(slack::envelope_kind_from(entry.kind), entry.payload);
    auto r = route(payload, me_);
    if (r.what == intent::ignore) {
      log::debug(kLog, "event {} ignored: {}", entry.key, r.ignored_because);
      engine_.mark_handled(entry.key);
      return;
    }
    log::info(kLog, "event {}: {} from {} in {}", entry.key, to_string(r.what), r.user, r.channel);
    answer(entry.key, r);
    ++stats_.handled;
  } catch (const slack::decode_error& e) {
    log::warn(kLog, "event {} could not be decoded: {}", entry.key, e.what());
    engine_.mark_handled(entry.key);
  } catch (const std::exception& e) {
    // Left unhandled in the inbox: the next start replays it.
    ++stats_.failed;
    log::error(kLog, "event {} failed: {}", entry.key, e.what());
  }
}

void service::answer(const std::string& key, const request& r) {
  switch (r.what) {
    case intent::help: return reply(key, r, help_text(access_, r.user));
    case intent::unknown:
      return reply(key, r, fmt::format("I don't know how to do \"{}\". Try `help` to see what I can do.",
                                  text::escape_mrkdwn(r.text)));
    case intent::quickfix: return on_quickfix(key, r);
    case intent::status: return on_status(key, r);
    case intent::cancel: return on_cancel(key, r);
    case intent::button: return on_button(key, r);
    case intent::release: return on_release(key, r);
    case intent::recheck: return on_recheck(key, r);
    case intent::ignore: return engine_.mark_handled(key);
  }
}

void service::reply(const std::string& key, const request& r, std::string text, bool privately) {
  workflows::direct_reply out;
  out.channel = r.channel;
  out.text = std::move(text);
  if (r.slash || privately) out.ephemeral_to = r.user;
  // In a channel the answer goes to the request's thread; in a DM it stays in the conversation.
  if (!r.dm && !r.slash) out.thread = r.thread;
  engine_.reply(key, {out});
}

void service::on_quickfix(const std::string& key, const request& r) {
  if (!access_.allows(r.user, action::quickfix)) return reply(key, r, access_.refusal(action::quickfix), true);
  engine_.create("quickfix", r.channel, r.thread, r.user, {{"text", r.text}}, key);
}

void service::on_status(const std::string& key, const request& r) {
  store::run_filter f;
  f.channel = r.channel.str();
  f.requester = r.user.str();
  f.open_only = false;
  f.limit = 10;
  auto runs = engine_.list(f);
  if (runs.empty()) return reply(key, r, "No runs here or of yours yet.");
  // Open runs first, then the most recent finished ones.
  std::stable_partition(runs.begin(), runs.end(), [](const workflows::run& x) { return !x.finished; });
  std::string text = "*Runs of this channel and yours:*";
  const auto now = clock_.now();
  for (const auto& run : runs) {
    text += fmt::format("\n• *{}* {} · {} · started by <@{}> {} ago", run.name, run.workflow, run.state, run.requester,
                        age(run.created_at, now));
    if (auto it = run.data.find("version"); it != run.data.end() && run.workflow == "release") {
      text += fmt::format(" · version {}", text::escape_mrkdwn(it->second));
    }
    if (auto it = run.data.find("text"); it != run.data.end()) {
      text += fmt::format(" · “{}”", text::escape_mrkdwn(text::clean_utf8(it->second.substr(0, 80))));
    }
  }
  reply(key, r, std::move(text));
}

void service::on_cancel(const std::string& key, const request& r) {
  std::optional<workflows::run> target;
  if (!r.args.empty()) {
    target = engine_.find(text::split_words(r.args).front());
    if (!target) return reply(key, r, fmt::format("I know no run called {}. `status` lists them.", text::escape_mrkdwn(r.args)));
  } else {
    // Without a name: the asker's newest open run in this conversation.
    store::run_filter f;
    f.channel = r.channel.str();
    f.limit = 50;
    for (auto& run : engine_.list(f)) {
      if (run.requester == r.user) {
        target = std::move(run);
        break;
      }
    }
    if (!target) return reply(key, r, "You have no open run here. Name one: `cancel QF-12`.");
  }
  if (target->requester != r.user && !access_.allows(r.user, action::cancel_others)) {
    return reply(key, r, access_.refusal(action::cancel_others), true);
  }
  engine_.deliver(target->id, {.kind = workflows::event_kind::cancel, .by = r.user}, key);
}

std::optional<workflows::run> service::active_release(const slack::channel_id& channel) {
  store::run_filter f;
  f.workflow = "release";
  f.channel = channel.str();
  f.limit = 1;
  auto runs = engine_.list(f);
  if (runs.empty()) return std::nullopt;
  return std::move(runs.front());
}

void service::on_release(const std::string& key, const request& r) {
  if (!access_.allows(r.user, action::release)) return reply(key, r, access_.refusal(action::release), true);
  if (!engine_.find_workflow("release")) {
    return reply(key, r, "Releases are not set up on this Tugboat: `[release] repo` names no repository.");
  }
  if (r.dm) return reply(key, r, "Start a release in a channel, so the team can follow it: `@tugboat please do a release`.");
  if (auto running = active_release(r.channel)) {
    return reply(key, r, fmt::format("*{}* (release {}) is already running in this channel: follow its thread, or "
                                     "`cancel {}` first.",
                                     running->name, running->data.contains("version") ? running->data.at("version") : "",
                                     running->name));
  }
  store::fields data;
  // "release 1.4.0" names the version; "please do a release" lets the tags decide.
  for (auto w : text::split_words(r.args)) {
    if (!w.empty() && std::isdigit(static_cast<unsigned char>(w.front()))) data["requested_version"] = std::string(w);
    if (w.size() > 1 && (w.front() == 'v' || w.front() == 'V') && std::isdigit(static_cast<unsigned char>(w[1]))) {
      data["requested_version"] = std::string(w.substr(1));
    }
  }
  // New failures are the ones that did not fail in the last release that shipped.
  store::run_filter f;
  f.workflow = "release";
  f.state = "released";
  f.open_only = false;
  f.limit = 1;
  if (auto previous = engine_.list(f); !previous.empty()) {
    data["previous_run"] = previous.front().name;
    data["previous_version"] = previous.front().data.contains("version") ? previous.front().data.at("version") : "";
    data["previous_failed"] = previous.front().data.contains("qa_failed") ? previous.front().data.at("qa_failed") : "";
  }
  engine_.create("release", r.channel, {}, r.user, std::move(data), key);
}

void service::on_recheck(const std::string& key, const request& r) {
  if (!access_.allows(r.user, action::release)) return reply(key, r, access_.refusal(action::release), true);
  auto running = active_release(r.channel);
  if (!running) return reply(key, r, "No release is running in this channel. Start one with `release`.");
  engine_.deliver(running->id, {.kind = workflows::event_kind::command, .name = "recheck", .by = r.user, .roles = roles_of(r.user)}, key);
}

std::vector<std::string> service::roles_of(const slack::user_id& user) const {
  std::vector<std::string> roles;
  if (access_.is_admin(user)) roles.emplace_back("admin");
  if (access_.is_releaser(user)) roles.emplace_back("releaser");
  return roles;
}

void service::on_button(const std::string& key, const request& r) {
  // The value is the run's name, or "RUN|detail" for buttons about a part of a run.
  const auto run_name = r.value.substr(0, r.value.find('|'));
  auto target = engine_.find(run_name);
  if (!target) return reply(key, r, "That button belongs to a run I no longer know.", true);
  if (target->workflow == "release") {
    // Owners, releasers and the manager click a release's buttons: the workflow checks who may.
    workflows::event e{.kind = workflows::event_kind::button, .name = r.action_id, .value = r.value, .by = r.user,
                       .roles = roles_of(r.user)};
    engine_.deliver(target->id, e, key);
    return;
  }
  if (target->requester != r.user && !access_.is_admin(r.user)) {
    return reply(key, r, fmt::format("Only <@{}> (who started {}) or an admin may use these buttons.", target->requester,
                                     target->name),
                 true);
  }
  engine_.deliver(target->id, {.kind = workflows::event_kind::button, .name = r.action_id, .value = r.value, .by = r.user},
                  key);
}

}  // namespace tugboat::bot
