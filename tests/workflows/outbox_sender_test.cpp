// The outbox sender against a scripted Slack: a channel's posts keep their order, edits wait for the
// message they edit, and unsent edits of one message collapse into the newest.
#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/outbox.hpp"
#include "tests/slack/web_api_fixture.hpp"
#include "workflows/engine/outbox_sender.hpp"

using namespace tugboat;
using namespace tugboat::test;

namespace {

struct sender_fixture : web_api_fixture {
  store::database db{{":memory:"}};
  store::outbox rows{db};
  std::int64_t run_id = 0;
  std::vector<std::string> calls;  // "method text"
  int posts = 0;

  sender_fixture() {
    db.sql().exec(
        "INSERT INTO runs(workflow, name, state, channel, requester, created_at, updated_at) "
        "VALUES ('release', 'REL-1', 'requested', 'C1', 'U1', 0, 0)");
    run_id = db.sql().getLastInsertRowid();
    script = [this](const recorded_request& r) {
      rapidjson::Document body;
      body.Parse(r.body.c_str());
      const std::string method = r.path().substr(r.path().rfind('/') + 1);
      calls.push_back(method + " " + (body.HasMember("text") ? body["text"].GetString() : ""));
      if (method == "chat.postMessage")
        return ok_json(R"({"ok":true,"channel":"C1","ts":"1700000000.00000)" + std::to_string(++posts) + R"("})");
      return ok_json(R"({"ok":true,"channel":"C1","ts":"1700000000.000001"})");
    };
  }

  void add(const std::string& key, const std::string& kind, const std::string& text, const std::string& slot = {},
           const std::string& thread = {}) {
    store::outbox_row r;
    r.key = key;
    r.run_id = run_id;
    r.kind = kind;
    r.channel = "C1";
    r.slot = slot;
    r.thread_ts = thread;
    r.text = text;
    rows.add(r);
  }

  // Kicks the sender and runs the loop until it has nothing left to do.
  workflows::outbox_sender_stats send_all() {
    workflows::outbox_sender sender(io.get_executor(), rows, api, clock);
    run([&]() -> boost::asio::awaitable<void> {
      sender.kick("C1");
      boost::asio::steady_timer t(io);
      for (int i = 0; i < 500 && !sender.idle(); ++i) {
        t.expires_after(std::chrono::milliseconds{2});
        co_await t.async_wait(boost::asio::use_awaitable);
      }
      sender.stop();
    }());
    return sender.stats();
  }
};

}  // namespace

TEST_CASE_FIXTURE(sender_fixture, "unsent edits of one message collapse into the newest, after the message") {
  // The status message and three edits of it are written before anything is sent; a thread reply after.
  add("REL-1/1", "post", "status: requested", "status");
  add("REL-1/2", "update", "status: QA review", "status");
  add("REL-1/3", "update", "status: ownership", "status");
  add("REL-1/4", "post", "QA summary", "", "slot:status");
  add("REL-1/5", "update", "status: awaiting fixes", "status");

  const auto stats = send_all();

  // One chat.update carrying the newest text; the posts in their order.
  std::vector<std::string> post_calls, update_calls;
  for (const auto& c : calls) (c.starts_with("chat.update") ? update_calls : post_calls).push_back(c);
  CHECK(post_calls == std::vector<std::string>{"chat.postMessage status: requested", "chat.postMessage QA summary"});
  CHECK(update_calls == std::vector<std::string>{"chat.update status: awaiting fixes"});
  CHECK(stats.superseded == 2);
  CHECK(stats.failed == 0);
  CHECK(rows.unsent_count() == 0);
  for (const auto& r : rows.for_run(run_id)) {
    INFO(r.key);
    CHECK(r.state == "sent");
    if (r.kind == "update") CHECK(r.ts == "1700000000.000001");  // the edited message
  }
}

TEST_CASE_FIXTURE(sender_fixture, "an edit of a message that failed to post fails instead of waiting forever") {
  add("REL-1/1", "post", "status: requested", "status");
  add("REL-1/2", "update", "status: QA review", "status");
  script = [this](const recorded_request& r) {
    calls.push_back(r.path());
    return slack_error("channel_not_found");
  };
  const auto stats = send_all();
  CHECK(stats.failed == 2);
  CHECK(rows.unsent_count() == 0);
  CHECK(calls.size() == 1);  // the post; the edit had nothing to edit
}
