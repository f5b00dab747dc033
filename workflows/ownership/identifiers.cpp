#include "workflows/ownership/identifiers.hpp"

#include <algorithm>
#include <cctype>
#include <unordered_set>

namespace tugboat::ownership {
namespace {

// Lower-case words that name no particular piece of code: language keywords, common English, and the
// vocabulary of test frameworks, sanitizers and stack traces. Only words of kMinIdentifierLength or more.
const std::unordered_set<std::string_view>& common_words() {
  static const std::unordered_set<std::string_view> words = {
      // keywords (C, C++, Java, Python, JS, Go, Rust)
      "auto", "bool", "boolean", "break", "case", "catch", "char", "class", "const", "constexpr", "continue",
      "default", "defer", "delete", "double", "elif", "else", "enum", "except", "explicit", "export",
      "extends", "extern", "false", "final", "finally", "float", "friend", "func", "function", "goto", "impl",
      "implements", "import", "inline", "instanceof", "interface", "lambda", "long", "match", "module",
      "mutable", "namespace", "none", "noexcept", "null", "nullptr", "operator", "override", "package",
      "pass", "private", "protected", "public", "raise", "register", "return", "self", "short", "signed",
      "sizeof", "static", "struct", "super", "switch", "template", "this", "throw", "throws", "true",
      "typedef", "typename", "undefined", "union", "unsigned", "using", "virtual", "void", "volatile",
      "while", "with", "yield", "async", "await", "assert", "string", "std", "size_t", "int32_t", "int64_t",
      "uint32_t", "uint64_t", "java", "json", "yaml", "html", "toml", "proto", "main",
      // English
      "about", "above", "after", "again", "against", "all", "also", "because", "been", "before", "being",
      "below", "between", "both", "but", "could", "does", "doing", "done", "down", "during", "each", "either",
      "every", "from", "further", "have", "having", "here", "into", "itself", "just", "less", "like", "made",
      "make", "many", "more", "most", "much", "must", "neither", "never", "nothing", "once", "only", "onto",
      "other", "over", "same", "should", "some", "such", "than", "that", "their", "them", "then", "there",
      "these", "they", "those", "through", "under", "until", "upon", "very", "want", "were", "what", "when",
      "where", "which", "whose", "will", "within", "without", "would", "your", "yours", "still", "shall",
      "instead", "while", "given", "got", "gets", "want", "wanted", "found", "missing", "wrong", "right",
      "please", "cannot", "unable", "could", "into", "took", "take", "time", "times", "since", "least",
      // test frameworks and traces
      "actual", "actually", "argument", "arguments", "assertion", "assertionerror", "assertions", "body",
      "call", "called", "calls", "check", "checked", "checks", "compare", "comparison", "condition",
      "description", "diff", "differ", "equal", "equality", "equals", "error", "errors", "exception",
      "exceptions", "expect", "expectation", "expected", "expecting", "expression", "fail", "failed",
      "failing", "fails", "failure", "failures", "false", "file", "files", "frame", "frames", "line", "lines",
      "message", "mismatch", "object", "passed", "result", "results", "returned", "returns", "runtime",
      "test", "testcase", "testing", "tests", "thrown", "timeout", "timed", "trace", "traceback", "recent",
      "unknown", "value", "values", "which", "warning", "stack", "stacktrace", "cause", "caused", "near",
      "abort", "aborted", "terminate", "terminated", "signal", "crash", "crashed", "fatal", "panic",
      "panicked", "goroutine", "thread", "exit", "code", "status", "output", "input", "summary", "address",
      "addresssanitizer", "undefinedbehaviorsanitizer", "threadsanitizer", "leaksanitizer", "sanitizer",
      "heap", "buffer", "overflow", "underflow", "memory", "leak", "leaks", "leaked", "bytes", "byte",
      "allocated", "freed", "free", "read", "write", "size", "pointer", "segv", "sigsegv", "sigabrt",
      "located", "region", "shadow", "legend", "libc", "start", "internal", "builds", "build", "source",
      "junit", "gtest", "pytest", "catch", "doctest", "unittest", "jest", "mocha", "surefire", "maven",
      "gradle", "opentest4j", "org", "java", "lang", "util", "python", "node", "modules", "native", "method",
      "invoke", "reflect", "sun", "jdk", "base"};
  return words;
}

bool looks_like_hex_run(std::string_view t) {
  bool digit = std::any_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
  return digit && t.size() >= 8 &&
         std::all_of(t.begin(), t.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

bool is_common(std::string_view t) {
  std::string lower(t);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return common_words().contains(lower);
}

// `name.ext:12` (or `name.ext:12:3`): a location, which frames cover, not an identifier.
bool is_location_at(std::string_view word, std::size_t token_end) {
  if (token_end >= word.size() || word[token_end] != '.') return false;
  std::size_t i = token_end + 1, ext = i;
  while (i < word.size() && std::isalnum(static_cast<unsigned char>(word[i]))) ++i;
  if (i == ext || i - ext > 5) return false;
  return i + 1 < word.size() && word[i] == ':' && std::isdigit(static_cast<unsigned char>(word[i + 1]));
}

// A stack-trace line: `#3 0x… in f file:line` (sanitizers, gdb), `at a.b.C.f(File.java:9)` (Java, JS),
// `File "x.py", line 3, in f` (Python). The frame signals already weigh these frames; their function
// names counted again would let a frame deep in the trace, through corroboration, outrank the innermost.
bool is_trace_line(std::string_view line) {
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  if (line.size() >= 2 && line[0] == '#' && std::isdigit(static_cast<unsigned char>(line[1]))) return true;
  return line.starts_with("at ") || line.starts_with("File \"");
}

}  // namespace

std::vector<std::string> extract_identifiers(std::string_view text, std::size_t max) {
  std::vector<std::string> out;
  std::unordered_set<std::string_view> seen;
  text = text.substr(0, kMaxIdentifierScan);
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  std::size_t i = 0;
  while (i < text.size() && out.size() < max) {
    if (i == 0 || text[i - 1] == '\n') {
      auto nl = text.find('\n', i);
      if (is_trace_line(text.substr(i, nl == std::string_view::npos ? std::string_view::npos : nl - i))) {
        i = nl == std::string_view::npos ? text.size() : nl + 1;
        continue;
      }
    }
    while (i < text.size() && space(text[i]) && text[i] != '\n') ++i;
    if (i < text.size() && text[i] == '\n') {
      ++i;
      continue;
    }
    std::size_t start = i;
    while (i < text.size() && !space(text[i])) ++i;
    std::string_view word = text.substr(start, i - start);
    // Paths, URLs and e-mail addresses: their parts are file and host names, not code.
    if (word.find_first_of("/\\@") != std::string_view::npos) continue;
    std::string_view skip_ext;  // the extension of a `name.ext:line` just skipped
    for_each_token(word, [&](std::string_view token) {
      if (out.size() >= max) return;
      if (token.data() == skip_ext.data()) return;
      std::size_t end = static_cast<std::size_t>(token.data() - word.data()) + token.size();
      if (is_location_at(word, end)) {
        std::size_t ext_end = end + 1;
        while (ext_end < word.size() && std::isalnum(static_cast<unsigned char>(word[ext_end]))) ++ext_end;
        skip_ext = word.substr(end + 1, ext_end - end - 1);
        return;
      }
      if (token.size() < kMinIdentifierLength || token.size() > kMaxIdentifierLength) return;
      if (looks_like_hex_run(token) || is_common(token)) return;
      if (!seen.insert(token).second) return;
      out.emplace_back(token);
    });
  }
  return out;
}

}  // namespace tugboat::ownership
