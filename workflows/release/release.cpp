#include "workflows/release/release.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/text.hpp"
#include "workflows/release/items.hpp"
#include "workflows/release/messages.hpp"

namespace tugboat::workflows {
namespace {

using namespace release;
using std::chrono::milliseconds;

std::string get(const store::fields& data, std::string_view key) {
  auto it = data.find(key);
  return it == data.end() ? std::string{} : it->second;
}

int get_int(const store::fields& data, std::string_view key) {
  auto v = get(data, key);
  try {
    return v.empty() ? 0 : std::stoi(v);
  } catch (const std::exception&) {
    return 0;
  }
}

std::string join_lines(const std::vector<std::string>& v) { return fmt::format("{}", fmt::join(v, "\n")); }

std::vector<int> parse_ids(std::string_view s) {
  std::vector<int> out;
  for (const auto& w : text::split_words(s)) {
    try {
      out.push_back(std::stoi(std::string(w)));
    } catch (const std::exception&) {
    }
  }
  return out;
}

std::string join_ids(const std::vector<int>& ids) { return fmt::format("{}", fmt::join(ids, " ")); }

void post(decision& d, rendered m, std::string slot = {}) { d.post(std::move(m.text), std::move(m.blocks), std::move(slot)); }
void update(decision& d, std::string slot, rendered m) { d.update(std::move(slot), std::move(m.text), std::move(m.blocks)); }

// The item id in a button's value "REL-3|7".
int item_of(std::string_view value) {
  auto bar = value.find('|');
  if (bar == std::string_view::npos) return 0;
  try {
    return std::stoi(std::string(value.substr(bar + 1)));
  } catch (const std::exception&) {
    return 0;
  }
}

// A run in flight: the decision plus the items, saved back into the data at the end.
struct context {
  const run& r;
  const event& e;
  sys_time now;
  const release_workflow& wf;
  decision d;
  release_items s;

  const release_settings& cfg() const { return wf.settings(); }
  std::string data(std::string_view key) const { return get(d.data, key); }
};

}  // namespace

std::vector<std::string> expand_argv(const std::vector<std::string>& argv, const store::fields& values) {
  std::vector<std::string> out;
  out.reserve(argv.size());
  for (auto a : argv) {
    for (const auto& [key, value] : values) {
      const auto pattern = "{" + key + "}";
      for (auto pos = a.find(pattern); pos != std::string::npos; pos = a.find(pattern, pos + value.size())) {
        a.replace(pos, pattern.size(), value);
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

release_workflow::release_workflow(release_settings settings)
    : settings_(std::move(settings)),
      hours_(parse_working_hours(settings_.reminders.working_hours, settings_.reminders.working_days)) {}

sys_time release_workflow::next_reminder(sys_time last, const std::string& tz, int tz_offset) const {
  const auto zone = time_zone::for_slack_user(tz, std::chrono::seconds{tz_offset});
  return workflows::next_reminder(last, settings_.reminders.every, *zone, hours_);
}

namespace {

// ---- steps -------------------------------------------------------------------------------------------

void start_prepare(context& c) {
  store::job_spec spec;
  spec.task = std::string(kPrepareTask);
  spec.input = store::encode_fields({{"repo", c.cfg().repo},
                                    {"tag_pattern", c.cfg().tag_pattern},
                                    {"version", c.data("requested_version")}});
  spec.rerun_on_restart = true;
  c.d.start_job("prepare", std::move(spec)).move_to("requested");
}

void start_triage(context& c, const std::vector<std::string>& junit) {
  store::job_spec spec;
  spec.task = std::string(kTriageTask);
  spec.input = store::encode_fields({{"repo", c.cfg().repo},
                                    {"base", c.data("base_sha")},
                                    {"head", c.data("head_sha")},
                                    {"junit", join_lines(junit)},
                                    {"previous", c.data("previous_failed")},
                                    {"run", c.r.name}});
  spec.rerun_on_restart = true;
  c.d.start_job("triage", std::move(spec)).move_to("qa_review");
}

void start_qa(context& c) {
  const int round = get_int(c.d.data, "round") + 1;
  c.d.data["round"] = std::to_string(round);
  if (c.cfg().qa_command.empty()) return start_triage(c, c.cfg().qa_junit);
  const auto dir = fmt::format("{}/{}/round-{}", c.cfg().work_dir, c.r.name, round);
  c.d.data["qa_dir"] = dir;
  store::job_spec spec;
  spec.argv = expand_argv(c.cfg().qa_command, {{"version", c.data("version")},
                                               {"base", c.data("base")},
                                               {"head", c.data("head_sha")},
                                               {"dir", dir}});
  spec.cwd = c.cfg().repo;
  spec.env = {{"TUGBOAT_QA_DIR", dir}, {"TUGBOAT_VERSION", c.data("version")}, {"TUGBOAT_RUN", c.r.name}};
  spec.timeout_ms = std::chrono::duration_cast<milliseconds>(c.cfg().qa_timeout).count();
  spec.make_dirs = {dir};
  c.d.start_job("qa", std::move(spec)).move_to("qa_running");
}

void needs_attention(context& c, std::string_view retry_step, const std::string& what, const std::string& details) {
  c.d.data["retry_step"] = std::string(retry_step);
  post(c.d, failure_notice(c.r, what, details, "Retry"));
  c.d.move_to("needs_attention", what);
}

std::string output_tail(const context& c, const store::job_result& j) {
  return text::tail_lines(text::clean_utf8(j.output), c.cfg().output_lines);
}

// The next candidate of `i` who is a Slack user and has not had it yet; else the manager.
void assign(context& c, item& i) {
  std::set<std::string> had;
  if (!i.owner.empty()) had.insert(i.owner);
  while (i.tried < i.candidates.size()) {
    const auto& key = i.candidates[i.tried++].key;
    auto it = c.s.people.find(key);
    if (it == c.s.people.end() || it->second.user.empty() || had.contains(it->second.user)) continue;
    i.owner = it->second.user;
    i.to_manager = false;
    return;
  }
  i.owner = c.cfg().manager;
  i.to_manager = true;
}

void arm_reminder(context& c, const std::string& user) {
  auto armed = text::split_lines(c.data("armed"));
  if (std::find(armed.begin(), armed.end(), user) != armed.end()) return;
  armed.push_back(user);
  c.d.data["armed"] = join_lines(armed);
  const auto* p = c.s.person_of(user);
  const auto due = p ? c.wf.next_reminder(c.now, p->tz, p->tz_offset) : c.wf.next_reminder(c.now, "", 0);
  c.d.set_timer("remind:" + user, due);
}

void disarm_reminder(context& c, const std::string& user) {
  auto armed = text::split_lines(c.data("armed"));
  std::erase(armed, user);
  c.d.data["armed"] = join_lines(armed);
  c.d.cancel_timer("remind:" + user);
}

std::string next_slot(context& c) {
  const int n = get_int(c.d.data, "slots") + 1;
  c.d.data["slots"] = std::to_string(n);
  return fmt::format("tag-{}", n);
}

// The ready message's slot: a recheck after `ready` can lead to a second one.
std::string ready_slot(const context& c) { return "ready-" + std::to_string(std::max(1, get_int(c.d.data, "readies"))); }

void post_ready(context& c) {
  c.d.data["readies"] = std::to_string(get_int(c.d.data, "readies") + 1);
  post(c.d, ready_message(c.r, c.s, true, {}), ready_slot(c));
  c.d.move_to("ready", "every new failure is closed");
}

// After a change to the items: ready when nothing is open, otherwise waiting (with rechecks).
void settle(context& c) {
  if (c.d.state == "ready" || c.d.state == "releasing") return;
  if (c.s.all_closed()) {
    for (const auto& user : text::split_lines(c.data("armed"))) disarm_reminder(c, user);
    c.d.data.erase("overdue");
    c.d.cancel_timer("recheck");
    return post_ready(c);
  }
  if (c.d.state != "awaiting_fixes") {
    c.d.move_to("awaiting_fixes");
    if (c.cfg().recheck_every) c.d.set_timer("recheck", c.now + *c.cfg().recheck_every);
  }
  // Reminders that came due while QA was being reloaded go out now, for whoever still has open items.
  for (const auto& user : text::split_lines(c.data("overdue"))) {
    if (c.s.open_for(user).empty()) continue;
    auto armed = text::split_lines(c.data("armed"));
    if (std::find(armed.begin(), armed.end(), user) == armed.end()) armed.push_back(user);
    c.d.data["armed"] = join_lines(armed);
    c.d.set_timer("remind:" + user, c.now);
  }
  c.d.data.erase("overdue");
}

// A recheck is reloading QA (or stopped on a QA problem, waiting for Retry): reminders wait for it.
bool reloading_qa(std::string_view state) {
  return state == "qa_running" || state == "qa_review" || state == "ownership" || state == "needs_attention";
}

// Tags the owners of `ids` (items found in this round), lists known failures, arms reminders.
void tag(context& c, const std::vector<int>& ids) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<item*>> by_owner;
  std::vector<const item*> pre, flaky;
  for (int id : ids) {
    auto* i = c.s.find(id);
    if (!i) continue;
    if (i->cls == "pre_existing") {
      pre.push_back(i);
    } else if (i->cls == "flaky") {
      // Only a CODEOWNERS rule names someone for a flaky test.
      if (!i->evidence.empty() && i->evidence.front().signal == "codeowners" && !i->candidates.empty()) {
        auto it = c.s.people.find(i->candidates.front().key);
        if (it != c.s.people.end()) i->owner = it->second.user;
      }
      flaky.push_back(i);
    } else if (!i->closed()) {
      assign(c, *i);
      if (!by_owner.contains(i->owner)) order.push_back(i->owner);
      by_owner[i->owner].push_back(i);
    }
  }
  for (const auto& user : order) {
    const auto slot = next_slot(c);
    std::vector<const item*> items;
    for (auto* i : by_owner[user]) {
      i->slot = slot;
      items.push_back(i);
    }
    post(c.d, owner_tag(c.r, c.cfg(), user, items, false), slot);
    if (!user.empty()) arm_reminder(c, user);
  }
  if (!pre.empty() || !flaky.empty()) post(c.d, known_failures(c.r, c.cfg(), pre, flaky));
}

// Re-renders the tag message that lists `i` (after a click changed it). A hand-over stays a hand-over.
void refresh_slot(context& c, const std::string& slot, const std::string& user) {
  if (slot.empty()) return;
  std::vector<const item*> items;
  for (const auto& i : c.s.items) {
    if (i.slot == slot) items.push_back(&i);
  }
  const bool handed_over = get(c.d.data, "slot_handed:" + slot) == "1";
  update(c.d, slot, owner_tag(c.r, c.cfg(), user, items, handed_over));
}

std::string slot_owner(const context& c, const std::string& slot) {
  // The user a tag message was addressed to: its first item's owner when it was posted. Kept in data.
  return get(c.d.data, "slot_owner:" + slot);
}

// ---- events ------------------------------------------------------------------------------------------

void on_start(context& c) {
  c.d.data["thread_slot"] = "status";
  c.d.messages.push_back({.what = message_effect::kind::post,
                          .slot = "status",
                          .top_level = true,
                          .text = status_message(c.r, "requested", c.d.data, c.s).text,
                          .blocks = status_message(c.r, "requested", c.d.data, c.s).blocks});
  if (c.cfg().repo.empty()) {
    post(c.d, {"Releases are not set up on this Tugboat: `[release] repo` is empty.", {}});
    c.d.finish("failed", "releases are not configured");
    return;
  }
  start_prepare(c);
}

void on_prepared(context& c, const store::job_result& j) {
  if (!j.ok()) {
    return needs_attention(c, "prepare", "could not find the version and commit range", j.error.empty() ? output_tail(c, j) : j.error);
  }
  auto out = store::decode_fields(j.output);
  for (const auto* key : {"version", "base", "base_sha", "head_sha", "commits"}) c.d.data[key] = get(out, key);
  start_qa(c);
}

void on_qa_command(context& c, const store::job_result& j) {
  if (!j.ok()) {
    return needs_attention(c, "qa", fmt::format("the QA command failed ({})", j.describe()), output_tail(c, j));
  }
  start_triage(c, {c.data("qa_dir")});  // every *.xml below it
}

void on_triaged(context& c, const store::job_result& j) {
  if (!j.ok()) {
    return needs_attention(c, "qa", "could not read the QA results", j.error.empty() ? output_tail(c, j) : j.error);
  }
  qa_outcome qa;
  try {
    qa = parse_qa_outcome(j.output);
  } catch (const std::exception& ex) {
    return needs_attention(c, "qa", "the QA results could not be understood", ex.what());
  }
  const int round = std::max(1, get_int(c.d.data, "round"));
  int before_open = 0;
  for (const auto& i : c.s.items) before_open += i.closed() ? 0 : 1;
  auto added = merge_round(c.s, qa, round);
  int after_open_old = 0;
  for (const auto& i : c.s.items) {
    if (std::find(added.begin(), added.end(), i.id) == added.end() && !i.closed()) ++after_open_old;
  }
  // Items that closed by passing: their tag messages change.
  std::set<std::string> touched;
  for (const auto& i : c.s.items) {
    if (i.state == "passing" && !i.slot.empty()) touched.insert(i.slot);
  }
  for (const auto& slot : touched) refresh_slot(c, slot, slot_owner(c, slot));
  post(c.d, qa_summary(c.r, qa, c.s, added, round, before_open - after_open_old));
  c.d.data["qa_line"] = fmt::format("QA round {}: {} tests · {} new · {} pre-existing · {} flaky", round, qa.tests,
                                    qa.new_failures, qa.pre_existing, qa.flaky);
  // What the next release compares with: the tests failing now (not the flaky ones).
  std::vector<std::string> failing;
  for (const auto& f : qa.failures) {
    if (f.cls != "flaky") failing.push_back(f.classname + "::" + f.name);
  }
  c.d.data["qa_failed"] = join_lines(failing);

  auto keys = lookup_keys(c.s, added);
  if (!added.empty() && !c.cfg().manager.empty() && !c.s.people.contains(c.cfg().manager)) {
    keys.push_back(c.cfg().manager);  // for the manager's time zone
  }
  if (keys.empty()) {
    tag(c, added);
    return settle(c);
  }
  c.d.data["pending"] = join_ids(added);
  store::job_spec spec;
  spec.task = std::string(kPeopleTask);
  spec.input = join_lines(keys);
  spec.rerun_on_restart = true;
  c.d.start_job("people", std::move(spec)).move_to("ownership");
}

void on_people(context& c, const store::job_result& j) {
  if (j.ok()) {
    try {
      auto found = load_items({{"people", j.output}});
      for (auto& [key, p] : found.people) c.s.people[key] = p;
    } catch (const std::exception&) {
      // Unreadable output: everyone unknown falls to the manager below.
    }
  }
  auto pending = parse_ids(c.data("pending"));
  c.d.data.erase("pending");
  tag(c, pending);
  if (!j.ok()) post(c.d, {fmt::format(":warning: Could not look everyone up in Slack ({}); their items went to the release manager.", j.describe()), {}});
  settle(c);
}

void on_release_done(context& c, const store::job_result& j) {
  const auto version = c.data("version");
  if (j.ok()) {
    auto tail = output_tail(c, j);
    std::string body = fmt::format(":rocket: *{}* released {}.", c.r.name, version);
    if (!tail.empty()) body += fmt::format("\n```\n{}\n```", text::escape_mrkdwn(tail));
    post(c.d, {body, {}});
    c.d.messages.push_back({.what = message_effect::kind::post,
                            .top_level = true,
                            .text = fmt::format(":rocket: Release *{}* is out (requested by <@{}>, {}).", version,
                                                c.r.requester, c.r.name)});
    c.d.finish("released", "the release command succeeded");
    return;
  }
  if (j.cancelled) return;  // the cancel already ended the run
  c.d.data["retry_step"] = "release";
  post(c.d, failure_notice(c.r, fmt::format("the release command failed ({})", j.describe()), output_tail(c, j),
                           "Retry"));
  c.d.move_to("release_failed", j.describe());
}

void start_release(context& c, const slack::user_id& by) {
  store::job_spec spec;
  spec.argv = expand_argv(c.cfg().release_command,
                          {{"version", c.data("version")}, {"base", c.data("base")}, {"head", c.data("head_sha")}});
  spec.cwd = c.cfg().repo;
  spec.env = {{"TUGBOAT_VERSION", c.data("version")}, {"TUGBOAT_RUN", c.r.name}, {"TUGBOAT_USER", by.str()}};
  spec.timeout_ms = std::chrono::duration_cast<milliseconds>(c.cfg().release_timeout).count();
  c.d.data["released_by"] = by.str();
  if (spec.argv.empty()) {
    post(c.d, {fmt::format(":white_check_mark: *{}*: no `[release] release_command` is set, so there is nothing to run. "
                           "Marked released.",
                           c.r.name),
               {}});
    c.d.finish("released", "no release command");
    return;
  }
  c.d.start_job("release", std::move(spec)).move_to("releasing", fmt::format("started by {}", by));
}

bool may_release(const event& e) { return has_role(e, "releaser") || has_role(e, "admin"); }

void on_button(context& c) {
  const auto& e = c.e;
  if (e.name == kReleaseShip) {
    if (c.r.state != "ready") return void(c.d.ephemeral(e.by, fmt::format("{} is {}: nothing to release yet.", c.r.name, c.r.state)));
    if (!may_release(e)) {
      return void(c.d.ephemeral(e.by, "Only the people in `[access] releasers` may press Release. Ask one of them."));
    }
    update(c.d, ready_slot(c), ready_message(c.r, c.s, false, e.by.str()));
    return start_release(c, e.by);
  }
  if (e.name == kReleaseRetry) {
    const auto step = c.data("retry_step");
    if (c.r.state == "release_failed") {
      if (!may_release(e)) return void(c.d.ephemeral(e.by, "Only the people in `[access] releasers` may retry a release."));
      post(c.d, {fmt::format("<@{}> is retrying the release command.", e.by), {}});
      return start_release(c, e.by);
    }
    if (c.r.state != "needs_attention") return void(c.d.ephemeral(e.by, fmt::format("{} is {}: nothing to retry.", c.r.name, c.r.state)));
    post(c.d, {fmt::format("<@{}> asked to retry.", e.by), {}});
    if (step == "prepare") return start_prepare(c);
    if (step == "release") return start_release(c, e.by);
    // qa: the same round again.
    c.d.data["round"] = std::to_string(std::max(0, get_int(c.d.data, "round") - 1));
    return start_qa(c);
  }
  // Item buttons.
  auto* i = c.s.find(item_of(e.value));
  if (!i) return void(c.d.ephemeral(e.by, "That button belongs to an item I no longer know."));
  if (i->closed()) return void(c.d.ephemeral(e.by, fmt::format("{} is already closed.", test_label(*i))));
  if (c.r.finished || (c.r.state != "awaiting_fixes" && c.r.state != "ownership" && c.r.state != "qa_review" &&
                       c.r.state != "qa_running")) {
    return void(c.d.ephemeral(e.by, fmt::format("{} is {}; that button no longer applies.", c.r.name, c.r.state)));
  }
  const bool owner = i->owner == e.by.str();
  const bool privileged = has_role(e, "admin") || e.by.str() == c.cfg().manager || e.by == c.r.requester;
  if (!owner && !privileged && !i->owner.empty()) {
    return void(c.d.ephemeral(e.by, fmt::format("This item is <@{}>'s; only they, the release manager, the requester or "
                                                "an admin can change it.",
                                                i->owner)));
  }
  const auto slot = i->slot;
  const auto slot_user = slot_owner(c, slot);
  if (e.name == kReleaseOnIt) {
    i->state = "on_it";
    i->by = e.by.str();
    refresh_slot(c, slot, slot_user);
    c.d.note = "on it";
    return;
  }
  if (e.name == kReleaseFixed) {
    i->state = "fixed";
    i->by = e.by.str();
    refresh_slot(c, slot, slot_user);
    if (c.s.open_for(i->owner).empty() && !i->owner.empty()) disarm_reminder(c, i->owner);
    return settle(c);
  }
  if (e.name == kReleaseNotMine) {
    const auto previous = i->owner;
    i->note = fmt::format("<@{}> said not mine", e.by);
    assign(c, *i);
    if (i->owner == previous) {
      // Nobody else to ask: it stays, and says so.
      i->note += "; there is nobody else to hand it to";
      refresh_slot(c, slot, slot_user);
      return;
    }
    // Why this person: the next author the blame named, or nobody left but the release manager.
    if (i->to_manager) {
      i->note += "; no other candidate, so the release manager has it";
    } else {
      const auto& next = i->candidates[i->tried - 1];
      i->note += fmt::format("; next candidate from the blame: {}", next.name.empty() ? next.key : next.name);
    }
    refresh_slot(c, slot, slot_user);
    const auto new_slot = next_slot(c);
    i->slot = new_slot;
    c.d.data["slot_owner:" + new_slot] = i->owner;
    c.d.data["slot_handed:" + new_slot] = "1";
    std::vector<const item*> one{i};
    post(c.d, owner_tag(c.r, c.cfg(), i->owner, one, true), new_slot);
    if (!previous.empty() && c.s.open_for(previous).empty()) disarm_reminder(c, previous);
    if (!i->owner.empty()) arm_reminder(c, i->owner);
    return;
  }
  c.d.ephemeral(e.by, "I don't know that button.");
}

void on_timer(context& c) {
  const auto& name = c.e.name;
  if (name == "recheck") {
    if (c.r.state == "awaiting_fixes") {
      post(c.d, {fmt::format("Rechecking QA for {} (every {}).", c.r.name,
                             text::format_duration(c.cfg().recheck_every.value_or(std::chrono::seconds{0}))),
                 {}});
      start_qa(c);
    }
    return;
  }
  if (!name.starts_with("remind:")) return;
  const auto user = name.substr(7);
  auto armed = text::split_lines(c.data("armed"));
  std::erase(armed, user);
  c.d.data["armed"] = join_lines(armed);
  auto open = c.s.open_for(user);
  if (!open.empty() && reloading_qa(c.r.state)) {
    // Not now, and not never: settle() sends it once the recheck is done.
    auto overdue = text::split_lines(c.data("overdue"));
    if (std::find(overdue.begin(), overdue.end(), user) == overdue.end()) overdue.push_back(user);
    c.d.data["overdue"] = join_lines(overdue);
    return;
  }
  if (open.empty() || c.r.state != "awaiting_fixes") return;
  const int count = ++c.s.reminders[user];
  const auto& r = c.cfg().reminders;
  const bool escalate = r.escalate_after > 0 && count >= r.escalate_after && !c.cfg().manager.empty() &&
                        c.cfg().manager != user;
  const auto escalate_to = escalate ? c.cfg().manager : std::string{};
  auto m = reminder(c.r, user, open, count, escalate_to);
  if (r.via_dm) {
    // The reminder alone in the owner's DM; an escalation also in the thread, where the manager sees it.
    auto dm = reminder(c.r, user, open, count, {}, true);
    c.d.messages.push_back({.what = message_effect::kind::post,
                            .channel = slack::channel_id(user),
                            .top_level = true,
                            .text = dm.text,
                            .blocks = dm.blocks});
    if (escalate) post(c.d, m);
  } else {
    post(c.d, m);
  }
  arm_reminder(c, user);
}

void on_cancel(context& c) {
  if (c.r.finished) return void(c.d.ephemeral(c.e.by, fmt::format("{} already ended ({}).", c.r.name, c.r.state)));
  c.d.data["cancelled_by"] = c.e.by.str();
  post(c.d, {fmt::format(":no_entry_sign: *{}* was cancelled by <@{}>.", c.r.name, c.e.by), {}});
  c.d.finish("cancelled", "cancelled");  // the engine stops its timers and kills its jobs
}

void on_command(context& c) {
  if (c.e.name != "recheck") return void(c.d.ephemeral(c.e.by, "I don't know that command for a release."));
  if (c.r.state != "awaiting_fixes" && c.r.state != "ready") {
    return void(c.d.ephemeral(c.e.by, fmt::format("{} is {}: a recheck makes sense while waiting for fixes.", c.r.name,
                                                  c.r.state)));
  }
  post(c.d, {fmt::format("<@{}> asked for a recheck of {}.", c.e.by, c.r.name), {}});
  if (c.r.state == "ready") {
    update(c.d, ready_slot(c), ready_message(c.r, c.s, false, {}));
    c.d.move_to("awaiting_fixes");
  }
  start_qa(c);
}

void on_interrupted(context& c) {
  if (c.r.finished) return;
  const auto& job = c.e.job_name;
  if (job == "release") {
    c.d.data["retry_step"] = "release";
    post(c.d, failure_notice(c.r, "Tugboat restarted while the release command was running. It was not run again: "
                                  "check whether it finished before you retry",
                             {}, "Retry"));
    c.d.move_to("release_failed", "interrupted");
    return;
  }
  needs_attention(c, job == "qa" ? "qa" : job, "Tugboat restarted while the QA command was running", {});
}

}  // namespace

decision release_workflow::decide(const run& r, const event& e, sys_time now) const {
  context c{r, e, now, *this, decision::keep(r), load_items(r.data)};
  const auto status_body = [&](const std::string& state, const store::fields& data) {
    auto m = status_message(r, state, data, c.s);
    return std::get<slack::section_block>(m.blocks.front()).text;
  };
  const auto before = status_body(r.state, r.data);
  if (r.finished && e.kind != event_kind::cancel && e.kind != event_kind::button && e.kind != event_kind::command) {
    return c.d;  // late job results and timers of an ended run
  }
  if (r.finished && e.kind != event_kind::cancel) {
    return c.d.ephemeral(e.by, fmt::format("{} already ended ({}).", r.name, r.state));
  }
  switch (e.kind) {
    case event_kind::start: on_start(c); break;
    case event_kind::admit: break;
    case event_kind::job_finished: {
      if (!e.job) break;
      const auto& j = *e.job;
      if (e.job_name == "prepare") on_prepared(c, j);
      else if (e.job_name == "qa") on_qa_command(c, j);
      else if (e.job_name == "triage") on_triaged(c, j);
      else if (e.job_name == "people") on_people(c, j);
      else if (e.job_name == "release") on_release_done(c, j);
      break;
    }
    case event_kind::interrupted: on_interrupted(c); break;
    case event_kind::timer: on_timer(c); break;
    case event_kind::button: on_button(c); break;
    case event_kind::command: on_command(c); break;
    case event_kind::cancel: on_cancel(c); break;
  }
  // Remember whom each tag message was addressed to, for re-rendering it after a click.
  for (const auto& m : c.d.messages) {
    if (m.what == message_effect::kind::post && m.slot.starts_with("tag-") && !c.d.data.contains("slot_owner:" + m.slot)) {
      for (const auto& i : c.s.items) {
        if (i.slot == m.slot) {
          c.d.data["slot_owner:" + m.slot] = i.owner;
          break;
        }
      }
    }
  }
  save_items(c.s, c.d.data);
  if (e.kind != event_kind::start) {
    if (status_body(c.d.state, c.d.data) != before) update(c.d, "status", status_message(r, c.d.state, c.d.data, c.s));
  }
  return std::move(c.d);
}

}  // namespace tugboat::workflows
