// The one-pass envelope scan against the general (RapidJSON DOM) decoder: whatever the bytes, decode_frame
// (scan first) must say what the general decoder alone says — same frame kind, same fields, the same
// payload as JSON, the same message for routing, the same error. Frames: Slack's shapes from the
// fixtures, hand-made edge cases, every truncation of real envelopes, and thousands of seeded mutations.
#include "slack/wire_scan.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "tests/support/fixtures.hpp"

using namespace tugboat;
using tugboat::testing::fixture;

namespace {

// A value written with the members of every object in key order (the general decoder's RemoveMember
// moves the last member into the token's place, so only the order can differ).
void write_sorted(const rapidjson::Value& v, rapidjson::Writer<rapidjson::StringBuffer>& w) {
  if (v.IsObject()) {
    std::vector<const rapidjson::Value::Member*> members;
    for (const auto& m : v.GetObject()) members.push_back(&m);
    std::sort(members.begin(), members.end(), [](auto* a, auto* b) {
      return std::string_view(a->name.GetString(), a->name.GetStringLength()) <
             std::string_view(b->name.GetString(), b->name.GetStringLength());
    });
    w.StartObject();
    for (const auto* m : members) {
      w.Key(m->name.GetString(), m->name.GetStringLength());
      write_sorted(m->value, w);
    }
    w.EndObject();
  } else if (v.IsArray()) {
    w.StartArray();
    for (const auto& e : v.GetArray()) write_sorted(e, w);
    w.EndArray();
  } else {
    v.Accept(w);
  }
}

// A JSON text in one canonical spelling (no whitespace, sorted keys), or a note that it does not parse.
std::string canonical(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) return "<unparsable>";
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  write_sorted(doc, w);
  return buf.GetString();
}

std::string describe(const slack::payload& p) {
  if (const auto* m = std::get_if<slack::message_event>(&p)) {
    return fmt::format("message mention={} channel={} type={} user={} bot={} subtype={} text={} ts={} thread={}",
                       m->mention, m->channel.str(), m->channel_type, m->user.str(), m->bot_id, m->subtype, m->text,
                       m->ts.str(), m->thread_ts.str());
  }
  if (const auto* o = std::get_if<slack::other_payload>(&p)) return "other " + o->what;
  return fmt::format("payload #{}", p.index());
}

// Everything a frame says, as one comparable line.
std::string summary(const slack::frame& f) {
  if (const auto* e = std::get_if<slack::envelope>(&f)) {
    std::string content;
    if (e->content) {
      content = describe(*e->content);
    } else {
      try {
        content = describe(slack::decode_payload(e->kind, e->payload));
      } catch (const slack::decode_error& err) {
        content = fmt::format("undecodable ({})", err.what());
      }
    }
    return fmt::format("envelope type={} id={} event={} retry={} reason={} accepts={} payload={} content={}", e->type,
                       e->envelope_id, e->event_id, e->retry_attempt, e->retry_reason, e->accepts_response_payload,
                       canonical(e->payload), content);
  }
  if (const auto* m = std::get_if<slack::malformed_frame>(&f)) {
    return fmt::format("malformed error={} id={}", m->error, m->envelope_id);
  }
  if (const auto* h = std::get_if<slack::hello_frame>(&f)) return fmt::format("hello {}", h->num_connections);
  return "disconnect " + std::get<slack::disconnect_frame>(f).reason;
}

void agrees(const std::string& frame) {
  CAPTURE(frame);
  CHECK(summary(slack::decode_frame(frame)) == summary(slack::detail::decode_frame_general(frame)));
}

const std::string kMessage =
    R"({"envelope_id":"e-1","payload":{"token":"secret","team_id":"T1","api_app_id":"A1","event":{"type":"message",)"
    R"("user":"U1","text":"deploy \"it\"\nnow caf\u00e9 ok","ts":"1.2","channel":"C1","channel_type":"channel",)"
    R"("blocks":[{"type":"rich_text","elements":[{"type":"text","text":"deploy"}]}]},"type":"event_callback",)"
    R"("event_id":"Ev1","event_time":1700000000},"type":"events_api","accepts_response_payload":false,)"
    R"("retry_attempt":2,"retry_reason":"timeout"})";

}  // namespace

TEST_CASE("the scan agrees with the general decoder on Slack's envelope shapes") {
  for (const char* name : {"envelope_app_mention.json", "envelope_block_actions.json", "envelope_bot_message.json",
                           "envelope_dm_retry.json", "envelope_slash.json"}) {
    CAPTURE(name);
    const auto text = fixture(std::string("slack/") + name);
    agrees(text);
  }
  agrees(kMessage);
}

TEST_CASE("the scan agrees with the general decoder on edge cases") {
  const std::vector<std::string> cases = {
      // whitespace everywhere, token first / last / alone, escaped keys, duplicate keys
      " \n{ \"type\" : \"events_api\" , \"envelope_id\" : \"e\" , \"payload\" : { \"token\" : \"t\" , \"event_id\" : "
      "\"E\" } } \t",
      R"({"type":"events_api","envelope_id":"e","payload":{"event_id":"E","token":"t"}})",
      R"({"type":"slash_commands","envelope_id":"e","payload":{"token":"t"}})",
      R"({"type":"events_api","envelope_id":"e","payload":{"event_id":"E","tok\u0065n":"t"}})",
      R"({"typ\u0065":"events_api","envelope_id":"e","payload":{"event_id":"E"}})",
      R"({"type":"events_api","type":"slash_commands","envelope_id":"e","envelope_id":"f","payload":{"event_id":"E"}})",
      R"({"type":"events_api","envelope_id":"e","payload":{"event_id":"E","token":1}})",
      R"({"type":"events_api","envelope_id":"e","payload":{"event_id":"E","token":"a","token":"b"}})",
      // a repeated key after the token: the first copy wins on both sides (the DOM once moved the last
      // member into the token's place, making the later copy the first)
      R"({"type":"events_api","envelope_id":"E1","payload":{"token":"t","event_id":"A","x":1,"event_id":"B"}})",
      R"({"type":"events_api","envelope_id":"E1","payload":{"token":"t","event_id":"A","event":{"type":"message",)"
      R"("text":"first"},"event_id":"B","event":{"type":"message","text":"second"}}})",
      R"({"type":"events_api","envelope_id":"e","payload":"not an object"})",
      R"({"type":"events_api","envelope_id":"e","payload":{"event":{"type":"message"}}})",
      R"({"type":"events_api","payload":{"event_id":"E"}})",
      R"({"type":"interactive","envelope_id":"e\/x","payload":{"type":"block_actions","actions":[]}})",
      // numbers and literals
      R"({"type":"events_api","envelope_id":"e","retry_attempt":-3,"payload":{"event_id":"E"}})",
      R"({"type":"events_api","envelope_id":"e","retry_attempt":1.5,"payload":{"event_id":"E"}})",
      R"({"type":"events_api","envelope_id":"e","retry_attempt":1e2,"payload":{"event_id":"E"}})",
      R"({"type":"events_api","envelope_id":"e","retry_attempt":99999999999999999999,"payload":{"event_id":"E"}})",
      R"({"type":"events_api","envelope_id":"e","retry_attempt":01,"payload":{"event_id":"E"}})",
      R"({"type":"events_api","envelope_id":"e","accepts_response_payload":true,"payload":{"event_id":"E","x":null}})",
      R"({"type":"events_api","envelope_id":"e","accepts_response_payload":tru,"payload":{"event_id":"E"}})",
      R"({"type":"events_api","envelope_id":"e","payload":{"event_id":"E","n":[1,-0,0.25,1E400,true,false,null]}})",
      // strings: escapes, surrogates, control characters, bad escapes
      R"({"type":"events_api","envelope_id":"e","payload":{"event_id":"E","event":{"type":"app_mention","text":"\ud83d\udea2 go"}}})",
      R"({"type":"events_api","envelope_id":"e","payload":{"event_id":"E","event":{"type":"message","text":"\udea2"}}})",
      R"({"type":"events_api","envelope_id":"e","payload":{"event_id":"E","event":{"type":"message","text":"a\qb"}}})",
      R"({"type":"events_api","envelope_id":"e","payload":{"event_id":"E","event":{"type":"message","text":"\u00zz"}}})",
      "{\"type\":\"events_api\",\"envelope_id\":\"e\",\"payload\":{\"event_id\":\"E\",\"event\":{\"text\":\"a\tb\"}}}",
      std::string(R"({"type":"events_api","envelope_id":"e","payload":{"event_id":"E","x":"a)") + '\0' + "b\"}}",
      // structure errors
      R"({"type":"events_api","envelope_id":"e","payload":{"event_id":"E",}})",
      R"({"type":"events_api","envelope_id":"e","payload":{"event_id":"E"}} x)",
      R"({"type":"events_api","envelope_id":"e","payload":{"event_id":"E"}}{})",
      R"({"type":"events_api","envelope_id":"e","payload":{"event_id" "E"}})",
      R"({"type":"events_api","envelope_id":"e","payload":{"event_id":"E"},})",
      R"([{"type":"events_api"}])",
      R"("just a string")",
      "",
      "{}",
      std::string(200, '[') + std::string(200, ']'),
      R"({"type":"events_api","envelope_id":"e","payload":{"event_id":"E","deep":)" + std::string(100, '[') +
          std::string(100, ']') + "}}",
      // not envelopes
      R"({"type":"hello","num_connections":2,"debug_info":{"approximate_connection_time":18060}})",
      R"({"type":"disconnect","reason":"refresh_requested"})",
  };
  for (const auto& c : cases) agrees(c);
}

TEST_CASE("the scan agrees with the general decoder on every truncation of real envelopes") {
  for (const auto& text : {kMessage, fixture("slack/envelope_block_actions.json")}) {
    for (std::size_t n = 0; n <= text.size(); ++n) agrees(text.substr(0, n));
  }
}

TEST_CASE("the scan agrees with the general decoder on thousands of mutated envelopes") {
  std::mt19937 rng(20261206);  // seeded: the same frames every run
  const std::string alphabet = "\"\\{}[],: \t\n0123456789-+.eEtrufalsn/bu\x01\x1f\x7f\xc3\xa9x";
  const std::vector<std::string> seeds = {kMessage, fixture("slack/envelope_app_mention.json"),
                                          fixture("slack/envelope_slash.json")};
  for (int round = 0; round < 3000; ++round) {
    std::string text = seeds[static_cast<std::size_t>(round) % seeds.size()];
    const int edits = 1 + round % 3;
    for (int e = 0; e < edits; ++e) {
      const auto at = std::uniform_int_distribution<std::size_t>(0, text.size() - 1)(rng);
      const char c = alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(rng)];
      switch (rng() % 3) {
        case 0: text[at] = c; break;
        case 1: text.insert(at, 1, c); break;
        default: text.erase(at, 1); break;
      }
    }
    agrees(text);
  }
}
