#include "workflows/release/messages.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/text.hpp"

namespace tugboat::workflows::release {
namespace {

std::string get(const store::fields& data, std::string_view key) {
  auto it = data.find(key);
  return it == data.end() ? std::string{} : it->second;
}

std::string esc(std::string_view s) { return text::escape_mrkdwn(text::clean_utf8(s)); }

std::string step_line(const std::string& state, const release_items& s) {
  int total = 0, open = 0;
  for (const auto& i : s.items) {
    if (i.cls != "new") continue;
    ++total;
    if (!i.closed()) ++open;
  }
  if (state == "requested") return "finding the version and the commit range…";
  if (state == "qa_running") return "running the QA command…";
  if (state == "qa_review") return "reading the QA results…";
  if (state == "ownership") return "finding who owns the new failures…";
  if (state == "awaiting_fixes") return fmt::format("waiting for fixes: {} of {} new failures open", open, total);
  if (state == "ready") return "QA is clear: waiting for a releaser to press *Release*";
  if (state == "releasing") return "running the release command…";
  if (state == "released") return ":rocket: released";
  if (state == "release_failed") return ":x: the release command failed (see the thread)";
  if (state == "needs_attention") return ":warning: needs attention (see the thread)";
  if (state == "cancelled") return ":no_entry_sign: cancelled";
  if (state == "failed") return ":x: could not start";
  return state;
}

std::string owner_mention(const item& i) {
  if (!i.owner.empty()) return fmt::format("<@{}>", i.owner);
  return "nobody";
}

// A text section. Out of line: GCC 12 at -O2 inlines the variant's move into vector::push_back and then
// warns (-Wmaybe-uninitialized) about the optional accessory it cannot see is set.
[[gnu::noinline]] void add_section(std::vector<slack::block>& blocks, std::string text) {
  blocks.emplace_back(std::in_place_type<slack::section_block>, std::move(text), std::nullopt, std::string{});
}

}  // namespace

std::string test_label(const item& i) {
  return i.classname.empty() ? esc(i.name) : fmt::format("{}::{}", esc(i.classname), esc(i.name));
}

std::string evidence_text(const evidence_line& e, const std::string& commit_url) {
  std::string where = e.file.empty() ? std::string{} : e.line > 0 ? fmt::format("{}:{}", e.file, e.line) : e.file;
  if (e.commit.empty()) {
    // CODEOWNERS evidence: the rule is the evidence.
    return fmt::format("CODEOWNERS rule ({})", esc(where));
  }
  std::string sha = fmt::format("`{}`", e.short_sha.empty() ? e.commit.substr(0, 7) : e.short_sha);
  if (!commit_url.empty()) {
    auto url = commit_url;
    if (auto pos = url.find("{sha}"); pos != std::string::npos) {
      url.replace(pos, 5, e.commit);
    } else {
      url += e.commit;
    }
    sha = fmt::format("<{}|{}>", url, e.short_sha.empty() ? e.commit.substr(0, 7) : e.short_sha);
  }
  auto out = fmt::format("{} {}", sha, esc(e.subject));
  if (!where.empty()) out += fmt::format(" ({})", esc(where));
  return out;
}

rendered status_message(const run& r, const std::string& state, const store::fields& data, const release_items& s) {
  auto version = get(data, "version");
  rendered m;
  m.text = fmt::format("Release {} ({}): {}", version.empty() ? "(version to be found)" : version, r.name,
                       step_line(state, s));
  std::string body = fmt::format(":ship: *Release {}* · {} · requested by <@{}>",
                                 version.empty() ? "_(version to be found)_" : esc(version), r.name, r.requester);
  if (auto base = get(data, "base"); !base.empty()) {
    body += fmt::format("\nRange `{}..{}` ({} commits)", esc(base), get(data, "head_sha").substr(0, 7),
                        get(data, "commits"));
  }
  body += fmt::format("\n*Step:* {}", step_line(state, s));
  if (auto qa = get(data, "qa_line"); !qa.empty()) body += "\n" + qa;
  add_section(m.blocks, body);
  return m;
}

rendered qa_summary(const run& r, const qa_outcome& qa, const release_items& s, const std::vector<int>& added,
                    int round, int now_passing) {
  auto list = [&](const std::string& cls) {
    std::vector<std::string> names;
    for (int id : added) {
      if (const auto* i = s.find(id); i && i->cls == cls) names.push_back(test_label(*i));
    }
    return names;
  };
  auto news = list("new"), pre = list("pre_existing"), flaky = list("flaky");
  std::string body;
  if (round == 1) {
    body = fmt::format("*QA review* for {}: {} tests, {} passed, {} failed ({} new, {} pre-existing), {} flaky, {} skipped.",
                       r.name, qa.tests, qa.passed, qa.failed, qa.new_failures, qa.pre_existing, qa.flaky, qa.skipped);
  } else {
    body = fmt::format("*Recheck* (QA round {}) for {}: {} tests, {} failed, {} flaky. {} item(s) pass now; {} new "
                       "failure(s).",
                       round, r.name, qa.tests, qa.failed, qa.flaky, now_passing, news.size() + pre.size() + flaky.size());
  }
  auto section = [&](std::string_view title, const std::vector<std::string>& names) {
    if (names.empty()) return;
    body += fmt::format("\n*{}* ({}):", title, names.size());
    std::size_t shown = 0;
    for (const auto& n : names) {
      if (++shown > 25) {
        body += fmt::format("\n• … and {} more", names.size() - 25);
        break;
      }
      body += "\n• " + n;
    }
  };
  section("New failures", news);
  section("Pre-existing failures", pre);
  section("Flaky", flaky);
  for (const auto& w : qa.warnings) body += fmt::format("\n:warning: {}", esc(w));
  if (round == 1 && qa.failures.empty()) body += "\nNo failures: QA is clear.";
  rendered m;
  m.text = fmt::format("QA review for {}: {} new, {} pre-existing, {} flaky", r.name, qa.new_failures, qa.pre_existing,
                       qa.flaky);
  add_section(m.blocks, body);
  return m;
}

rendered owner_tag(const run& r, const release_settings& cfg, const std::string& user,
                   const std::vector<const item*>& items, bool handed_over) {
  rendered m;
  const auto who = user.empty() ? std::string("Nobody could be found for") : fmt::format("<@{}>", user);
  const auto intro = handed_over ? fmt::format("{}, this was handed to you:", who)
                     : user.empty() ? fmt::format("{} these new failures in {}:", who, r.name)
                                    : fmt::format("{}, {} new failure{} in {} look{} like yours:", who, items.size(),
                                                  items.size() == 1 ? "" : "s", r.name, items.size() == 1 ? "s" : "");
  m.text = intro;
  add_section(m.blocks, intro);
  for (const auto* i : items) {
    std::string body = fmt::format("*{}*", test_label(*i));
    if (!i->message.empty()) body += fmt::format("\n> {}", esc(i->message.substr(0, 300)));
    // One line per commit (the strongest signal comes first), at most three.
    std::vector<std::string> shown;
    for (const auto& e : i->evidence) {
      const auto id = e.commit.empty() ? e.file : e.commit;
      if (shown.size() == 3 || std::find(shown.begin(), shown.end(), id) != shown.end()) continue;
      shown.push_back(id);
      body += "\n• " + evidence_text(e, cfg.commit_url);
    }
    if (!i->confidence.empty()) body += fmt::format("\n_confidence: {}_", i->confidence);
    if (!i->note.empty()) body += fmt::format("\n_{}_", i->note);
    if (i->state == "on_it") body += fmt::format("\n:hammer_and_wrench: <@{}> is on it", i->by);
    if (i->state == "fixed") body += fmt::format("\n:white_check_mark: fixed (<@{}>)", i->by);
    if (i->state == "passing") body += "\n:white_check_mark: passes now";
    if (i->owner != user && !i->closed()) body += fmt::format("\n:arrow_right: now with {}", owner_mention(*i));
    add_section(m.blocks, body);
    if (!i->closed() && i->owner == user) {
      const auto value = fmt::format("{}|{}", r.name, i->id);
      slack::actions_block a;
      if (i->state != "on_it") a.elements.push_back({"On it", std::string(kReleaseOnIt), value, slack::button_style::plain});
      a.elements.push_back({"Fixed", std::string(kReleaseFixed), value, slack::button_style::primary});
      a.elements.push_back({"Not mine", std::string(kReleaseNotMine), value, slack::button_style::plain});
      m.blocks.push_back(std::move(a));
    }
  }
  return m;
}

rendered known_failures(const run& r, const release_settings& cfg, const std::vector<const item*>& pre_existing,
                        const std::vector<const item*>& flaky) {
  (void)cfg;
  std::string body;
  if (!pre_existing.empty()) {
    body += fmt::format("*Pre-existing failures* in {} (they failed in the previous release too; nobody is pinged):",
                        r.name);
    for (const auto* i : pre_existing) body += "\n• " + test_label(*i);
  }
  if (!flaky.empty()) {
    if (!body.empty()) body += "\n";
    body += "*Flaky tests* (failed, then passed on a rerun):";
    for (const auto* i : flaky) {
      body += "\n• " + test_label(*i);
      if (!i->owner.empty()) body += fmt::format(" — CODEOWNERS: <@{}>", i->owner);
    }
  }
  return {body, {slack::section_block{body, std::nullopt, {}}}};
}

rendered reminder(const run& r, const std::string& user, const std::vector<const item*>& open, int count,
                  const std::string& escalate_to, bool in_dm) {
  std::string body = fmt::format(":alarm_clock: <@{}>, reminder {} for {}: {} open item{} waiting on you:", user, count,
                                 r.name, open.size(), open.size() == 1 ? "" : "s");
  for (const auto* i : open) {
    body += "\n• " + test_label(*i) + (i->state == "on_it" ? " (on it)" : "");
  }
  if (!escalate_to.empty()) {
    body += fmt::format("\n:rotating_light: <@{}>, escalating: <@{}> has been reminded {} times.", escalate_to, user, count);
  }
  if (in_dm) body += fmt::format("\n_The buttons are in the thread of {} in <#{}>._", r.name, r.channel);
  return {body, {slack::section_block{body, std::nullopt, {}}}};
}

rendered ready_message(const run& r, const release_items& s, bool with_button, const std::string& started_by) {
  int fixed = 0, passing = 0;
  for (const auto& i : s.items) {
    if (i.cls != "new") continue;
    if (i.state == "fixed") ++fixed;
    if (i.state == "passing") ++passing;
  }
  std::string body = fmt::format(":white_check_mark: *QA is clear* for {}: {} new failure{} closed ({} fixed, {} passing "
                                 "on recheck).",
                                 r.name, fixed + passing, fixed + passing == 1 ? "" : "s", fixed, passing);
  if (with_button) body += " A releaser can ship it now.";
  if (!started_by.empty()) body += fmt::format("\n:arrow_forward: Release started by <@{}>.", started_by);
  rendered m{body, {slack::section_block{body, std::nullopt, {}}}};
  if (with_button) {
    slack::actions_block a;
    a.elements.push_back({"Release", std::string(kReleaseShip), r.name, slack::button_style::primary});
    m.blocks.push_back(std::move(a));
  }
  return m;
}

rendered failure_notice(const run& r, const std::string& what, const std::string& details,
                        const std::string& button_label) {
  std::string body = fmt::format(":x: *{}*: {}", r.name, what);
  if (!details.empty()) body += fmt::format("\n```\n{}\n```", esc(details));
  rendered m{body, {slack::section_block{body, std::nullopt, {}}}};
  if (!button_label.empty()) {
    slack::actions_block a;
    a.elements.push_back({button_label, std::string(kReleaseRetry), r.name, slack::button_style::primary});
    m.blocks.push_back(std::move(a));
  }
  return m;
}

}  // namespace tugboat::workflows::release
