// The release workflow's decisions, through the real engine (in-memory SQLite, manual clock): the
// tasks and jobs it asks for are answered by hand, so every step, button and timer is checked without
// git, Slack or child processes. The end-to-end flow through the emulator is in tests/integration.
#include "workflows/release/release.hpp"

#include <doctest/doctest.h>
#include <algorithm>
#include <fmt/format.h>

#include "workflows/engine/engine.hpp"
#include "workflows/release/items.hpp"

using namespace tugboat;
using namespace tugboat::workflows;
using namespace std::chrono_literals;

namespace {

struct failure_spec {
  std::string name;
  std::string cls = "new";
  std::string email;  // owner; "" = none
  std::string signal = "exact_line";
  std::string second_email;  // another author in the evidence (the next candidate)
};

std::string triage_output(const std::vector<failure_spec>& failures, int tests = 50) {
  std::string f;
  int news = 0, pre = 0, flaky = 0;
  for (const auto& x : failures) {
    news += x.cls == "new";
    pre += x.cls == "pre_existing";
    flaky += x.cls == "flaky";
    std::string evidence;
    if (!x.email.empty()) {
      evidence = fmt::format(
          R"({{"commit":"{0}","short":"{1}","subject":"Change {2}","author":"A","email":"{3}","date":null,"file":"src/{2}.cpp","line":42,"code":"x","signal":"{4}"}})",
          std::string(40, 'a'), "aaaaaaa", x.name, x.email, x.signal);
    }
    if (!x.second_email.empty()) {
      evidence += fmt::format(
          R"(,{{"commit":"{0}","short":"bbbbbbb","subject":"Older","author":"B","email":"{1}","date":null,"file":"src/x.cpp","line":7,"code":"y","signal":"touched_frame_file"}})",
          std::string(40, 'b'), x.second_email);
    }
    if (!f.empty()) f += ",";
    f += fmt::format(
        R"({{"name":"{0}","classname":"suite","class":"{1}","message":"boom {0}","owner":{2},"confidence":"high","evidence":[{3}]}})",
        x.name, x.cls, x.email.empty() ? "null" : fmt::format(R"({{"name":"Owner","email":"{}"}})", x.email), evidence);
  }
  return fmt::format(
      R"({{"report":{{"summary":{{"tests":{},"passed":{},"failed":{},"flaky":{},"skipped":0,"new":{},"pre_existing":{}}},"failures":[{}]}},"warnings":[]}})",
      tests, tests - news - pre - flaky, news + pre, flaky, news, pre, f);
}

std::string people_output(const std::vector<std::tuple<std::string, std::string, std::string>>& people) {
  release::release_items s;
  for (const auto& [key, user, tz] : people) s.people[key] = {user, tz, 0};
  store::fields f;
  release::save_items(s, f);
  return f["people"];
}

store::job_result ok(std::string output) {
  store::job_result j;
  j.exit_code = 0;
  j.output = std::move(output);
  return j;
}

store::job_result failed(int code, std::string output) {
  store::job_result j;
  j.exit_code = code;
  j.output = std::move(output);
  return j;
}

struct harness {
  explicit harness(release_settings s = defaults())
      : db({":memory:"}),
        eng(db, clock, engine_hooks{{}, {}, [this](std::int64_t id) { started.push_back(id); },
                                    [this](std::int64_t id) { killed.push_back(id); }}) {
    // Wednesday 2026-11-25 10:00 UTC: working time in Berlin (11:00).
    clock.set(from_unix_ms(1'795'600'800'000));
    eng.add(std::make_unique<release_workflow>(std::move(s)));
  }

  static release_settings defaults() {
    release_settings s;
    s.repo = "/repo";
    s.qa_junit = {"qa/*.xml"};
    s.manager = "U0MGR";
    s.release_command = {"/usr/bin/ship", "{version}", "{base}..{head}"};
    s.reminders.every = 4h;
    s.reminders.escalate_after = 2;
    s.work_dir = "/work-dir";
    return s;
  }

  run start(store::fields data = {}) {
    auto r = eng.create("release", slack::channel_id("C0001"), {}, slack::user_id("U0REQ"), std::move(data));
    return *eng.find(r.id);
  }
  store::job_row last_job() {
    REQUIRE(!started.empty());
    return *eng.jobs().find(started.back());
  }
  run finish(const run& r, store::job_result result) {
    eng.job_finished(started.back(), result);
    return *eng.find(r.id);
  }
  std::vector<store::outbox_row> posts(const run& r, std::string_view kind = "post") {
    std::vector<store::outbox_row> out;
    for (auto& m : eng.outbox().for_run(r.id)) {
      if (m.kind == kind) out.push_back(std::move(m));
    }
    return out;
  }
  run click(const run& r, std::string_view action, std::string value, std::string by,
            std::vector<std::string> roles = {}) {
    eng.deliver(r.id, event{.kind = event_kind::button, .name = std::string(action), .value = std::move(value),
                            .by = slack::user_id(std::move(by)), .roles = std::move(roles)});
    return *eng.find(r.id);
  }
  // Start → prepared → triaged with `failures` → people resolved.
  run to_awaiting(const std::vector<failure_spec>& failures,
                  const std::vector<std::tuple<std::string, std::string, std::string>>& people) {
    auto r = start();
    r = finish(r, ok(store::encode_fields({{"version", "1.4.1"}, {"base", "v1.4.0"}, {"base_sha", std::string(40, '1')},
                                            {"head_sha", std::string(40, '2')}, {"commits", "12"}})));
    r = finish(r, ok(triage_output(failures)));
    if (r.state == "ownership") r = finish(r, ok(people_output(people)));
    return r;
  }

  manual_clock clock;
  store::database db;
  engine eng;
  std::vector<std::int64_t> started, killed;
};

bool contains(const std::string& hay, std::string_view needle) { return hay.find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("a release starts with its status message as the thread's root and a prepare task") {
  harness h;
  auto r = h.start({{"requested_version", ""}});
  CHECK(r.name == "REL-1");
  CHECK(r.state == "requested");
  auto posts = h.posts(r);
  REQUIRE(posts.size() == 1);
  CHECK(posts[0].slot == "status");
  CHECK(posts[0].thread_ts.empty());  // top level: the root
  CHECK(contains(posts[0].blocks, "requested by <@U0REQ>"));
  auto job = h.last_job();
  CHECK(job.spec.task == kPrepareTask);
  CHECK(job.spec.rerun_on_restart);
}

TEST_CASE("prepared → QA triage task with the previous release's failures; qa_command runs first when set") {
  SUBCASE("junit globs go straight to triage") {
    harness h;
    auto r = h.start({{"previous_failed", "suite::old"}});
    r = h.finish(r, ok(store::encode_fields({{"version", "1.4.1"}, {"base", "v1.4.0"}, {"base_sha", "b"}, {"head_sha", "h"}})));
    CHECK(r.state == "qa_review");
    auto job = h.last_job();
    CHECK(job.spec.task == kTriageTask);
    auto in = store::decode_fields(job.spec.input);
    CHECK(in["junit"] == "qa/*.xml");
    CHECK(in["previous"] == "suite::old");
    CHECK(in["base"] == "b");
    // The status message now names the version and the range.
    auto updates = h.posts(r, "update");
    REQUIRE(!updates.empty());
    CHECK(contains(updates.back().blocks, "Release 1.4.1"));
    CHECK(contains(updates.back().blocks, "v1.4.0.."));
  }
  SUBCASE("a qa_command gets a directory and its placeholders") {
    auto s = harness::defaults();
    s.qa_command = {"/ci/run-qa", "--out", "{dir}", "--version={version}"};
    harness h(s);
    auto r = h.start();
    r = h.finish(r, ok(store::encode_fields({{"version", "2.0.0"}, {"base", "v1.9.0"}, {"base_sha", "b"}, {"head_sha", "h"}})));
    CHECK(r.state == "qa_running");
    auto job = h.last_job();
    CHECK(job.spec.argv == std::vector<std::string>{"/ci/run-qa", "--out", "/work-dir/REL-1/round-1", "--version=2.0.0"});
    CHECK(job.spec.make_dirs == std::vector<std::string>{"/work-dir/REL-1/round-1"});
    r = h.finish(r, failed(3, "tests crashed\n"));
    CHECK(r.state == "needs_attention");
    CHECK(contains(h.posts(r).back().blocks, "tests crashed"));
    CHECK(contains(h.posts(r).back().blocks, std::string(kReleaseRetry)));
    // Retry runs the same round again.
    r = h.click(r, kReleaseRetry, r.name, "U0REQ");
    CHECK(r.state == "qa_running");
    CHECK(h.last_job().spec.argv[2] == "/work-dir/REL-1/round-1");
    r = h.finish(r, ok(""));
    CHECK(r.state == "qa_review");
    CHECK(store::decode_fields(h.last_job().spec.input)["junit"] == "/work-dir/REL-1/round-1");  // all *.xml below
  }
}

TEST_CASE("triage → summary → people → one tag per owner with buttons; pre-existing and flaky listed") {
  harness h;
  auto r = h.to_awaiting({{"parse_empty", "new", "alice@example.com"},
                          {"parse_big", "new", "alice@example.com"},
                          {"render", "new", "bob@example.com"},
                          {"legacy", "pre_existing", "carol@example.com"},
                          {"timing", "flaky", "@dave", "codeowners"},
                          {"orphan", "new", "ghost@example.com"}},
                         {{"alice@example.com", "U0ALICE", "Europe/Berlin"},
                          {"bob@example.com", "U0BOB", "America/Los_Angeles"},
                          {"ghost@example.com", "", ""},
                          {"@dave", "U0DAVE", ""},
                          {"U0MGR", "U0MGR", "UTC"}});
  CHECK(r.state == "awaiting_fixes");
  auto posts = h.posts(r);
  // status, summary, alice, bob, manager (orphan), known failures
  std::vector<std::string> tags;
  for (const auto& p : posts) {
    if (p.slot.starts_with("tag-")) tags.push_back(p.blocks);
  }
  REQUIRE(tags.size() == 3);
  CHECK(contains(tags[0], "<@U0ALICE>, 2 new failures"));
  CHECK(contains(tags[0], "suite::parse_empty"));
  CHECK(contains(tags[0], "`aaaaaaa` Change parse_empty (src/parse_empty.cpp:42)"));
  CHECK(contains(tags[0], "On it"));
  CHECK(contains(tags[0], "Not mine"));
  CHECK(contains(tags[1], "<@U0BOB>"));
  CHECK(contains(tags[2], "<@U0MGR>"));  // nobody found: the manager
  CHECK(contains(tags[2], "suite::orphan"));
  bool summary = false, known = false;
  for (const auto& p : posts) {
    if (contains(p.blocks, "*QA review*")) {
      summary = true;
      CHECK(contains(p.blocks, "4 new"));
      CHECK(contains(p.blocks, "suite::legacy"));
    }
    if (contains(p.blocks, "*Pre-existing failures* in")) {
      known = true;
      CHECK(!contains(p.blocks, "carol"));
      INFO(p.blocks);
      CHECK(contains(p.blocks, "suite::timing — CODEOWNERS: <@U0DAVE>"));
    }
  }
  CHECK(summary);
  CHECK(known);
  // The manager's tz was looked up with the owners.
  auto items = release::load_items(r.data);
  CHECK(items.people.contains("U0MGR"));
  // A reminder is armed for each owner.
  CHECK(h.eng.timers().earliest().has_value());
}

TEST_CASE("Fixed closes an item; the last one makes the run ready; only releasers can press Release") {
  harness h;
  auto r = h.to_awaiting({{"a", "new", "alice@example.com"}}, {{"alice@example.com", "U0ALICE", ""}});
  REQUIRE(r.state == "awaiting_fixes");
  auto value = r.name + "|1";
  r = h.click(r, kReleaseFixed, value, "U0BOB");
  CHECK(r.state == "awaiting_fixes");  // not bob's
  CHECK(contains(h.posts(r, "ephemeral").back().text, "U0ALICE"));
  r = h.click(r, kReleaseOnIt, value, "U0ALICE");
  CHECK(release::load_items(r.data).find(1)->state == "on_it");
  r = h.click(r, kReleaseFixed, value, "U0ALICE");
  CHECK(r.state == "ready");
  auto ready = h.posts(r).back();
  CHECK(ready.slot == "ready-1");
  CHECK(contains(ready.blocks, std::string(kReleaseShip)));
  r = h.click(r, kReleaseShip, r.name, "U0BOB");
  CHECK(r.state == "ready");
  CHECK(contains(h.posts(r, "ephemeral").back().text, "releasers"));
  r = h.click(r, kReleaseShip, r.name, "U0CAROL", {"releaser"});
  CHECK(r.state == "releasing");
  auto job = h.last_job();
  CHECK(job.spec.argv == std::vector<std::string>{"/usr/bin/ship", "1.4.1", "v1.4.0.." + std::string(40, '2')});
  SUBCASE("success: released, with an announcement in the channel") {
    r = h.finish(r, ok("published 1.4.1\n"));
    CHECK(r.state == "released");
    CHECK(r.finished);
    auto posts = h.posts(r);
    CHECK(posts.back().thread_ts.empty());
    CHECK(contains(posts.back().text, "Release *1.4.1* is out"));
  }
  SUBCASE("failure: the output's tail and Retry; a retry can succeed") {
    r = h.finish(r, failed(1, "upload failed: 503\n"));
    CHECK(r.state == "release_failed");
    CHECK(contains(h.posts(r).back().blocks, "upload failed: 503"));
    r = h.click(r, kReleaseRetry, r.name, "U0BOB");
    CHECK(r.state == "release_failed");  // not a releaser
    r = h.click(r, kReleaseRetry, r.name, "U0CAROL", {"releaser"});
    CHECK(r.state == "releasing");
    r = h.finish(r, ok(""));
    CHECK(r.state == "released");
  }
}

TEST_CASE("Not mine hands the item to the next candidate, then to the manager") {
  harness h;
  auto r = h.to_awaiting({{"a", "new", "alice@example.com", "exact_line", "bob@example.com"}},
                         {{"alice@example.com", "U0ALICE", ""}, {"bob@example.com", "U0BOB", ""}});
  auto value = r.name + "|1";
  r = h.click(r, kReleaseNotMine, value, "U0ALICE");
  auto items = release::load_items(r.data);
  CHECK(items.find(1)->owner == "U0BOB");
  CHECK(contains(h.posts(r).back().blocks, "<@U0BOB>, this was handed to you"));
  CHECK(contains(h.posts(r).back().blocks, "<@U0ALICE> said not mine; next candidate from the blame: "));
  r = h.click(r, kReleaseNotMine, value, "U0BOB");
  CHECK(release::load_items(r.data).find(1)->owner == "U0MGR");
  CHECK(contains(h.posts(r).back().blocks, "<@U0BOB> said not mine; no other candidate, so the release manager"));
  // The hand-over to bob, re-rendered after his click, is still a hand-over (not a fresh tag).
  auto updates = h.posts(r, "update");
  auto bobs = std::find_if(updates.rbegin(), updates.rend(), [](const auto& u) { return u.slot == "tag-2"; });
  REQUIRE(bobs != updates.rend());
  CHECK(contains(bobs->blocks, "<@U0BOB>, this was handed to you"));
  CHECK(contains(bobs->blocks, "now with <@U0MGR>"));
  r = h.click(r, kReleaseNotMine, value, "U0MGR");
  CHECK(release::load_items(r.data).find(1)->owner == "U0MGR");
  CHECK(contains(release::load_items(r.data).find(1)->note, "nobody else"));
  r = h.click(r, kReleaseFixed, value, "U0MGR");
  CHECK(r.state == "ready");
  updates = h.posts(r, "update");
  auto mgrs = std::find_if(updates.rbegin(), updates.rend(), [](const auto& u) { return u.slot == "tag-3"; });
  REQUIRE(mgrs != updates.rend());
  CHECK(contains(mgrs->blocks, "<@U0MGR>, this was handed to you"));
  CHECK(contains(mgrs->blocks, "fixed (<@U0MGR>)"));
}

TEST_CASE("the triage's other candidates come after the owner, once each, as the next to ask") {
  auto qa = release::parse_qa_outcome(
      R"({"report":{"summary":{"tests":1,"passed":0,"failed":1,"flaky":0,"skipped":0,"new":1,"pre_existing":0},)"
      R"("failures":[{"name":"t","classname":"s","class":"new","message":"m","confidence":"high",)"
      R"("owner":{"name":"Bob","email":"Bob@Example.com"},"evidence":[],"candidates":[)"
      R"({"name":"Carol","email":"carol@example.com"},{"name":"Bob","email":"bob@example.com"},)"
      R"({"name":"@render-team","email":null}]}]},"warnings":[]})");
  REQUIRE(qa.failures.size() == 1);
  std::vector<std::string> keys;
  for (const auto& c : qa.failures[0].candidates) keys.push_back(c.key);
  CHECK(keys == std::vector<std::string>{"bob@example.com", "carol@example.com", "@render-team"});
}

TEST_CASE("reminders: inside working hours, counted, escalated to the manager, never after closing") {
  harness h;
  auto r = h.to_awaiting({{"a", "new", "alice@example.com"}}, {{"alice@example.com", "U0ALICE", "Europe/Berlin"}});
  auto due = h.eng.next_timer();
  REQUIRE(due);
  // Wednesday 11:00 Berlin + 4h = 15:00 Berlin: inside the window.
  CHECK(to_unix_ms(*due) == to_unix_ms(h.clock.now() + 4h));
  h.clock.advance(4h);
  CHECK(h.eng.fire_due_timers() == 1);
  r = *h.eng.find(r.id);
  auto last = h.posts(r).back();
  CHECK(contains(last.blocks, "<@U0ALICE>, reminder 1"));
  CHECK(!contains(last.blocks, "escalating"));
  // 15:00 + 4h = 19:00, after hours: Thursday 09:00 Berlin (08:00 UTC).
  due = h.eng.next_timer();
  REQUIRE(due);
  CHECK(to_unix_ms(*due) == 1'795'680'000'000);
  h.clock.set(*due);
  CHECK(h.eng.fire_due_timers() == 1);
  r = *h.eng.find(r.id);
  CHECK(contains(h.posts(r).back().blocks, "<@U0MGR>, escalating"));
  // Fixed: no more reminders.
  r = h.click(r, kReleaseFixed, r.name + "|1", "U0ALICE");
  CHECK(r.state == "ready");
  CHECK(!h.eng.next_timer().has_value());
}

TEST_CASE("an owner's reminders follow their time zone across a daylight-saving change, not the offset Slack gave") {
  // Slack's tz_offset is the offset when the owner was looked up; the zone's rules decide after that.
  struct owner_case {
    std::string tz;
    int offset_at_lookup;
    long long now_ms;          // a Friday, 16:00 local, before the change
    long long first_due_ms;    // Monday 09:00 local, after the change
    long long stale_due_ms;    // what the lookup's offset would have given
  };
  owner_case c;
  SUBCASE("Berlin leaves summer time on Sunday 2026-10-25") {
    c = {"Europe/Berlin", 7200, 1'792'764'000'000, 1'793'001'600'000, 1'792'998'000'000};
  }
  SUBCASE("New York leaves summer time on Sunday 2026-11-01") {
    c = {"America/New_York", -14400, 1'793'390'400'000, 1'793'628'000'000, 1'793'624'400'000};
  }
  harness h;
  h.clock.set(from_unix_ms(c.now_ms));
  auto r = h.start();
  r = h.finish(r, ok(store::encode_fields({{"version", "1.4.1"}, {"base", "v1.4.0"}, {"base_sha", std::string(40, '1')},
                                          {"head_sha", std::string(40, '2')}, {"commits", "3"}})));
  r = h.finish(r, ok(triage_output({{"a", "new", "alice@example.com"}})));
  release::release_items people;
  people.people["alice@example.com"] = {"U0ALICE", c.tz, c.offset_at_lookup};
  store::fields f;
  release::save_items(people, f);
  r = h.finish(r, ok(f["people"]));
  REQUIRE(r.state == "awaiting_fixes");
  // 16:00 + 4h is after hours: Monday 09:00 in the zone's new offset.
  auto due = h.eng.next_timer();
  REQUIRE(due);
  CHECK(to_unix_ms(*due) == c.first_due_ms);
  CHECK(to_unix_ms(*due) != c.stale_due_ms);
  h.clock.set(*due);
  CHECK(h.eng.fire_due_timers() == 1);
  r = *h.eng.find(r.id);
  CHECK(contains(h.posts(r).back().blocks, "<@U0ALICE>, reminder 1"));
  // Then every 4 hours of that Monday: 13:00 local.
  due = h.eng.next_timer();
  REQUIRE(due);
  CHECK(to_unix_ms(*due) == c.first_due_ms + 4 * 3'600'000);
}

TEST_CASE("reminders by DM go to the owner's DM; the escalation stays in the thread") {
  auto s = harness::defaults();
  s.reminders.via_dm = true;
  s.reminders.escalate_after = 1;
  harness h(s);
  auto r = h.to_awaiting({{"a", "new", "alice@example.com"}}, {{"alice@example.com", "U0ALICE", "UTC"}});
  h.clock.advance(4h);
  h.eng.fire_due_timers();
  r = *h.eng.find(r.id);
  auto posts = h.posts(r);
  REQUIRE(posts.size() >= 2);
  CHECK(posts[posts.size() - 2].channel == "U0ALICE");
  CHECK(contains(posts[posts.size() - 2].blocks, "reminder 1 for " + r.name));
  CHECK(contains(posts[posts.size() - 2].blocks, "in the thread of " + r.name + " in <#C0001>"));
  CHECK(!contains(posts[posts.size() - 2].blocks, "escalating"));
  CHECK(posts.back().channel == "C0001");
  CHECK(contains(posts.back().blocks, "escalating"));
}

TEST_CASE("recheck: passing tests close, new failures are tagged; a second round is compared with the items") {
  harness h;
  auto r = h.to_awaiting({{"a", "new", "alice@example.com"}, {"b", "new", "alice@example.com"}},
                         {{"alice@example.com", "U0ALICE", ""}});
  h.eng.deliver(r.id, event{.kind = event_kind::command, .name = "recheck", .by = slack::user_id("U0REQ")});
  r = *h.eng.find(r.id);
  CHECK(r.state == "qa_review");
  CHECK(r.data.at("round") == "2");
  r = h.finish(r, ok(triage_output({{"b", "new", "alice@example.com"}, {"c", "new", "bob@example.com"}})));
  CHECK(r.state == "ownership");
  // Alice is known already; the manager was not in the first answer, so is asked for again.
  CHECK(h.last_job().spec.input == "bob@example.com\nU0MGR");
  r = h.finish(r, ok(people_output({{"bob@example.com", "U0BOB", ""}})));
  CHECK(r.state == "awaiting_fixes");
  auto items = release::load_items(r.data);
  CHECK(items.find(1)->state == "passing");
  CHECK(items.find(2)->state == "open");
  CHECK(items.find(3)->owner == "U0BOB");
  CHECK(items.find(3)->round == 2);
  bool recheck_summary = false;
  for (const auto& p : h.posts(r)) recheck_summary |= contains(p.blocks, "*Recheck* (QA round 2)");
  CHECK(recheck_summary);
}

TEST_CASE("a reminder that comes due during a recheck is not lost") {
  harness h;
  auto r = h.to_awaiting({{"a", "new", "alice@example.com"}}, {{"alice@example.com", "U0ALICE", "UTC"}});
  REQUIRE(h.eng.next_timer());
  h.eng.deliver(r.id, event{.kind = event_kind::command, .name = "recheck", .by = slack::user_id("U0REQ")});
  r = *h.eng.find(r.id);
  REQUIRE(r.state == "qa_review");
  // Alice's reminder comes due while QA is being reloaded.
  h.clock.advance(4h);
  CHECK(h.eng.fire_due_timers() == 1);
  SUBCASE("the recheck reads QA") {}
  SUBCASE("the recheck fails first and is retried") {
    r = h.finish(r, failed(1, "qa/unit.xml: XML error at byte 3"));
    REQUIRE(r.state == "needs_attention");
    r = h.click(r, kReleaseRetry, r.name, "U0REQ");
    REQUIRE(r.state == "qa_review");
  }
  // The recheck finds the same failure still failing: back to waiting, and Alice is still reminded.
  r = h.finish(r, ok(triage_output({{"a", "new", "alice@example.com"}})));
  CHECK(r.state == "awaiting_fixes");
  auto due = h.eng.next_timer();
  REQUIRE(due.has_value());
  h.clock.set(*due);
  CHECK(h.eng.fire_due_timers() == 1);
  r = *h.eng.find(r.id);
  CHECK(contains(h.posts(r).back().blocks, "<@U0ALICE>, reminder 1"));
}

TEST_CASE("bad QA input ends in a clear message and a retry") {
  harness h;
  auto r = h.start();
  r = h.finish(r, ok(store::encode_fields({{"version", "1.0.1"}, {"base", "v1.0.0"}, {"base_sha", "b"}, {"head_sha", "h"}})));
  store::job_result broken;
  broken.exit_code = 1;
  broken.error = "qa/broken.xml: not well-formed XML at offset 120";
  r = h.finish(r, broken);
  CHECK(r.state == "needs_attention");
  CHECK(contains(h.posts(r).back().blocks, "not well-formed XML"));
  r = h.click(r, kReleaseRetry, r.name, "U0REQ");
  CHECK(r.state == "qa_review");
  r = h.finish(r, ok(triage_output({})));
  CHECK(r.state == "ready");  // nothing failed
}

TEST_CASE("cancel ends the run and kills its job; an interrupted release command is not re-run") {
  SUBCASE("cancel") {
    harness h;
    auto r = h.start();
    h.eng.deliver(r.id, event{.kind = event_kind::cancel, .by = slack::user_id("U0REQ")});
    r = *h.eng.find(r.id);
    CHECK(r.state == "cancelled");
    CHECK(r.finished);
    CHECK(h.killed.size() == 1);
  }
  SUBCASE("interrupted") {
    harness h;
    auto r = h.to_awaiting({}, {});
    REQUIRE(r.state == "ready");
    r = h.click(r, kReleaseShip, r.name, "U0ADMIN", {"admin"});
    REQUIRE(r.state == "releasing");
    h.eng.deliver(r.id, event{.kind = event_kind::interrupted, .job_name = "release"});
    r = *h.eng.find(r.id);
    CHECK(r.state == "release_failed");
    CHECK(contains(h.posts(r).back().blocks, "was not run again"));
  }
}

TEST_CASE("next_version and expand_argv") {
  CHECK(expand_argv({"x", "{version}-{version}", "{base}..{head}"}, {{"version", "1.2"}, {"base", "a"}, {"head", "b"}}) ==
        std::vector<std::string>{"x", "1.2-1.2", "a..b"});
}

TEST_CASE("a reminder due during a recheck waits for it instead of being lost; a recheck after ready re-readies") {
  harness h;
  auto r = h.to_awaiting({{"a", "new", "alice@example.com"}}, {{"alice@example.com", "U0ALICE", "UTC"}});
  h.eng.deliver(r.id, event{.kind = event_kind::command, .name = "recheck", .by = slack::user_id("U0REQ")});
  h.clock.advance(4h);
  CHECK(h.eng.fire_due_timers() == 1);  // due while QA reloads: not posted now...
  r = *h.eng.find(r.id);
  for (const auto& p : h.posts(r)) CHECK(!contains(p.blocks, "reminder"));
  r = h.finish(r, ok(triage_output({{"a", "new", "alice@example.com"}})));
  CHECK(r.state == "awaiting_fixes");
  // ...but as soon as the recheck is done.
  CHECK(h.eng.fire_due_timers() == 1);
  r = *h.eng.find(r.id);
  bool reminded = false;
  for (const auto& p : h.posts(r)) reminded |= contains(p.blocks, "<@U0ALICE>, reminder 1");
  CHECK(reminded);

  r = h.click(r, kReleaseFixed, r.name + "|1", "U0ALICE");
  REQUIRE(r.state == "ready");
  h.eng.deliver(r.id, event{.kind = event_kind::command, .name = "recheck", .by = slack::user_id("U0REQ")});
  r = h.finish(*h.eng.find(r.id), ok(triage_output({})));
  CHECK(r.state == "ready");
  std::vector<std::string> slots;
  for (const auto& p : h.posts(r)) {
    if (p.slot.starts_with("ready")) slots.push_back(p.slot);
  }
  CHECK(slots == std::vector<std::string>{"ready-1", "ready-2"});
  // The first ready message lost its button when the recheck started.
  bool first_updated = false;
  for (const auto& u : h.posts(r, "update")) first_updated |= u.slot == "ready-1" && !contains(u.blocks, "release_ship");
  CHECK(first_updated);
}

TEST_CASE("an owner's reminder after a Friday evening lands at 09:00 Monday local time across the end of DST") {
  harness h;
  // Friday 2026-10-30 17:00 in New York (EDT, UTC-4); DST ends on Sunday 2026-11-01.
  h.clock.set(from_unix_ms(1'793'394'000'000));
  auto r = h.to_awaiting({{"a", "new", "alice@example.com"}}, {{"alice@example.com", "U0ALICE", "America/New_York"}});
  auto due = h.eng.next_timer();
  REQUIRE(due);
  // 21:00 EDT is after hours; the next window opens Monday 09:00 EST = 14:00 UTC (13:00 UTC before DST ended).
  CHECK(to_unix_ms(*due) == 1'793'628'000'000);
  h.clock.set(*due);
  CHECK(h.eng.fire_due_timers() == 1);
  r = *h.eng.find(r.id);
  CHECK(contains(h.posts(r).back().blocks, "<@U0ALICE>, reminder 1"));
  // Monday 13:00 EST is still working time: the next one is four hours later.
  CHECK(to_unix_ms(*h.eng.next_timer()) == 1'793'628'000'000 + 4 * 3'600'000);
}
