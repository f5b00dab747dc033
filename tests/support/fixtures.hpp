#pragma once
// Reads a file under tests/fixtures (found through TUGBOAT_SOURCE_DIR, or relative to the source tree).
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace tugboat::testing {

inline std::string source_dir() {
  const char* dir = std::getenv("TUGBOAT_SOURCE_DIR");
  return dir ? dir : TUGBOAT_TEST_SOURCE_DIR;
}

inline std::string fixture(const std::string& relative) {
  std::ifstream in(source_dir() + "/tests/fixtures/" + relative, std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + relative);
  std::stringstream buf;
  buf << in.rdbuf();
  auto text = buf.str();
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

}  // namespace tugboat::testing
