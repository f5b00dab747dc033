#pragma once
// What a workflow is: a pure function `decide(run, event, now) → decision`. It reads the run and the
// event, and says the run's next state and data and the effects to perform — messages, timers, jobs —
// without doing any I/O. The engine commits the decision and its effects in one transaction and only
// then performs them. Workflows are stateless objects; any thread may call decide.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "slack/blocks.hpp"
#include "slack/ids.hpp"
#include "store/fields.hpp"
#include "store/jobs.hpp"

namespace tugboat::workflows {

using store::fields;

// A run as a workflow sees it.
struct run {
  std::int64_t id = 0;
  std::string workflow;
  std::string name;  // "QF-12"
  std::string state;
  fields data;
  slack::channel_id channel;
  slack::message_ts thread;  // where the run talks; may be set by a decision (a status message's ts)
  slack::user_id requester;
  sys_time created_at;
  bool finished = false;
  int version = 0;
};

enum class event_kind {
  start,         // the run was just created
  admit,         // a slot is free: a queued run may start (admission control)
  job_finished,  // a job of the run ended (job, job_name)
  interrupted,   // a job was running when the bot stopped; it was not re-run (job_name)
  timer,         // a timer of the run fired (name)
  button,        // someone clicked one of the run's buttons (name = action_id, value, by)
  command,       // a text command aimed at the run (name = command, text, by)
  cancel,        // someone asked to cancel the run (by)
};
std::string_view to_string(event_kind k);

struct event;
bool has_role(const event& e, std::string_view role);

struct event {
  event_kind kind = event_kind::start;
  std::string name;
  std::string value;
  std::string text;
  slack::user_id by;
  std::vector<std::string> roles;  // what `by` may do beyond the workflow's own rules: "admin", "releaser"
  std::string job_name;
  std::optional<store::job_result> job;
  // start, for workflows with admission control: runs queued before this one, and whether a running
  // slot is free (then `admit` follows at once).
  int queue_ahead = 0;
  bool slot_free = true;
};

// A message to send. Posts land in the run's thread unless `top_level`; `slot` names a post so a later
// `update` can edit it in place.
struct message_effect {
  enum class kind { post, update, ephemeral, reaction };
  kind what = kind::post;
  std::string slot;
  slack::channel_id channel;  // empty: the run's channel
  bool top_level = false;     // post: a new message in the channel, not in the run's thread
  slack::user_id user;        // ephemeral: who sees it
  std::string text;           // fallback text; reaction: the emoji name
  std::vector<slack::block> blocks;
  slack::message_ts target;   // reaction: the message to react to
};

struct timer_effect {
  std::string name;
  std::optional<sys_time> due;  // nullopt: cancel
};

struct job_effect {
  std::string name;
  store::job_spec spec;
  bool kill = false;  // stop the run's running job of this name instead of starting one
};

struct decision {
  std::string state;
  fields data;
  std::vector<message_effect> messages;
  std::vector<timer_effect> timers;
  std::vector<job_effect> jobs;
  bool finished = false;
  std::string note;  // for the run's history

  // Starts from the run as it is: same state and data, no effects.
  static decision keep(const run& r) { return decision{r.state, r.data, {}, {}, {}, r.finished, {}}; }
  decision& post(std::string text, std::vector<slack::block> blocks = {}, std::string slot = {});
  decision& update(std::string slot, std::string text, std::vector<slack::block> blocks = {});
  decision& ephemeral(slack::user_id user, std::string text);
  decision& react(slack::message_ts target, std::string emoji);
  decision& set_timer(std::string name, sys_time due);
  decision& cancel_timer(std::string name);
  decision& start_job(std::string name, store::job_spec spec);
  decision& kill_job(std::string name);
  decision& move_to(std::string new_state, std::string why = {});
  decision& finish(std::string final_state, std::string why = {});
};

// At most `limit` runs in `running_state` at once; the others wait in `queued_state`, oldest first.
struct admission {
  std::string queued_state;
  std::string running_state;
  int limit = 1;
};

class workflow {
 public:
  virtual ~workflow() = default;
  virtual std::string_view name() const = 0;    // "quickfix"
  virtual std::string_view prefix() const = 0;  // "QF" → runs named QF-12
  virtual std::string_view initial_state() const = 0;
  virtual std::optional<admission> admission_control() const { return std::nullopt; }
  virtual decision decide(const run& r, const event& e, sys_time now) const = 0;
};

}  // namespace tugboat::workflows
