#include "slack/blocks.hpp"

#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <string>

using namespace tugboat::slack;

namespace {

rapidjson::Document parse(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  return doc;
}

std::string str(const rapidjson::Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

std::size_t code_points(const std::string& s) {
  std::size_t n = 0;
  for (const char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U) ++n;
  return n;
}

const std::string kEllipsis = "\xE2\x80\xA6";

}  // namespace

TEST_CASE("each block kind encodes to Slack's Block Kit shape") {
  std::vector<block> blocks{
      header_block{"Release 1.4.0", ""},
      section_block{"*3* failures need an owner", button{"Take it", "take", "item-7", button_style::primary},
                    "s1"},
      divider_block{},
      context_block{{"owner: <@U1>", "since 2h"}, ""},
      actions_block{{button{"Approve", "approve", "run-1", button_style::primary},
                     button{"Cancel", "cancel", "", button_style::danger},
                     button{"Later", "later", "x", button_style::plain}},
                    "act"},
  };
  const auto doc = parse(blocks_json(blocks));
  REQUIRE(doc.IsArray());
  REQUIRE(doc.Size() == 5);

  CHECK(str(doc[0]["type"]) == "header");
  CHECK(str(doc[0]["text"]["type"]) == "plain_text");
  CHECK(str(doc[0]["text"]["text"]) == "Release 1.4.0");

  const auto& section = doc[1];
  CHECK(str(section["type"]) == "section");
  CHECK(str(section["block_id"]) == "s1");
  CHECK(str(section["text"]["type"]) == "mrkdwn");
  CHECK(str(section["text"]["text"]) == "*3* failures need an owner");
  CHECK(str(section["accessory"]["type"]) == "button");
  CHECK(str(section["accessory"]["text"]["text"]) == "Take it");
  CHECK(str(section["accessory"]["action_id"]) == "take");
  CHECK(str(section["accessory"]["value"]) == "item-7");
  CHECK(str(section["accessory"]["style"]) == "primary");

  CHECK(str(doc[2]["type"]) == "divider");
  CHECK_FALSE(doc[2].HasMember("block_id"));

  CHECK(str(doc[3]["type"]) == "context");
  REQUIRE(doc[3]["elements"].Size() == 2);
  CHECK(str(doc[3]["elements"][1]["type"]) == "mrkdwn");
  CHECK(str(doc[3]["elements"][1]["text"]) == "since 2h");

  const auto& actions = doc[4];
  CHECK(str(actions["type"]) == "actions");
  REQUIRE(actions["elements"].Size() == 3);
  CHECK(str(actions["elements"][1]["style"]) == "danger");
  CHECK_FALSE(actions["elements"][1].HasMember("value"));  // empty value is left out
  CHECK_FALSE(actions["elements"][2].HasMember("style"));  // the default style has no field
}

TEST_CASE("text over Slack's limits is cut with an ellipsis, counting characters not bytes") {
  const std::string long_ascii(3500, 'a');
  std::string long_accented;
  for (int i = 0; i < 3200; ++i) long_accented += "\xC3\xA9";  // é
  const auto doc = parse(blocks_json(
      {section_block{long_ascii, button{std::string(80, 'b'), "a", std::string(2100, 'v'), {}}, ""},
       section_block{long_accented, std::nullopt, ""}, header_block{std::string(200, 'h'), ""}}));
  const auto section_text = str(doc[0]["text"]["text"]);
  CHECK(code_points(section_text) == 3000);
  CHECK(section_text.ends_with(kEllipsis));
  CHECK(code_points(str(doc[0]["accessory"]["text"]["text"])) == 75);
  CHECK(code_points(str(doc[0]["accessory"]["value"])) == 2000);
  const auto accented = str(doc[1]["text"]["text"]);
  CHECK(code_points(accented) == 3000);
  CHECK(accented.substr(0, 4) == "\xC3\xA9\xC3\xA9");
  CHECK(accented.ends_with(kEllipsis));
  CHECK(code_points(str(doc[2]["text"]["text"])) == 150);
}

TEST_CASE("text within the limits is left alone") {
  CHECK(truncate_text("short", 10) == "short");
  CHECK(truncate_text("exactly10!", 10) == "exactly10!");
  CHECK(truncate_text("eleven char", 10) == "eleven ch" + kEllipsis);
  CHECK(truncate_text("abc", 0).empty());
}

TEST_CASE("a message with more than fifty blocks keeps forty-nine and says how many were left out") {
  std::vector<block> blocks;
  for (int i = 0; i < 60; ++i)
    blocks.emplace_back(section_block{"item " + std::to_string(i), std::nullopt, ""});
  const auto doc = parse(blocks_json(blocks));
  REQUIRE(doc.Size() == 50);
  CHECK(str(doc[48]["text"]["text"]) == "item 48");
  CHECK(str(doc[49]["type"]) == "context");
  CHECK(str(doc[49]["elements"][0]["text"]) == kEllipsis + " 11 more not shown");
}

TEST_CASE("an actions block keeps at most twenty-five buttons and a context at most ten elements") {
  actions_block actions;
  for (int i = 0; i < 30; ++i) actions.elements.push_back(button{"b", "a" + std::to_string(i), "", {}});
  context_block context;
  for (int i = 0; i < 12; ++i) context.elements.push_back("c");
  const auto doc = parse(blocks_json({actions, context}));
  CHECK(doc[0]["elements"].Size() == 25);
  CHECK(doc[1]["elements"].Size() == 10);
}

TEST_CASE("an outgoing message encodes channel, fallback text, thread, broadcast and metadata") {
  outgoing_message m;
  m.channel = channel_id{"C123"};
  m.text = "Release 1.4.0 is ready";
  m.blocks.emplace_back(divider_block{});
  m.thread_ts = message_ts{"1700000000.000100"};
  m.reply_broadcast = true;
  m.metadata = message_metadata{"tugboat_outbox", {{"key", "run-1/ready/0"}, {"run", "1"}}};
  const auto doc = parse(message_json(m));
  CHECK(str(doc["channel"]) == "C123");
  CHECK(str(doc["text"]) == "Release 1.4.0 is ready");
  CHECK(doc["blocks"].Size() == 1);
  CHECK(str(doc["thread_ts"]) == "1700000000.000100");
  CHECK(doc["reply_broadcast"].GetBool());
  CHECK(str(doc["metadata"]["event_type"]) == "tugboat_outbox");
  CHECK(str(doc["metadata"]["event_payload"]["key"]) == "run-1/ready/0");
  CHECK(str(doc["metadata"]["event_payload"]["run"]) == "1");
}

TEST_CASE("a message outside a thread has no thread fields, and an ack payload may omit the channel") {
  outgoing_message m;
  m.text = "hi";
  m.reply_broadcast = true;  // meaningless outside a thread
  const auto doc = parse(message_json(m));
  CHECK_FALSE(doc.HasMember("channel"));
  CHECK_FALSE(doc.HasMember("thread_ts"));
  CHECK_FALSE(doc.HasMember("reply_broadcast"));
  CHECK_FALSE(doc.HasMember("blocks"));
  CHECK_FALSE(doc.HasMember("metadata"));
}

TEST_CASE("invalid UTF-8 and control characters in text still give valid JSON") {
  outgoing_message m;
  m.channel = channel_id{"C1"};
  m.text = std::string{"bad \xFF\xFE bytes \x01 and \"quotes\"\n"};
  const auto doc = parse(message_json(m));
  const auto text = str(doc["text"]);
  CHECK(text.find('\xFF') == std::string::npos);
  CHECK(text.find("\"quotes\"\n") != std::string::npos);
}
