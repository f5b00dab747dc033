#pragma once
// Access control from `[access]`: who may use which workflow and command. A list left empty means
// everyone (except `admins`, which is nobody). Admins may do everything, including cancelling anyone's
// run. Pure, any thread.
#include <set>
#include <string>
#include <string_view>

#include "slack/ids.hpp"

namespace tugboat::bot {

enum class action { quickfix, release, cancel_others };
std::string_view to_string(action a);

struct access_rules {
  std::set<std::string, std::less<>> admins;
  std::set<std::string, std::less<>> quickfix;
  std::set<std::string, std::less<>> release;
  std::set<std::string, std::less<>> releasers;  // who may press Release (empty: admins only)

  bool is_admin(const slack::user_id& u) const { return admins.contains(u.str()); }
  // Who may press Release: `releasers`, or (left empty) whoever may start a release.
  bool is_releaser(const slack::user_id& u) const {
    return releasers.empty() ? allows(u, action::release) : releasers.contains(u.str()) || is_admin(u);
  }
  bool allows(const slack::user_id& u, action a) const;
  // One sentence for a refused user.
  std::string refusal(action a) const;
};

}  // namespace tugboat::bot
