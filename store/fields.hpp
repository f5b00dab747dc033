#pragma once
// A flat string map, the shape a run's data takes, and its JSON text form in the store. Any thread.
#include <map>
#include <string>
#include <string_view>

namespace tugboat::store {

using fields = std::map<std::string, std::string, std::less<>>;

std::string encode_fields(const fields& f);
// Throws store::error for text that is not a JSON object of strings.
fields decode_fields(std::string_view json);

}  // namespace tugboat::store
