#include "workflows/engine/workflow.hpp"

namespace tugboat::workflows {

std::string_view to_string(event_kind k) {
  switch (k) {
    case event_kind::start: return "start";
    case event_kind::admit: return "admit";
    case event_kind::job_finished: return "job_finished";
    case event_kind::interrupted: return "interrupted";
    case event_kind::timer: return "timer";
    case event_kind::button: return "button";
    case event_kind::command: return "command";
    case event_kind::cancel: return "cancel";
  }
  return "?";
}

bool has_role(const event& e, std::string_view role) {
  for (const auto& r : e.roles) {
    if (r == role) return true;
  }
  return false;
}

decision& decision::post(std::string text, std::vector<slack::block> blocks, std::string slot) {
  message_effect m;
  m.what = message_effect::kind::post;
  m.text = std::move(text);
  m.blocks = std::move(blocks);
  m.slot = std::move(slot);
  messages.push_back(std::move(m));
  return *this;
}

decision& decision::update(std::string slot, std::string text, std::vector<slack::block> blocks) {
  message_effect m;
  m.what = message_effect::kind::update;
  m.slot = std::move(slot);
  m.text = std::move(text);
  m.blocks = std::move(blocks);
  messages.push_back(std::move(m));
  return *this;
}

decision& decision::ephemeral(slack::user_id user, std::string text) {
  message_effect m;
  m.what = message_effect::kind::ephemeral;
  m.user = std::move(user);
  m.text = std::move(text);
  messages.push_back(std::move(m));
  return *this;
}

decision& decision::react(slack::message_ts target, std::string emoji) {
  message_effect m;
  m.what = message_effect::kind::reaction;
  m.target = std::move(target);
  m.text = std::move(emoji);
  messages.push_back(std::move(m));
  return *this;
}

decision& decision::set_timer(std::string name, sys_time due) {
  timers.push_back({std::move(name), due});
  return *this;
}

decision& decision::cancel_timer(std::string name) {
  timers.push_back({std::move(name), std::nullopt});
  return *this;
}

decision& decision::start_job(std::string name, store::job_spec spec) {
  jobs.push_back({std::move(name), std::move(spec), false});
  return *this;
}

decision& decision::kill_job(std::string name) {
  jobs.push_back({std::move(name), {}, true});
  return *this;
}

decision& decision::move_to(std::string new_state, std::string why) {
  state = std::move(new_state);
  if (!why.empty()) note = std::move(why);
  return *this;
}

decision& decision::finish(std::string final_state, std::string why) {
  finished = true;
  return move_to(std::move(final_state), std::move(why));
}

}  // namespace tugboat::workflows
