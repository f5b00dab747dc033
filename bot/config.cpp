#include "bot/config.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <toml++/toml.h>

#include "core/text.hpp"
#include "workflows/release/working_hours.hpp"
#include "slack/ids.hpp"
#include "slack/url.hpp"

namespace tugboat::bot {
namespace {

// Validation: every key the file may hold, with the function that reads it into `config`.
using reader = std::function<void(const toml::node&, config&, const std::string& where)>;

std::string where(std::string_view source, const toml::node& node, std::string_view key) {
  return fmt::format("{}:{}: {}", source, node.source().begin.line, key);
}

template <typename T>
T expect(const toml::node& node, const std::string& at, std::string_view type_name) {
  auto v = node.value<T>();
  if (!v || (std::is_same_v<T, std::int64_t> && !node.is_integer()) || (std::is_same_v<T, std::string> && !node.is_string())) {
    throw config_error(fmt::format("{} must be {}", at, type_name));
  }
  return *v;
}

std::vector<std::string> expect_argv(const toml::node& n, const std::string& at) {
  const auto* list = n.as_array();
  if (!list) throw config_error(fmt::format("{} must be a list of strings (an argv, no shell)", at));
  std::vector<std::string> argv;
  for (const auto& item : *list) {
    if (!item.is_string()) throw config_error(fmt::format("{} must be a list of strings (an argv, no shell)", at));
    argv.push_back(*item.value<std::string>());
  }
  if (!argv.empty() && argv.front().empty()) {
    throw config_error(fmt::format("{}: the program (first element) must not be empty", at));
  }
  return argv;
}

std::chrono::seconds expect_duration(const toml::node& n, const std::string& at, std::string_view example,
                                     long long min_seconds = 1) {
  auto s = expect<std::string>(n, at, fmt::format("a duration like \"{}\"", example));
  auto d = text::parse_duration(s);
  if (!d || d->count() < min_seconds) {
    throw config_error(fmt::format("{} must be a duration of at least {}s, like \"{}\"", at, min_seconds, example));
  }
  return *d;
}

std::string expect_path(const toml::node& n, const std::string& at, const std::string& base_dir, std::string_view what) {
  auto p = expect<std::string>(n, at, fmt::format("a string ({})", what));
  if (p.empty()) throw config_error(fmt::format("{} must not be empty", at));
  return std::filesystem::path(p).is_absolute() ? p : (std::filesystem::path(base_dir) / p).lexically_normal().string();
}

std::map<std::string, reader, std::less<>> section_store(std::string base_dir) {
  return {{"path", [base_dir](const toml::node& n, config& c, const std::string& at) {
             auto p = expect<std::string>(n, at, "a string (the database file)");
             if (p.empty()) throw config_error(fmt::format("{} must not be empty", at));
             c.store.path = p == ":memory:" || std::filesystem::path(p).is_absolute()
                                ? p
                                : (std::filesystem::path(base_dir) / p).lexically_normal().string();
           }}};
}

std::map<std::string, reader, std::less<>> section_slack() {
  return {{"connections",
           [](const toml::node& n, config& c, const std::string& at) {
             auto v = expect<std::int64_t>(n, at, "an integer from 1 to 10");
             if (v < 1 || v > 10) throw config_error(fmt::format("{} must be from 1 to 10 (Slack allows 10), not {}", at, v));
             c.slack.connections = static_cast<int>(v);
           }},
          {"rate_limits",
           [](const toml::node& n, config& c, const std::string& at) {
             if (!n.is_boolean()) throw config_error(fmt::format("{} must be true or false", at));
             c.slack.rate_limits = *n.value<bool>();
           }},
          {"ping_timeout", [](const toml::node& n, config& c, const std::string& at) {
             auto s = expect<std::string>(n, at, "a duration like \"20s\"");
             auto d = text::parse_duration(s);
             if (!d || d->count() < 2) throw config_error(fmt::format("{} must be a duration of at least 2s, like \"20s\"", at));
             c.slack.ping_timeout = *d;
           }}};
}

std::map<std::string, reader, std::less<>> section_log() {
  return {{"level", [](const toml::node& n, config& c, const std::string& at) {
             auto s = expect<std::string>(n, at, "one of \"debug\", \"info\", \"warn\", \"error\"");
             if (!log::parse_level(s, c.log.level)) {
               throw config_error(fmt::format("{} must be one of \"debug\", \"info\", \"warn\", \"error\", not \"{}\"", at, s));
             }
           }}};
}

std::string expect_user(const toml::node& n, const std::string& at) {
  auto v = n.value<std::string>();
  if (!n.is_string() || !v || v->empty() || (v->front() != 'U' && v->front() != 'W')) {
    throw config_error(fmt::format("{} must list Slack user IDs like \"U024BE7LH\"", at));
  }
  return *v;
}

reader user_list(std::set<std::string, std::less<>> access_rules::*member) {
  return [member](const toml::node& n, config& c, const std::string& at) {
    const auto* list = n.as_array();
    if (!list) throw config_error(fmt::format("{} must be a list of Slack user IDs", at));
    auto& out = c.access.*member;
    for (const auto& item : *list) out.insert(expect_user(item, at));
  };
}

std::map<std::string, reader, std::less<>> section_access() {
  return {{"admins", user_list(&access_rules::admins)},
          {"quickfix", user_list(&access_rules::quickfix)},
          {"release", user_list(&access_rules::release)},
          {"releasers", user_list(&access_rules::releasers)}};
}

std::map<std::string, reader, std::less<>> section_quickfix(std::string base_dir) {
  return {{"command", [](const toml::node& n, config& c, const std::string& at) { c.quickfix.command = expect_argv(n, at); }},
          {"workdir",
           [base_dir](const toml::node& n, config& c, const std::string& at) {
             auto p = expect<std::string>(n, at, "a string (a directory)");
             c.quickfix.workdir = std::filesystem::path(p).is_absolute()
                                      ? p
                                      : (std::filesystem::path(base_dir) / p).lexically_normal().string();
           }},
          {"max_parallel",
           [](const toml::node& n, config& c, const std::string& at) {
             auto v = expect<std::int64_t>(n, at, "an integer from 1 to 64");
             if (v < 1 || v > 64) throw config_error(fmt::format("{} must be from 1 to 64, not {}", at, v));
             c.quickfix.max_parallel = static_cast<int>(v);
           }},
          {"timeout", [](const toml::node& n, config& c, const std::string& at) {
             c.quickfix.timeout = expect_duration(n, at, "30m");
           }}};
}

std::map<std::string, reader, std::less<>> section_release(std::string base_dir) {
  auto& dir = base_dir;
  return {{"repo", [dir](const toml::node& n, config& c, const std::string& at) {
             // "" leaves releases off.
             c.release.repo = expect<std::string>(n, at, "a string (the repository's directory)").empty()
                                  ? std::string{}
                                  : expect_path(n, at, dir, "the repository's directory");
           }},
          {"tag_pattern",
           [](const toml::node& n, config& c, const std::string& at) {
             c.release.tag_pattern = expect<std::string>(n, at, "a string (a glob such as \"v*\")");
             if (c.release.tag_pattern.empty()) throw config_error(fmt::format("{} must not be empty", at));
           }},
          {"qa_junit",
           [](const toml::node& n, config& c, const std::string& at) {
             c.release.qa_junit.clear();
             if (n.is_string()) {
               c.release.qa_junit.push_back(*n.value<std::string>());
               return;
             }
             const auto* list = n.as_array();
             if (!list) throw config_error(fmt::format("{} must be a glob or a list of globs", at));
             for (const auto& item : *list) c.release.qa_junit.push_back(expect<std::string>(item, at, "a list of globs"));
           }},
          {"qa_command", [](const toml::node& n, config& c, const std::string& at) { c.release.qa_command = expect_argv(n, at); }},
          {"release_command",
           [](const toml::node& n, config& c, const std::string& at) { c.release.release_command = expect_argv(n, at); }},
          {"manager",
           [](const toml::node& n, config& c, const std::string& at) {
             c.release.manager = expect<std::string>(n, at, "a Slack user ID").empty() ? std::string{} : expect_user(n, at);
           }},
          {"commit_url",
           [](const toml::node& n, config& c, const std::string& at) {
             c.release.commit_url = expect<std::string>(n, at, "a URL such as \"https://github.com/acme/app/commit/{sha}\"");
             if (!c.release.commit_url.empty() && !c.release.commit_url.starts_with("https://") &&
                 !c.release.commit_url.starts_with("http://")) {
               throw config_error(fmt::format("{} must be an http(s) URL, with {{sha}} where the commit goes", at));
             }
           }},
          {"recheck_every",
           [](const toml::node& n, config& c, const std::string& at) { c.release.recheck_every = expect_duration(n, at, "1h", 10); }},
          {"qa_timeout", [](const toml::node& n, config& c, const std::string& at) { c.release.qa_timeout = expect_duration(n, at, "1h"); }},
          {"release_timeout",
           [](const toml::node& n, config& c, const std::string& at) { c.release.release_timeout = expect_duration(n, at, "1h"); }},
          {"work_dir", [dir](const toml::node& n, config& c, const std::string& at) {
             c.release.work_dir = expect_path(n, at, dir, "a directory");
           }}};
}

std::map<std::string, reader, std::less<>> section_reminders() {
  return {{"every", [](const toml::node& n, config& c, const std::string& at) { c.release.reminders.every = expect_duration(n, at, "4h"); }},
          {"working_hours",
           [](const toml::node& n, config& c, const std::string& at) {
             auto v = expect<std::string>(n, at, "a string like \"09:00-18:00\"");
             try {
               workflows::parse_working_hours(v);
             } catch (const std::invalid_argument& e) {
               throw config_error(fmt::format("{}: {}", at, e.what()));
             }
             c.release.reminders.working_hours = v;
           }},
          {"working_days",
           [](const toml::node& n, config& c, const std::string& at) {
             auto v = expect<std::string>(n, at, "a string like \"Mon-Fri\"");
             try {
               workflows::parse_working_days(v);
             } catch (const std::invalid_argument& e) {
               throw config_error(fmt::format("{}: {}", at, e.what()));
             }
             c.release.reminders.working_days = v;
           }},
          {"via",
           [](const toml::node& n, config& c, const std::string& at) {
             auto v = expect<std::string>(n, at, "\"thread\" or \"dm\"");
             if (v != "thread" && v != "dm") throw config_error(fmt::format("{} must be \"thread\" or \"dm\", not \"{}\"", at, v));
             c.release.reminders.via_dm = v == "dm";
           }},
          {"escalate_after", [](const toml::node& n, config& c, const std::string& at) {
             auto v = expect<std::int64_t>(n, at, "an integer from 0 (never) to 100");
             if (v < 0 || v > 100) throw config_error(fmt::format("{} must be from 0 (never) to 100, not {}", at, v));
             c.release.reminders.escalate_after = static_cast<int>(v);
           }}};
}

// One [owners] entry: `"alice@example.com" = "U0ALICE"` or `"@alice" = "U0ALICE"`.
void read_owner(std::string_view key, const toml::node& n, config& c, const std::string& at) {
  const bool handle = key.size() > 1 && key.front() == '@';
  const bool email = !handle && key.find('@') != std::string_view::npos && key.front() != '@' && key.back() != '@';
  if (!handle && !email) throw config_error(fmt::format("{}: the key must be an email or an @handle", at));
  auto user = n.value<std::string>();
  if (!n.is_string() || !user || !slack::looks_like_user_id(*user)) {
    throw config_error(fmt::format("{} must be a Slack user ID like \"U024BE7LH\"", at));
  }
  auto [it, added] = c.owners.emplace(text::to_lower(key), *user);
  if (!added && it->second != *user) {
    throw config_error(fmt::format("{}: {} is already mapped to {} (keys match case-insensitively)", at, it->first, it->second));
  }
}

}  // namespace

config parse_config(std::string_view text, std::string_view source, std::string_view base_dir) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    throw config_error(fmt::format("{}:{}: {}", source, e.source().begin.line, e.description()));
  }
  const std::map<std::string, std::map<std::string, reader, std::less<>>, std::less<>> sections = {
      {"store", section_store(std::string(base_dir))},
      {"slack", section_slack()},
      {"log", section_log()},
      {"access", section_access()},
      {"quickfix", section_quickfix(std::string(base_dir))},
      {"release", section_release(std::string(base_dir))},
      {"reminders", section_reminders()},
  };
  config c;
  c.source = source;
  c.quickfix.workdir = std::string(base_dir);
  for (const auto& [name, node] : root) {
    const std::string section_name(name.str());
    auto section = sections.find(section_name);
    if (section == sections.end() && section_name != "owners") {
      throw config_error(fmt::format("{}: unknown section [{}] (known: store, slack, log, access, quickfix, release, reminders, owners)",
                                     where(source, node, section_name), section_name));
    }
    const auto* table = node.as_table();
    if (!table) throw config_error(fmt::format("{} must be a table ([{}])", where(source, node, section_name), section_name));
    if (section_name == "owners") {  // free-form keys: one per person
      for (const auto& [key, value] : *table) {
        read_owner(key.str(), value, c, where(source, value, "owners." + std::string(key.str())));
      }
      continue;
    }
    for (const auto& [key, value] : *table) {
      const std::string key_name(key.str());
      const auto full = section_name + "." + key_name;
      auto r = section->second.find(key_name);
      if (r == section->second.end()) throw config_error(fmt::format("{}: unknown key", where(source, value, full)));
      r->second(value, c, where(source, value, full));
    }
  }
  if (c.store.path.empty()) throw config_error(fmt::format("{}: [store] path is required", source));
  if (c.release.work_dir.empty()) {
    c.release.work_dir = c.store.path == ":memory:"
                             ? (std::filesystem::temp_directory_path() / "tugboat-release-work").string()
                             : (std::filesystem::path(c.store.path).parent_path() / "release-work").string();
  }
  return c;
}

config load_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw config_error(fmt::format("cannot read the config file {}", path));
  std::stringstream buf;
  buf << in.rdbuf();
  auto dir = std::filesystem::absolute(path).parent_path().string();
  return parse_config(buf.str(), path, dir);
}

tokens read_tokens() {
  auto get = [](const char* name, std::string_view prefix, std::string_view kind) {
    const char* v = std::getenv(name);
    if (!v || !*v) {
      throw config_error(fmt::format("{} is not set: export the {} ({}…) from your Slack app's settings", name, kind, prefix));
    }
    std::string value(v);
    log::add_secret(value);
    if (!value.starts_with(prefix) || value.size() < prefix.size() + 8 ||
        value.find_first_of(" \t\r\n") != std::string::npos) {
      throw config_error(fmt::format("{} does not look like a {} (it should start with {})", name, kind, prefix));
    }
    return value;
  };
  return {get("SLACK_APP_TOKEN", "xapp-", "app-level token"), get("SLACK_BOT_TOKEN", "xoxb-", "bot token")};
}

std::string api_base_url() {
  const char* v = std::getenv("SLACK_API_URL");
  std::string base = v && *v ? v : "https://slack.com/api/";
  auto parsed = slack::parse_url(base);
  if (!parsed || (parsed->scheme != "http" && parsed->scheme != "https")) {
    throw config_error(fmt::format("SLACK_API_URL is not an http(s) URL: {}", base));
  }
  if (!base.ends_with('/')) base += '/';
  return base;
}

}  // namespace tugboat::bot
