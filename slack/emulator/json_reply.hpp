#pragma once
// A JSON answer of the emulator being written: `{"ok": …` then fields, closed by finish() into a 200
// answer. Shared by the Web API methods and the control surface. Emulator thread; nothing throws except
// bad_alloc.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "slack/emulator/server.hpp"

namespace tugboat::slack::emu {

class json_reply {
 public:
  explicit json_reply(bool ok = true) {
    w.StartObject();
    w.Key("ok");
    w.Bool(ok);
  }
  json_reply& str(const char* k, std::string_view v) {
    w.Key(k);
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
    return *this;
  }
  json_reply& num(const char* k, double v) {
    w.Key(k);
    w.Double(v);
    return *this;
  }
  json_reply& uint(const char* k, std::uint64_t v) {
    w.Key(k);
    w.Uint64(v);
    return *this;
  }
  json_reply& boolean(const char* k, bool v) {
    w.Key(k);
    w.Bool(v);
    return *this;
  }
  // `json` is already JSON of type `t` (an object, an array).
  json_reply& raw(const char* k, std::string_view json, rapidjson::Type t = rapidjson::kObjectType) {
    w.Key(k);
    w.RawValue(json.data(), json.size(), t);
    return *this;
  }
  http_response finish() {
    w.EndObject();
    return {200, "application/json; charset=utf-8", std::string(buf.GetString(), buf.GetSize()), {}, {}};
  }

  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};  // for nested values the helpers above do not cover
};

}  // namespace tugboat::slack::emu
