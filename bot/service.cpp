#include "bot/service.hpp"

#include <boost/asio/co_spawn.hpp>
#include <fmt/format.h>

#include "core/log.hpp"

namespace tugboat::bot {
namespace {

namespace asio = boost::asio;
constexpr std::string_view kLog = "bot";

}  // namespace

std::string help_text() {
  return "*Tugboat* runs releases and quick fixes for this team.\n"
         "In a channel, mention me:\n"
         "• `@tugboat please do a release` or `@tugboat release 1.4.0`: start a release in a thread\n"
         "• `@tugboat status`: the runs of this channel and yours\n"
         "• `@tugboat recheck`: reload the QA results of the running release\n"
         "• `@tugboat cancel [RUN]`: stop a run\n"
         "• `@tugboat help`: this message\n"
         "In a DM, write what you want fixed (\"fix the typo in the install docs\") and I queue it as a quick "
         "fix; the same commands work there too, and as `/tugboat <command>` anywhere.";
}

service::service(asio::any_io_executor ex, store::inbox& inbox, chat& out, const clock& now, identity me)
    : ex_(std::move(ex)), inbox_(inbox), out_(out), clock_(now), me_(std::move(me)) {}

slack::ack_decision service::on_envelope(const slack::envelope& envelope) {
  ++stats_.received;
  store::inbox_entry entry{envelope.dedupe_key(), envelope.envelope_id, std::string(slack::to_string(envelope.kind)),
                           envelope.payload, to_unix_ms(clock_.now())};
  bool fresh = false;
  try {
    fresh = inbox_.record_one(entry);
  } catch (const std::exception& e) {
    // Not durable, so not acked: Slack redelivers events, and a person retries a click.
    log::error(kLog, "could not record envelope {} in the inbox: {}", envelope.envelope_id, e.what());
    return {.ack = false, .payload = {}};
  }
  if (!fresh) {
    ++stats_.duplicates;
    log::info(kLog, "redelivery of {} (attempt {}, {}) acked, already recorded", entry.key, envelope.retry_attempt,
              envelope.retry_reason);
    return {};
  }
  spawn(std::move(entry));
  return {};
}

void service::replay() {
  auto pending = inbox_.unhandled();
  if (!pending.empty()) log::info(kLog, "replaying {} event(s) left unhandled by the last run", pending.size());
  for (auto& entry : pending) spawn(std::move(entry));
}

void service::spawn(store::inbox_entry entry) {
  ++stats_.in_flight;
  auto key = entry.key;
  asio::co_spawn(ex_, handle(std::move(entry)), [this, key](const std::exception_ptr& e) {
    --stats_.in_flight;
    if (!e) return;
    ++stats_.failed;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log::error(kLog, "handling {} failed: {}", key, ex.what());
    }
  });
}

asio::awaitable<void> service::handle(store::inbox_entry entry) {
  request r;
  std::string failure;
  try {
    auto payload = slack::decode_payload(slack::envelope_kind_from(entry.kind), entry.payload);
    r = route(payload, me_);
  } catch (const slack::decode_error& e) {
    failure = e.what();
  }
  if (!failure.empty()) {
    log::warn(kLog, "event {} could not be decoded: {}", entry.key, failure);
  } else if (r.what == intent::ignore) {
    log::debug(kLog, "event {} ignored: {}", entry.key, r.ignored_because);
  } else {
    log::info(kLog, "event {}: {} from {} in {}", entry.key, to_string(r.what), r.user, r.channel);
    try {
      co_await answer(r);
      ++stats_.handled;
    } catch (const std::exception& e) {
      failure = e.what();
    }
    if (!failure.empty()) {
      ++stats_.failed;
      log::error(kLog, "event {}: answering {} failed: {}", entry.key, r.user, failure);
    }
  }
  inbox_.mark_handled(entry.key, to_unix_ms(clock_.now()));
}

asio::awaitable<void> service::answer(const request& r) {
  switch (r.what) {
    case intent::help:
      co_await reply(r, help_text());
      break;
    case intent::unknown:
      co_await reply(r, fmt::format("I don't know how to do \"{}\". Try `help` to see what I can do.", r.text));
      break;
    case intent::release:
    case intent::status:
    case intent::cancel:
    case intent::recheck:
    case intent::quickfix:
      co_await reply(r, fmt::format("`{}` is not enabled on this Tugboat yet: it is being built. Try `help`.",
                                    to_string(r.what)));
      break;
    case intent::button:
      co_await out_.post_ephemeral(r.user, {.channel = r.channel,
                                            .text = "That button belongs to a workflow this Tugboat does not run.",
                                            .blocks = {},
                                            .thread_ts = r.thread,
                                            .reply_broadcast = false,
                                            .metadata = std::nullopt});
      break;
    case intent::ignore:
      break;
  }
}

asio::awaitable<void> service::reply(const request& r, std::string text) {
  slack::outgoing_message m;
  m.channel = r.channel;
  m.text = std::move(text);
  if (r.slash) {
    co_await out_.post_ephemeral(r.user, std::move(m));
    co_return;
  }
  // In a channel the answer goes to the request's thread; in a DM it stays in the conversation (quick
  // fixes will use threads for their progress).
  if (!r.dm) m.thread_ts = r.thread;
  co_await out_.post(std::move(m));
}

}  // namespace tugboat::bot
