#include "workflows/quickfix/quickfix.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>

#include "core/text.hpp"

namespace tugboat::workflows {
namespace {

using std::chrono::milliseconds;

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

std::string quote(std::string_view original) {
  const auto text = text::escape_mrkdwn(original);
  std::string out = "> ";
  for (char c : text) {
    out += c;
    if (c == '\n') out += "> ";
  }
  return out;
}

std::vector<slack::block> attention_blocks(const run& r, std::string_view why) {
  slack::section_block s;
  s.text = fmt::format("*{}* needs attention: {}. The request was:\n{}", r.name, why, quote(r.data.at("text")));
  slack::actions_block a;
  a.elements.push_back({"Run again", std::string(kQuickfixRerun), r.name, slack::button_style::primary});
  a.elements.push_back({"Dismiss", std::string(kQuickfixDismiss), r.name, slack::button_style::plain});
  return {s, a};
}

std::string result_text(const run& r, const store::job_result& j, std::string_view state, std::size_t lines) {
  const auto took = j.duration_ms < 10'000
                        ? fmt::format("{:.1f}s", static_cast<double>(j.duration_ms) / 1000.0)
                        : text::format_duration(std::chrono::duration_cast<std::chrono::seconds>(milliseconds{j.duration_ms}));
  std::string head;
  if (state == "done") {
    head = fmt::format(":white_check_mark: *{}* done in {} (exit 0).", r.name, took);
  } else if (state == "timed_out") {
    head = fmt::format(":hourglass: *{}* timed out after {} and was stopped.", r.name, took);
  } else if (state == "cancelled") {
    head = fmt::format(":no_entry_sign: *{}* was cancelled{} after {}.", r.name,
                       r.data.contains("cancelled_by") ? fmt::format(" by <@{}>", r.data.at("cancelled_by")) : "",
                       took);
  } else if (j.spawn_failed) {
    head = fmt::format(":x: *{}* could not start the command: {}", r.name, j.error);
  } else if (j.term_signal != 0) {
    head = fmt::format(":x: *{}* failed: the command was killed by signal {} after {}.", r.name, j.term_signal, took);
  } else {
    head = fmt::format(":x: *{}* failed: the command exited with status {} after {}.", r.name, j.exit_code, took);
  }
  auto tail = text::escape_mrkdwn(text::tail_lines(text::clean_utf8(j.output), lines));
  if (!tail.empty()) head += fmt::format("\n```\n{}\n```", tail);
  auto links = find_links(j.output);
  if (!links.empty()) head += fmt::format("\nLinks: {}", fmt::join(links, " "));
  return head;
}

}  // namespace

std::vector<std::string> find_links(std::string_view text, std::size_t max) {
  std::vector<std::string> links;
  std::size_t pos = 0;
  while (links.size() < max) {
    auto http = text.find("http", pos);
    if (http == std::string_view::npos) break;
    auto rest = text.substr(http);
    if (!rest.starts_with("http://") && !rest.starts_with("https://")) {
      pos = http + 4;
      continue;
    }
    auto end = http;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) && text[end] != '"' &&
           text[end] != '\'' && text[end] != '<' && text[end] != '>' && text[end] != '`') {
      ++end;
    }
    auto link = std::string(text.substr(http, end - http));
    while (!link.empty() && (link.back() == '.' || link.back() == ',' || link.back() == ')')) link.pop_back();
    if (std::find(links.begin(), links.end(), link) == links.end()) links.push_back(link);
    pos = end;
  }
  return links;
}

store::job_spec quickfix_workflow::job_for(const run& r) const {
  store::job_spec spec;
  const auto& request = r.data.at("text");
  for (const auto& arg : settings_.command) {
    auto a = replace_all(arg, "{text}", request);
    a = replace_all(a, "{user}", r.requester.str());
    spec.argv.push_back(replace_all(a, "{run}", r.name));
  }
  spec.cwd = settings_.workdir;
  spec.env = {{"TUGBOAT_REQUEST", request}, {"TUGBOAT_USER", r.requester.str()}, {"TUGBOAT_RUN", r.name}};
  spec.timeout_ms = std::chrono::duration_cast<milliseconds>(settings_.timeout).count();
  return spec;
}

decision quickfix_workflow::decide(const run& r, const event& e, sys_time /*now*/) const {
  auto d = decision::keep(r);
  switch (e.kind) {
    case event_kind::start:
      if (settings_.command.empty()) {
        return d.post("Quick fixes are not set up on this Tugboat (`[quickfix] command` is empty), so I can't run this.")
            .finish("failed", "quick fixes are not configured");
      }
      if (e.queue_ahead > 0 || !e.slot_free) {
        d.post(fmt::format(":hourglass_flowing_sand: *{}* is queued: {} ahead of it. I'll say here when it starts.",
                           r.name, e.queue_ahead));
      }
      return d;
    case event_kind::admit:
      return d.post(fmt::format(":arrow_forward: *{}* is running. `cancel {}` stops it.", r.name, r.name))
          .start_job("command", job_for(r))
          .move_to("running", "a slot was free");
    case event_kind::job_finished: {
      if (r.finished || !e.job) return d;
      const auto& j = *e.job;
      const bool cancelled = j.cancelled || (r.data.contains("cancelling") && !j.ok());
      std::string state = j.ok() ? "done" : j.timed_out ? "timed_out" : cancelled ? "cancelled" : "failed";
      return d.post(result_text(r, j, state, settings_.output_lines)).finish(state, j.describe());
    }
    case event_kind::interrupted:
      if (r.finished) return d;
      d.messages.push_back({.what = message_effect::kind::post,
                            .text = fmt::format("{} needs attention: Tugboat restarted while it was running.", r.name),
                            .blocks = attention_blocks(r, "Tugboat restarted while it was running, so I did not "
                                                          "run it again on my own")});
      return d.move_to("needs_attention", "interrupted by a restart");
    case event_kind::button:
      if (e.name == kQuickfixRerun && r.state == "needs_attention") {
        return d.post(fmt::format("<@{}> asked to run *{}* again.", e.by, r.name)).move_to("queued", "run again");
      }
      if (e.name == kQuickfixDismiss && r.state == "needs_attention") {
        d.data["cancelled_by"] = e.by.str();
        return d.post(fmt::format("<@{}> dismissed *{}*.", e.by, r.name)).finish("cancelled", "dismissed");
      }
      if (e.name == kQuickfixCancel) return decide(r, {.kind = event_kind::cancel, .by = e.by}, {});
      return d.ephemeral(e.by, fmt::format("{} is {} now; that button no longer applies.", r.name, r.state));
    case event_kind::cancel:
      if (r.finished) return d.ephemeral(e.by, fmt::format("{} already ended ({}).", r.name, r.state));
      d.data["cancelled_by"] = e.by.str();
      if (r.state == "running") {
        // The result (killed) arrives as job_finished and ends the run as cancelled.
        d.data["cancelling"] = "1";
        return d.post(fmt::format("Stopping *{}* for <@{}>…", r.name, e.by)).kill_job("command");
      }
      return d.post(fmt::format(":no_entry_sign: *{}* was cancelled by <@{}>.", r.name, e.by))
          .finish("cancelled", "cancelled before it ran");
    case event_kind::timer:
    case event_kind::command:
      return d;
  }
  return d;
}

}  // namespace tugboat::workflows
