#include "workflows/engine/outbox_sender.hpp"

#include <boost/asio/co_spawn.hpp>
#include <fmt/format.h>

#include "core/log.hpp"
#include "slack/api_error.hpp"

namespace tugboat::workflows {
namespace {

namespace asio = boost::asio;
constexpr std::string_view kLog = "outbox";
constexpr int kMaxAttempts = 8;

long long retry_delay_ms(int attempts) {
  long long d = 1000;
  for (int i = 1; i < attempts && d < 60'000; ++i) d *= 2;
  return std::min(d, 60'000LL);
}

slack::outgoing_message message_of(const store::outbox_row& row, std::string thread) {
  slack::outgoing_message m;
  m.channel = slack::channel_id(row.channel);
  m.text = row.text;
  m.blocks_json = row.blocks;
  m.thread_ts = slack::message_ts(std::move(thread));
  m.metadata = slack::message_metadata{std::string(kOutboxEventType), {{"key", row.key}}};
  return m;
}

}  // namespace

outbox_sender::outbox_sender(asio::any_io_executor ex, store::outbox& rows, slack::web_api& api, const clock& now)
    : ex_(ex), rows_(rows), api_(api), clock_(now), wake_(ex) {}

void outbox_sender::kick(const std::string& channel) {
  if (stopped_) return;
  if (!channel.empty()) {
    // A running worker reads its lane's next row after each send, so it will see the new one.
    for (auto lane : {store::outbox_lane::posts, store::outbox_lane::edits}) {
      store::outbox_head head{channel, lane};
      if (!active_.contains(head)) start_worker(head);
    }
    return;
  }
  for (auto& head : rows_.heads_with_work(to_unix_ms(clock_.now()))) {
    if (!active_.contains(head)) start_worker(head);
  }
  if (auto deferred = rows_.earliest_deferred(to_unix_ms(clock_.now()))) wake_at(*deferred);
}

void outbox_sender::start_worker(const store::outbox_head& head) {
  active_.insert(head);
  asio::co_spawn(ex_, work(head), [this, head](const std::exception_ptr& e) {
    if (!e) return;
    active_.erase(head);
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log::error(kLog, "sender for {} stopped: {}", head.channel, ex.what());
    }
  });
}

void outbox_sender::wake_at(long long when) {
  if (wake_for_ != 0 && wake_for_ <= when) return;
  wake_for_ = when;
  wake_.expires_after(std::chrono::milliseconds{std::max(0LL, when - to_unix_ms(clock_.now()))});
  wake_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    wake_for_ = 0;
    kick("");
  });
}

void outbox_sender::stop() {
  stopped_ = true;
  wake_.cancel();
}

asio::awaitable<void> outbox_sender::work(store::outbox_head head) {
  // The worker leaves `active_` in the same step in which it finds nothing to do, so a kick that comes
  // after that step always starts a new worker.
  while (!stopped_) {
    auto row = rows_.next(head.channel, head.lane);
    if (!row) break;
    if (row->not_before > to_unix_ms(clock_.now())) {
      wake_at(row->not_before);  // the lane waits as a whole: its order must hold
      break;
    }
    const bool done = co_await send(std::move(*row));
    if (!done) break;  // kicked again when what it waits for is sent
  }
  active_.erase(head);
}

asio::awaitable<bool> outbox_sender::send(store::outbox_row row) {
  const auto now_ms = [this] { return to_unix_ms(clock_.now()); };
  if (row.kind == "update") {
    // Only the newest text of a message matters: send that one, for all unsent edits of it.
    if (auto newest = rows_.latest_update(row.run_id, row.slot); newest && newest->id != row.id) row = std::move(*newest);
    const auto target = rows_.slot_ts(row.run_id, row.slot);
    // Its message is still on its way (the posts lane): that lane kicks this one once it is sent.
    if (target.empty() && rows_.slot_pending(row.run_id, row.slot)) co_return false;
    // The older edits are done with now; if this one has to be retried, it is retried alone.
    if (!target.empty())
      stats_.superseded += static_cast<std::uint64_t>(rows_.mark_superseded(row.run_id, row.slot, row.id, target, now_ms()));
  }
  std::string thread = row.thread_ts;
  if (thread.starts_with("slot:")) {
    thread = rows_.slot_ts(row.run_id, std::string_view(thread).substr(5));
    // The thread's root failed to post: say it at the top level rather than not at all.
  }
  std::string failure;
  bool maybe_delivered = false;
  bool permanent = false;
  try {
    if (row.kind == "post" && row.state == "sending") {
      if (auto ts = co_await find_sent(row, thread); !ts.empty()) {
        rows_.mark_sent(row.id, ts, now_ms());
        ++stats_.reconciled;
        log::info(kLog, "{} was already in Slack ({}); not posted again", row.key, ts);
        if (!row.slot.empty()) kick(row.channel);  // edits of it may be waiting
        co_return true;
      }
    }
    rows_.mark_sending(row.id);
    std::string ts;
    // Arguments are named locals, never temporaries inside co_await: GCC 12 destroys some of those twice.
    const slack::channel_id channel(row.channel);
    if (row.kind == "post") {
      const auto message = message_of(row, thread);
      const auto posted = co_await api_.post_message(message);
      ts = posted.ts.str();
    } else if (row.kind == "ephemeral") {
      const auto message = message_of(row, thread);
      const slack::user_id user(row.user_id);
      const auto posted = co_await api_.post_ephemeral(channel, user, message);
      ts = posted.str();
    } else if (row.kind == "update") {
      auto target = rows_.slot_ts(row.run_id, row.slot);
      if (target.empty()) throw std::runtime_error(fmt::format("no sent message named '{}' to update", row.slot));
      const auto message = message_of(row, "");
      const slack::message_ts target_ts(target);
      co_await api_.update_message(channel, target_ts, message);
      ts = target;
    } else if (row.kind == "reaction") {
      const slack::message_ts target_ts(row.thread_ts);
      co_await api_.reactions_add(channel, target_ts, row.text);
    } else {
      throw std::runtime_error(fmt::format("unknown outbox kind '{}'", row.kind));
    }
    rows_.mark_sent(row.id, ts, now_ms());
    ++stats_.sent;
    if (row.kind == "post" && !row.slot.empty()) kick(row.channel);  // edits of it may be waiting
    co_return true;
  } catch (const slack::api_error& e) {
    failure = e.what();
    maybe_delivered = e.may_have_been_delivered();
    permanent = !e.retryable() && !maybe_delivered;
  } catch (const std::exception& e) {
    failure = e.what();
    permanent = true;
  }
  if (permanent || row.attempts + 1 >= kMaxAttempts) {
    rows_.mark_failed(row.id, failure, now_ms());
    ++stats_.failed;
    log::error(kLog, "{} ({} in {}) failed for good: {}", row.key, row.kind, row.channel, failure);
    if (!row.slot.empty() && row.kind == "post") kick(row.channel);  // its edits fail too, now
    co_return true;
  }
  const auto when = now_ms() + retry_delay_ms(row.attempts + 1);
  rows_.defer(row.id, when, failure, maybe_delivered);
  ++stats_.retried;
  log::warn(kLog, "{} will be retried: {}", row.key, failure);
  wake_at(when);
  co_return true;
}

asio::awaitable<std::string> outbox_sender::find_sent(const store::outbox_row& row, const std::string& thread) {
  auto matches = [&row](const slack::thread_message& m) {
    if (m.metadata_event_type != kOutboxEventType) return false;
    for (const auto& [k, v] : m.metadata_payload) {
      if (k == "key" && v == row.key) return true;
    }
    return false;
  };
  if (!thread.empty()) {
    const slack::channel_id channel(row.channel);
    const slack::message_ts thread_ts(thread);
    std::string cursor;
    for (int page = 0; page < 20; ++page) {
      auto got = co_await api_.conversations_replies(channel, thread_ts, cursor);
      for (const auto& m : got.messages) {
        if (matches(m)) co_return m.ts.str();
      }
      if (got.next_cursor.empty()) break;
      cursor = got.next_cursor;
    }
    co_return std::string{};
  }
  // A top-level post: look at the channel's recent history, back to when the row was written.
  const slack::channel_id channel(row.channel);
  auto got = co_await api_.conversations_history(channel, row.created_at / 1000 - 60);
  for (const auto& m : got.messages) {
    if (matches(m)) co_return m.ts.str();
  }
  co_return std::string{};
}

}  // namespace tugboat::workflows
