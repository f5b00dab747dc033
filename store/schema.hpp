#pragma once
// The schema as an ordered list of migrations. Migration N brings the database from version N-1 to N;
// a released migration is never edited, only followed by a new one.
#include <span>
#include <string_view>

namespace tugboat::store {

std::span<const std::string_view> migrations();

}  // namespace tugboat::store
