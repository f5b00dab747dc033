#include "workflows/engine/engine.hpp"

#include <fmt/format.h>

#include <signal.h>
#include <unistd.h>

#include "core/log.hpp"
#include "core/subprocess.hpp"

namespace tugboat::workflows {
namespace {

constexpr std::string_view kLog = "engine";

std::string_view kind_name(message_effect::kind k) {
  switch (k) {
    case message_effect::kind::post: return "post";
    case message_effect::kind::update: return "update";
    case message_effect::kind::ephemeral: return "ephemeral";
    case message_effect::kind::reaction: return "reaction";
  }
  return "post";
}

std::string event_label(const event& e) {
  return e.name.empty() ? std::string(to_string(e.kind)) : fmt::format("{}:{}", to_string(e.kind), e.name);
}

}  // namespace

run to_run(const store::run_row& row) {
  run r;
  r.id = row.id;
  r.workflow = row.workflow;
  r.name = row.name;
  r.state = row.state;
  r.data = row.data;
  r.channel = slack::channel_id(row.channel);
  r.thread = slack::message_ts(row.thread_ts);
  r.requester = slack::user_id(row.requester);
  r.created_at = from_unix_ms(row.created_at);
  r.finished = row.finished_at.has_value();
  r.version = row.version;
  return r;
}

engine::engine(store::database& db, const clock& now, engine_hooks hooks)
    : db_(db), clock_(now), hooks_(std::move(hooks)), runs_(db), timers_(db), outbox_(db), jobs_(db), inbox_(db) {}

void engine::add(std::unique_ptr<workflow> w) {
  auto name = std::string(w->name());
  workflows_.emplace(std::move(name), std::move(w));
}

const workflow* engine::find_workflow(std::string_view name) const {
  auto it = workflows_.find(name);
  return it == workflows_.end() ? nullptr : it->second.get();
}

const workflow& engine::workflow_of(const run& r) const {
  const auto* w = find_workflow(r.workflow);
  if (!w) throw std::runtime_error(fmt::format("run {} belongs to an unknown workflow '{}'", r.name, r.workflow));
  return *w;
}

run engine::create(std::string_view workflow_name, const slack::channel_id& channel, const slack::message_ts& thread,
                   const slack::user_id& requester, fields data, std::string_view inbox_key) {
  const auto* w = find_workflow(workflow_name);
  if (!w) throw std::invalid_argument(fmt::format("unknown workflow '{}'", workflow_name));
  pending_effects fx;
  run result;
  {
    store::transaction tx(db_.sql(), SQLite::TransactionBehavior::IMMEDIATE);
    const auto now = to_unix_ms(clock_.now());
    auto row = runs_.create(w->name(), w->prefix(), w->initial_state(), data, channel.str(), thread.str(),
                            requester.str(), now);
    event start{.kind = event_kind::start};
    if (auto rule = w->admission_control()) {
      start.queue_ahead = static_cast<int>(runs_.count_in_state(w->name(), rule->queued_state)) - 1;
      start.slot_free = runs_.count_in_state(w->name(), rule->running_state) < rule->limit;
    }
    result = apply(to_run(row), start, fx);
    if (!inbox_key.empty()) inbox_.mark_handled(inbox_key, now);
    tx.commit();
  }
  log::info(kLog, "{} created by {}: {}", result.name, requester, result.state);
  perform(fx);
  admit(workflow_name);
  return result;
}

std::optional<run> engine::deliver(std::int64_t id, const event& e, std::string_view inbox_key) {
  pending_effects fx;
  std::optional<run> result;
  {
    store::transaction tx(db_.sql(), SQLite::TransactionBehavior::IMMEDIATE);
    auto row = runs_.find(id);
    if (row) result = apply(to_run(*row), e, fx);
    if (!inbox_key.empty()) inbox_.mark_handled(inbox_key, to_unix_ms(clock_.now()));
    tx.commit();
  }
  perform(fx);
  if (result) admit(result->workflow);
  return result;
}

void engine::reply(std::string_view inbox_key, const std::vector<direct_reply>& replies) {
  {
    store::transaction tx(db_.sql(), SQLite::TransactionBehavior::IMMEDIATE);
    const auto now = to_unix_ms(clock_.now());
    int n = 0;
    for (const auto& r : replies) {
      store::outbox_row row;
      row.key = fmt::format("reply/{}/{}", inbox_key, n++);
      row.kind = r.ephemeral_to.empty() ? "post" : "ephemeral";
      row.channel = r.channel.str();
      row.thread_ts = r.thread.str();
      row.user_id = r.ephemeral_to.str();
      row.text = r.text;
      row.blocks = r.blocks.empty() ? "" : slack::blocks_json(r.blocks);
      row.created_at = now;
      outbox_.add(row);
    }
    if (!inbox_key.empty()) inbox_.mark_handled(inbox_key, now);
    tx.commit();
  }
  if (hooks_.outbox_changed) {
    std::set<std::string> channels;
    for (const auto& r : replies) channels.insert(r.channel.str());
    for (const auto& c : channels) hooks_.outbox_changed(c);
  }
}

void engine::mark_handled(std::string_view inbox_key) { inbox_.mark_handled(inbox_key, to_unix_ms(clock_.now())); }

run engine::apply(const run& r, const event& e, pending_effects& fx) {
  const auto now = clock_.now();
  const auto& w = workflow_of(r);
  auto d = w.decide(r, e, now);

  const int version = r.version + 1;
  store::run_row row;
  row.id = r.id;
  row.state = d.state;
  row.data = d.data;
  row.thread_ts = r.thread.str();
  row.updated_at = to_unix_ms(now);
  if (d.finished || r.finished) row.finished_at = to_unix_ms(now);
  row.version = version;
  if (!runs_.save(row, r.version)) {
    throw std::runtime_error(fmt::format("run {} changed under the engine (version {})", r.name, r.version));
  }
  runs_.append_event(r.id, {version, to_unix_ms(now), event_label(e), r.state, d.state, d.note});

  if (!d.messages.empty()) write_messages(r, version, d.messages, fx.outbox);
  for (const auto& t : d.timers) {
    if (t.due) {
      timers_.set(r.id, t.name, to_unix_ms(*t.due));
    } else {
      timers_.cancel(r.id, t.name);
    }
    fx.timers = true;
  }
  for (const auto& j : d.jobs) {
    if (j.kill) {
      for (const auto& active : jobs_.active_for_run(r.id)) {
        if (active.name == j.name) fx.kill.push_back(active.id);
      }
    } else {
      fx.start.push_back(jobs_.add(r.id, j.name, j.spec, to_unix_ms(now)));
    }
  }
  if (d.finished && !r.finished) {
    timers_.cancel_all(r.id);
    fx.timers = true;
    for (const auto& active : jobs_.active_for_run(r.id)) fx.kill.push_back(active.id);
  }

  run next = r;
  next.state = d.state;
  next.data = std::move(d.data);
  next.finished = d.finished || r.finished;
  next.version = version;
  if (r.state != next.state) log::info(kLog, "{}: {} → {} ({})", r.name, r.state, next.state, event_label(e));
  return next;
}

void engine::write_messages(const run& r, int version, const std::vector<message_effect>& messages,
                            std::set<std::string>& channels) {
  const auto now = to_unix_ms(clock_.now());
  int n = 0;
  for (const auto& m : messages) {
    store::outbox_row row;
    row.key = fmt::format("{}/{}/{}", r.name, version, n++);
    row.run_id = r.id;
    row.kind = kind_name(m.what);
    row.channel = m.channel.empty() ? r.channel.str() : m.channel.str();
    row.slot = m.slot;
    row.user_id = m.user.str();
    row.text = m.text;
    row.blocks = m.blocks.empty() ? "" : slack::blocks_json(m.blocks);
    row.created_at = now;
    switch (m.what) {
      case message_effect::kind::post:
      case message_effect::kind::ephemeral:
        if (!m.top_level) {
          row.thread_ts = !r.thread.empty() ? r.thread.str()
                          : r.data.contains("thread_slot") ? "slot:" + r.data.at("thread_slot")
                                                            : std::string{};
        }
        break;
      case message_effect::kind::reaction: row.thread_ts = m.target.str(); break;
      case message_effect::kind::update: break;
    }
    channels.insert(row.channel);
    outbox_.add(row);
  }
}

void engine::perform(const pending_effects& fx) {
  if (hooks_.outbox_changed) {
    for (const auto& c : fx.outbox) hooks_.outbox_changed(c);
  }
  if (fx.timers && hooks_.timers_changed) hooks_.timers_changed();
  for (auto id : fx.kill) {
    if (hooks_.kill_job) hooks_.kill_job(id);
  }
  for (auto id : fx.start) {
    if (hooks_.start_job) hooks_.start_job(id);
  }
}

void engine::admit(std::string_view workflow_name) {
  const auto* w = find_workflow(workflow_name);
  if (!w) return;
  auto rule = w->admission_control();
  if (!rule) return;
  for (;;) {
    const auto running = runs_.count_in_state(w->name(), rule->running_state);
    if (running >= rule->limit) return;
    auto waiting = runs_.ids_in_state(w->name(), rule->queued_state, 1);
    if (waiting.empty()) return;
    auto admitted = deliver(waiting.front(), event{.kind = event_kind::admit});
    // A workflow that does not leave the queued state on admit would loop forever: stop instead.
    if (!admitted || admitted->state == rule->queued_state) {
      log::error(kLog, "workflow {} did not leave '{}' on admit", w->name(), rule->queued_state);
      return;
    }
  }
}

void engine::job_started(std::int64_t job_id, int pid) { jobs_.set_pid(job_id, pid); }

void engine::job_finished(std::int64_t job_id, const store::job_result& result) {
  auto job = jobs_.find(job_id);
  if (!job) return;
  pending_effects fx;
  std::optional<run> after;
  {
    store::transaction tx(db_.sql(), SQLite::TransactionBehavior::IMMEDIATE);
    jobs_.finish(job_id, "done", result, to_unix_ms(clock_.now()));
    if (auto row = runs_.find(job->run_id)) {
      after = apply(to_run(*row), event{.kind = event_kind::job_finished, .job_name = job->name, .job = result}, fx);
    }
    tx.commit();
  }
  perform(fx);
  if (after) admit(after->workflow);
}

int engine::fire_due_timers(std::size_t batch) {
  int fired = 0;
  for (const auto& t : timers_.due(to_unix_ms(clock_.now()), batch)) {
    pending_effects fx;
    std::optional<run> after;
    {
      store::transaction tx(db_.sql(), SQLite::TransactionBehavior::IMMEDIATE);
      if (!timers_.remove(t.id)) continue;  // cancelled meanwhile
      if (auto row = runs_.find(t.run_id); row && !row->finished_at) {
        after = apply(to_run(*row), event{.kind = event_kind::timer, .name = t.name}, fx);
      }
      tx.commit();
    }
    ++fired;
    perform(fx);
    if (after) admit(after->workflow);
  }
  return fired;
}

std::optional<sys_time> engine::next_timer() {
  auto t = timers_.earliest();
  if (!t) return std::nullopt;
  return from_unix_ms(t->due_at);
}

std::string engine::job_tag(std::int64_t job_id) {
  std::string store = db_.sql().getFilename();
  if (store.empty()) store = fmt::format("memory-{}", ::getpid());
  return fmt::format("{}#{}", job_id, store);
}

void engine::recover() {
  // A job that was running when the bot stopped is not re-run silently: its run decides (typically
  // needs_attention with Run again / Dismiss). Its process group may still be alive: stop it.
  for (const auto& job : jobs_.in_state("running")) {
    if (job.spec.rerun_on_restart) {
      // A task that only reads and computes: doing it again is what its run is waiting for.
      jobs_.requeue(job.id);
      log::info(kLog, "task {} ({}) of run {} was interrupted by a restart: running it again", job.id, job.name,
                job.run_id);
      continue;
    }
    if (job.pid > 0) ::kill(-job.pid, SIGKILL);
    // The bot may have died between starting the child and recording its pid: find it by its tag.
    if (int found = proc::kill_tagged(kJobTagVariable, job_tag(job.id)); found > 0)
      log::warn(kLog, "job {}: stopped {} process(es) it left running", job.id, found);
    store::job_result interrupted;
    interrupted.error = "the bot stopped while this job was running";
    pending_effects fx;
    {
      store::transaction tx(db_.sql(), SQLite::TransactionBehavior::IMMEDIATE);
      jobs_.finish(job.id, "interrupted", interrupted, to_unix_ms(clock_.now()));
      if (auto row = runs_.find(job.run_id)) {
        apply(to_run(*row), event{.kind = event_kind::interrupted, .job_name = job.name, .job = interrupted}, fx);
      }
      tx.commit();
    }
    log::warn(kLog, "job {} ({}) of run {} was interrupted by a restart", job.id, job.name, job.run_id);
    perform(fx);
  }
  // Queued jobs never started: starting them now is what the decision asked for.
  for (const auto& job : jobs_.in_state("queued")) {
    if (hooks_.start_job) hooks_.start_job(job.id);
  }
  for (const auto& [name, w] : workflows_) admit(name);
  if (hooks_.outbox_changed) hooks_.outbox_changed("");
  if (hooks_.timers_changed) hooks_.timers_changed();
}

std::optional<run> engine::find(std::string_view name) {
  auto row = runs_.find_by_name(name);
  if (!row) return std::nullopt;
  return to_run(*row);
}

std::optional<run> engine::find(std::int64_t id) {
  auto row = runs_.find(id);
  if (!row) return std::nullopt;
  return to_run(*row);
}

std::vector<run> engine::list(const store::run_filter& filter) {
  std::vector<run> out;
  for (const auto& row : runs_.list(filter)) out.push_back(to_run(row));
  return out;
}

}  // namespace tugboat::workflows
