#include "workflows/release/tasks.hpp"

#include <fmt/format.h>
#include <glob.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <stdexcept>

#include "core/text.hpp"
#include "store/fields.hpp"
#include "workflows/ownership/git.hpp"
#include "workflows/triage.hpp"

namespace tugboat::workflows::release {
namespace {

namespace fs = std::filesystem;

std::string get(const store::fields& f, std::string_view key) {
  auto it = f.find(key);
  return it == f.end() ? std::string{} : it->second;
}

store::job_result ok_with(std::string output) {
  store::job_result r;
  r.exit_code = 0;
  r.output = std::move(output);
  return r;
}

}  // namespace

std::string next_version(const std::string& tag) {
  auto first = std::find_if(tag.begin(), tag.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  if (first == tag.end()) throw std::runtime_error(fmt::format("the tag '{}' holds no version number", tag));
  std::string version(first, tag.end());
  // The last run of digits goes up by one.
  auto end = version.size();
  while (end > 0 && !std::isdigit(static_cast<unsigned char>(version[end - 1]))) --end;
  version.resize(end);
  auto begin = end;
  while (begin > 0 && std::isdigit(static_cast<unsigned char>(version[begin - 1]))) --begin;
  const auto number = std::stoull(version.substr(begin, end - begin));
  return version.substr(0, begin) + std::to_string(number + 1);
}

std::vector<std::string> expand_reports(const std::vector<std::string>& patterns, const std::string& base_dir) {
  std::vector<std::string> files;
  for (const auto& raw : patterns) {
    const auto p = raw.starts_with('/') || base_dir.empty() ? raw : base_dir + "/" + raw;
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        if (it->is_regular_file(ec) && it->path().extension() == ".xml") found.push_back(it->path().string());
      }
      std::sort(found.begin(), found.end());
      if (found.empty()) throw std::runtime_error(fmt::format("no JUnit report (*.xml) in {}", p));
      files.insert(files.end(), found.begin(), found.end());
      continue;
    }
    if (p.find_first_of("*?[") == std::string::npos) {
      if (!fs::exists(p, ec)) throw std::runtime_error(fmt::format("the QA report {} does not exist", p));
      files.push_back(p);
      continue;
    }
    glob_t g{};
    const int rc = ::glob(p.c_str(), 0, nullptr, &g);
    if (rc == 0) {
      for (std::size_t i = 0; i < g.gl_pathc; ++i) files.emplace_back(g.gl_pathv[i]);
    }
    ::globfree(&g);
    if (rc == GLOB_NOMATCH) throw std::runtime_error(fmt::format("no QA report matches {}", p));
    if (rc != 0) throw std::runtime_error(fmt::format("cannot list {}", p));
  }
  return files;
}

store::job_result prepare_task(const store::job_row& job) {
  const auto in = store::decode_fields(job.spec.input);
  ownership::git_repo repo(get(in, "repo"));
  const auto head = repo.resolve("HEAD");
  const auto pattern = get(in, "tag_pattern");
  auto tag = repo.newest_tag(head, pattern);
  if (!tag) {
    throw std::runtime_error(fmt::format("no tag matching '{}' is reachable from HEAD in {}: tag the last release first",
                                         pattern, repo.top()));
  }
  store::fields out;
  out["base"] = *tag;
  out["base_sha"] = repo.resolve(*tag);
  out["head_sha"] = head;
  out["commits"] = std::to_string(repo.count_commits(out["base_sha"], head));
  auto version = get(in, "version");
  out["version"] = version.empty() ? next_version(*tag) : version;
  return ok_with(store::encode_fields(out));
}

store::job_result triage_task(const store::job_row& job) {
  const auto in = store::decode_fields(job.spec.input);
  triage_request request;
  request.repo = get(in, "repo");
  request.junit = expand_reports(text::split_lines(get(in, "junit")), request.repo);
  if (auto base = get(in, "base"), head = get(in, "head"); !base.empty() && !head.empty()) {
    request.range = base + ".." + head;
  }
  for (const auto& id : text::split_lines(get(in, "previous"))) {
    auto sep = id.find("::");
    qa::test_result t;
    t.classname = sep == std::string::npos ? std::string{} : id.substr(0, sep);
    t.name = sep == std::string::npos ? id : id.substr(sep + 2);
    t.result = qa::outcome::failed;
    request.previous_results.push_back(std::move(t));
  }
  // One release's blames at a time get the machine's cores; several releases share them.
  request.parallelism = 2;
  request.strict_reports = true;  // half a report must not pass a release
  auto report = triage(request);
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("report");
  auto schema = to_json(report);
  w.RawValue(schema.data(), schema.size(), rapidjson::kObjectType);
  w.Key("warnings");
  w.StartArray();
  for (const auto& warning : report.warnings) w.String(warning.data(), static_cast<rapidjson::SizeType>(warning.size()));
  w.EndArray();
  w.EndObject();
  return ok_with(std::string(buf.GetString(), buf.GetSize()));
}

}  // namespace tugboat::workflows::release
