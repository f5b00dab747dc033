#include "store/fields.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "store/database.hpp"

namespace tugboat::store {

std::string encode_fields(const fields& f) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  for (const auto& [k, v] : f) {
    w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  }
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

fields decode_fields(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) throw error("stored run data is not a JSON object");
  fields f;
  for (const auto& m : doc.GetObject()) {
    if (!m.value.IsString()) throw error("stored run data holds a value that is not a string");
    f.emplace(std::string(m.name.GetString(), m.name.GetStringLength()),
              std::string(m.value.GetString(), m.value.GetStringLength()));
  }
  return f;
}

}  // namespace tugboat::store
