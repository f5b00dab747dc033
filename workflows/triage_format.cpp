// JSON (the public schema of docs/triage.md) and the terminal table for a triage_report.
#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "workflows/triage.hpp"

namespace tugboat::workflows {
namespace {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

void string_or_null(json_writer& w, const std::string& s) {
  if (s.empty()) {
    w.Null();
  } else {
    w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  }
}

void key(json_writer& w, const char* k) { w.Key(k); }

void write_evidence(json_writer& w, const evidence_item& e) {
  w.StartObject();
  key(w, "commit"), string_or_null(w, e.commit);
  key(w, "short"), string_or_null(w, e.short_sha);
  key(w, "subject"), string_or_null(w, e.subject);
  key(w, "author"), string_or_null(w, e.author);
  key(w, "email"), string_or_null(w, e.email);
  key(w, "date"), string_or_null(w, e.date);
  key(w, "file"), string_or_null(w, e.file);
  key(w, "line");
  if (e.line > 0) {
    w.Int(e.line);
  } else {
    w.Null();
  }
  key(w, "code");
  if (e.line > 0 || !e.code.empty()) {
    w.String(e.code.c_str(), static_cast<rapidjson::SizeType>(e.code.size()));
  } else {
    w.Null();
  }
  key(w, "signal"), string_or_null(w, e.signal);
  w.EndObject();
}

std::string class_label(qa::failure_class c) {
  switch (c) {
    case qa::failure_class::new_failure: return "NEW";
    case qa::failure_class::pre_existing: return "PRE-EXISTING";
    case qa::failure_class::flaky: return "FLAKY";
  }
  return "?";
}

}  // namespace

std::string to_json(const triage_report& report) {
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  w.StartObject();
  key(w, "summary");
  w.StartObject();
  const auto& s = report.summary;
  key(w, "tests"), w.Int(s.tests);
  key(w, "passed"), w.Int(s.passed);
  key(w, "failed"), w.Int(s.failed);
  key(w, "flaky"), w.Int(s.flaky);
  key(w, "skipped"), w.Int(s.skipped);
  key(w, "new"), w.Int(s.new_failures);
  key(w, "pre_existing"), w.Int(s.pre_existing);
  w.EndObject();
  key(w, "failures");
  w.StartArray();
  for (const auto& f : report.failures) {
    w.StartObject();
    key(w, "name"), w.String(f.name.c_str(), static_cast<rapidjson::SizeType>(f.name.size()));
    key(w, "classname"), w.String(f.classname.c_str(), static_cast<rapidjson::SizeType>(f.classname.size()));
    auto cls = std::string(qa::to_string(f.cls));
    key(w, "class"), w.String(cls.c_str(), static_cast<rapidjson::SizeType>(cls.size()));
    key(w, "message"), w.String(f.message.c_str(), static_cast<rapidjson::SizeType>(f.message.size()));
    key(w, "owner");
    if (f.owner) {
      w.StartObject();
      key(w, "name"), w.String(f.owner->name.c_str(), static_cast<rapidjson::SizeType>(f.owner->name.size()));
      key(w, "email"), string_or_null(w, f.owner->email);
      w.EndObject();
    } else {
      w.Null();
    }
    key(w, "confidence");
    if (f.confidence) {
      auto c = std::string(ownership::to_string(*f.confidence));
      w.String(c.c_str(), static_cast<rapidjson::SizeType>(c.size()));
    } else {
      w.Null();
    }
    key(w, "evidence");
    w.StartArray();
    for (const auto& e : f.evidence) write_evidence(w, e);
    w.EndArray();
    key(w, "candidates");
    w.StartArray();
    for (const auto& c : f.candidates) {
      w.StartObject();
      key(w, "name"), w.String(c.name.c_str(), static_cast<rapidjson::SizeType>(c.name.size()));
      key(w, "email"), string_or_null(w, c.email);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string to_table(const triage_report& report) {
  const auto& s = report.summary;
  std::string out = fmt::format(
      "QA: {} tests — {} passed, {} failed ({} new, {} pre-existing), {} flaky, {} skipped\n", s.tests, s.passed,
      s.failed, s.new_failures, s.pre_existing, s.flaky, s.skipped);
  if (!report.head.empty()) {
    out += fmt::format("Range: {} ({}) .. {} ({})\n", report.base_label, report.base.substr(0, 7), report.head_label,
                       report.head.substr(0, 7));
  }
  if (report.failures.empty()) {
    out += "\nNo failures.\n";
    return out;
  }
  for (const auto& f : report.failures) {
    auto test = f.classname.empty() || f.classname == f.name ? f.name : f.classname + "." + f.name;
    out += fmt::format("\n{:<12} {}\n", class_label(f.cls), test);
    if (!f.message.empty()) out += fmt::format("             {}\n", f.message);
    if (f.owner) {
      out += fmt::format("             owner: {}{} ({} confidence)\n", f.owner->name,
                         f.owner->email.empty() || f.owner->email == f.owner->name ? std::string{}
                                                                                   : " <" + f.owner->email + ">",
                         ownership::to_string(f.confidence.value_or(ownership::confidence::low)));
    } else if (!report.head.empty()) {
      out += "             owner: unknown\n";
    }
    for (const auto& e : f.evidence) {
      std::string where = e.line > 0 ? fmt::format("{}:{}", e.file, e.line) : e.file;
      if (e.commit.empty()) {
        out += fmt::format("             {:<18} {}  {}\n", e.signal, where, e.code);
      } else {
        out += fmt::format("             {:<18} {} {} {} \"{}\"  {}{}\n", e.signal, e.short_sha,
                           e.date.substr(0, 10), e.author, e.subject, where,
                           e.line > 0 || !e.code.empty() ? "  | " + e.code : std::string{});
      }
    }
  }
  return out;
}

}  // namespace tugboat::workflows
