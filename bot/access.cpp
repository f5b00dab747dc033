#include "bot/access.hpp"

namespace tugboat::bot {

std::string_view to_string(action a) {
  switch (a) {
    case action::quickfix: return "quickfix";
    case action::release: return "release";
    case action::cancel_others: return "cancel_others";
  }
  return "?";
}

bool access_rules::allows(const slack::user_id& u, action a) const {
  if (is_admin(u)) return true;
  switch (a) {
    case action::quickfix: return quickfix.empty() || quickfix.contains(u.str());
    case action::release: return release.empty() || release.contains(u.str());
    case action::cancel_others: return false;
  }
  return false;
}

std::string access_rules::refusal(action a) const {
  switch (a) {
    case action::quickfix: return "You are not on the list of people who may request quick fixes ([access] quickfix). Ask a Tugboat admin.";
    case action::release: return "You are not on the list of people who may start releases ([access] release). Ask a Tugboat admin.";
    case action::cancel_others: return "Only the person who started a run, or a Tugboat admin ([access] admins), may cancel it.";
  }
  return "You may not do that.";
}

}  // namespace tugboat::bot
