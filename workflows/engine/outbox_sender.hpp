#pragma once
// Sends the outbox: one worker per channel lane with unsent rows (store/outbox.hpp), so each channel's
// posts keep their order while channels proceed in parallel (Slack limits posts per channel), and edits
// of sent messages (chat.update, a tighter tier) never hold posts up. Unsent edits of one message
// collapse into the newest.
//
// Exactly once: a post carries its outbox key in the message metadata (event_type tugboat_outbox). A row
// left `sending` — the process died mid-call, or Slack may have got it before an error — is first looked
// for in the thread (conversations.replies) or channel (conversations.history); found, it is marked sent
// without posting again. Updates and reactions are idempotent and simply retried; ephemeral messages
// cannot be looked up and are sent at least once.
// Loop thread only.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <set>
#include <string>

#include "core/clock.hpp"
#include "slack/web_api.hpp"
#include "store/outbox.hpp"

namespace tugboat::workflows {

inline constexpr std::string_view kOutboxEventType = "tugboat_outbox";

struct outbox_sender_stats {
  std::uint64_t sent = 0;
  std::uint64_t reconciled = 0;  // found already in Slack after an interruption
  std::uint64_t retried = 0;
  std::uint64_t failed = 0;
  std::uint64_t superseded = 0;  // edits replaced by a newer edit of the same message before they went out
};

class outbox_sender {
 public:
  outbox_sender(boost::asio::any_io_executor ex, store::outbox& rows, slack::web_api& api, const clock& now);

  // A commit added rows for `channel`: make sure its worker runs. Cheap; "" scans every channel (at
  // start, and when deferred rows come due).
  void kick(const std::string& channel = {});
  void stop();
  bool idle() const { return active_.empty(); }
  const outbox_sender_stats& stats() const { return stats_; }

 private:
  boost::asio::awaitable<void> work(store::outbox_head head);
  // False when the row has to wait for something else first (an edit whose message is not posted yet).
  boost::asio::awaitable<bool> send(store::outbox_row row);
  boost::asio::awaitable<std::string> find_sent(const store::outbox_row& row, const std::string& thread);
  void wake_at(long long when);

  boost::asio::any_io_executor ex_;
  store::outbox& rows_;
  slack::web_api& api_;
  const clock& clock_;
  void start_worker(const store::outbox_head& head);

  std::set<store::outbox_head> active_;
  bool stopped_ = false;
  boost::asio::steady_timer wake_;
  long long wake_for_ = 0;
  outbox_sender_stats stats_;
};

}  // namespace tugboat::workflows
