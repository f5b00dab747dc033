#include "workflows/release/people_codec.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <stdexcept>

namespace tugboat::workflows {
namespace {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put(json_writer& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

std::string text_of(const rapidjson::Value& object, const char* key) {
  auto m = object.FindMember(key);
  if (m == object.MemberEnd()) return {};
  if (!m->value.IsString())
    throw std::invalid_argument(std::string("people JSON: \"") + key + "\" is not a string");
  return {m->value.GetString(), m->value.GetStringLength()};
}

}  // namespace

std::string encode_people(const std::vector<person>& people) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartArray();
  for (const auto& p : people) {
    w.StartObject();
    put(w, "key", p.key);
    put(w, "user", p.user);
    put(w, "name", p.name);
    put(w, "tz", p.tz);
    w.Key("tz_offset");
    w.Int(p.tz_offset);
    put(w, "source", p.source);
    if (!p.error.empty()) put(w, "error", p.error);
    w.EndObject();
  }
  w.EndArray();
  return {buf.GetString(), buf.GetSize()};
}

std::vector<person> decode_people(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsArray()) throw std::invalid_argument("people JSON: not a JSON array");
  std::vector<person> out;
  out.reserve(doc.Size());
  for (const auto& item : doc.GetArray()) {
    if (!item.IsObject()) throw std::invalid_argument("people JSON: an element is not an object");
    person p;
    p.key = text_of(item, "key");
    p.user = text_of(item, "user");
    p.name = text_of(item, "name");
    p.tz = text_of(item, "tz");
    if (auto m = item.FindMember("tz_offset"); m != item.MemberEnd()) {
      if (!m->value.IsInt()) throw std::invalid_argument("people JSON: \"tz_offset\" is not an integer");
      p.tz_offset = m->value.GetInt();
    }
    p.source = text_of(item, "source");
    p.error = text_of(item, "error");
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace tugboat::workflows
