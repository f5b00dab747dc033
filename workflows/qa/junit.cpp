#include "workflows/qa/junit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <pugixml.hpp>

#include "core/text.hpp"

namespace tugboat::qa {
namespace {

bool is(const pugi::xml_node& n, const char* name) { return std::strcmp(n.name(), name) == 0; }

// pugixml's text() returns only the first text/CDATA child; a body may be split by comments or mix both.
std::string all_text(const pugi::xml_node& n) {
  std::string out;
  for (auto child : n.children()) {
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) out += child.value();
  }
  return out;
}

// A line that only says where ("calc_test.cpp:5", "unknown file"): gtest starts its messages with one.
bool location_only(std::string_view line) {
  if (line == "unknown file") return true;
  auto colon = line.find_last_of(':');
  if (colon == std::string_view::npos || colon + 1 >= line.size() || line.find(' ') != std::string_view::npos) {
    return false;
  }
  return std::all_of(line.begin() + static_cast<std::ptrdiff_t>(colon) + 1, line.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

// The first line that says what went wrong.
std::string first_line(std::string_view s) {
  s = text::trim(s);
  std::string_view first;
  while (!s.empty()) {
    auto nl = s.find('\n');
    auto line = text::trim(s.substr(0, nl));
    if (first.empty()) first = line;
    if (!line.empty() && !location_only(line)) return std::string(line);
    if (nl == std::string_view::npos) break;
    s.remove_prefix(nl + 1);
  }
  return std::string(first);
}

std::string tail_bytes(std::string s, std::size_t max) {
  if (s.size() > max) s.erase(0, s.size() - max);
  return s;
}

struct walker {
  junit_report& report;
  std::string source;

  void suite(const pugi::xml_node& node, const std::string& suite_name) {
    for (auto child : node.children()) {
      if (is(child, "testsuite")) {
        suite(child, child.attribute("name").as_string());
      } else if (is(child, "testcase")) {
        testcase(child, suite_name);
      }
    }
  }

  void testcase(const pugi::xml_node& node, const std::string& suite_name) {
    test_result t;
    t.report = source;
    t.name = text::clean_utf8(node.attribute("name").as_string());
    t.classname = text::clean_utf8(node.attribute("classname").as_string());
    if (t.classname.empty()) t.classname = text::clean_utf8(suite_name);
    t.file = text::clean_utf8(node.attribute("file").as_string());
    t.line = node.attribute("line").as_int(0);
    std::string_view status = node.attribute("status").as_string();
    std::string_view gtest_result = node.attribute("result").as_string();

    bool failed = false, flaky = false, skipped = false;
    std::string body, output;
    for (auto child : node.children()) {
      std::string_view name = child.name();
      bool hard = name == "failure" || name == "error" || name == "rerunFailure" || name == "rerunError";
      bool soft = name == "flakyFailure" || name == "flakyError";
      if (hard || soft) {
        if (hard) failed = true;
        if (soft) flaky = true;
        // The first failure describes the test best; reruns repeat it.
        if (body.empty()) {
          std::string msg = child.attribute("message").as_string();
          std::string inner = all_text(child);
          // Surefire nests <stackTrace> inside flaky/rerun elements.
          if (auto trace = child.child("stackTrace")) inner += all_text(trace);
          if (t.message.empty()) t.message = first_line(msg.empty() ? inner : msg);
          body = msg;
          if (!inner.empty() && inner.find(msg) == std::string::npos) {
            body += body.empty() ? "" : "\n";
            body += inner;
          } else if (!inner.empty()) {
            body = inner;
          }
        }
      } else if (name == "skipped") {
        skipped = true;
      } else if (name == "system-out" || name == "system-err") {
        output += all_text(child);
      }
    }
    if (status == "fail" || status == "failed") failed = true;  // ctest and some others
    if (status == "notrun" || status == "disabled" || status == "skipped" || gtest_result == "skipped" ||
        gtest_result == "suppressed") {
      skipped = true;
    }

    if (failed) {
      t.result = outcome::failed;
    } else if (flaky) {
      t.result = outcome::flaky;
    } else if (skipped) {
      t.result = outcome::skipped;
    }
    if (t.result == outcome::failed || t.result == outcome::flaky) {
      t.text = text::clean_utf8(body);
      t.output = text::clean_utf8(tail_bytes(std::move(output), kMaxOutputBytes));
      if (t.message.empty()) t.message = first_line(t.output.empty() ? "failed" : t.output);
      t.message = text::clean_utf8(t.message);
    }
    report.tests.push_back(std::move(t));
  }
};

// In a truncated file the last testcase may be cut inside its start tag or before its end tag, and
// pugixml keeps it anyway; a half-read case must not count as a pass.
void drop_unfinished_case(const pugi::xml_document& doc, std::string_view xml, std::size_t error_offset,
                          junit_report& report) {
  pugi::xml_node last;
  for (auto n : doc.select_nodes("//testcase")) last = n.node();
  if (!last || report.tests.empty()) return;
  auto start = last.offset_debug();
  if (start < 0 || static_cast<std::size_t>(start) >= xml.size()) return;
  auto seen = xml.substr(static_cast<std::size_t>(start), error_offset > static_cast<std::size_t>(start)
                                                              ? error_offset - static_cast<std::size_t>(start)
                                                              : 0);
  auto tag_end = seen.find('>');
  bool complete = tag_end != std::string_view::npos &&
                  ((tag_end > 0 && seen[tag_end - 1] == '/') || seen.find("</testcase>") != std::string_view::npos);
  if (!complete) report.tests.pop_back();
}

}  // namespace

std::string_view to_string(outcome o) {
  switch (o) {
    case outcome::passed: return "passed";
    case outcome::failed: return "failed";
    case outcome::flaky: return "flaky";
    case outcome::skipped: return "skipped";
  }
  return "unknown";
}

junit_report parse_junit(std::string_view xml, std::string_view source) {
  pugi::xml_document doc;
  // No DTD entity expansion exists in pugixml, so XXE and entity bombs are not a concern.
  auto parsed = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_auto);
  auto root = doc.document_element();
  junit_report report;
  if (!root) {
    throw qa_error(fmt::format("{}: not a JUnit XML report ({})", source,
                               xml.empty() ? "the file is empty" : parsed.description()));
  }
  if (!is(root, "testsuites") && !is(root, "testsuite")) {
    throw qa_error(fmt::format("{}: not a JUnit XML report (the root element is <{}>, expected <testsuites> or "
                               "<testsuite>)",
                               source, text::clean_utf8(root.name())));
  }
  walker w{report, std::string(source)};
  if (is(root, "testsuite")) {
    w.suite(root, root.attribute("name").as_string());
  } else {
    w.suite(root, "");
  }
  if (!parsed) {
    drop_unfinished_case(doc, xml, static_cast<std::size_t>(parsed.offset), report);
    report.xml_error = fmt::format("{}: XML error at byte {} ({})", source, parsed.offset, parsed.description());
    report.warnings.push_back(fmt::format("{}; kept the {} test cases before it", report.xml_error, report.tests.size()));
  }
  return report;
}

junit_report load_junit(const std::string& path, std::size_t max_bytes) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) throw qa_error(fmt::format("{}: no such file", path));
  if (!std::filesystem::is_regular_file(status)) throw qa_error(fmt::format("{}: not a regular file", path));
  auto size = std::filesystem::file_size(path, ec);
  if (ec) throw qa_error(fmt::format("{}: cannot read: {}", path, ec.message()));
  if (size > max_bytes) {
    throw qa_error(fmt::format("{}: {} bytes is over the {} byte limit for a QA report", path, size, max_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw qa_error(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
  std::string data(size, '\0');
  in.read(data.data(), static_cast<std::streamsize>(size));
  data.resize(static_cast<std::size_t>(in.gcount()));
  return parse_junit(data, path);
}

}  // namespace tugboat::qa
