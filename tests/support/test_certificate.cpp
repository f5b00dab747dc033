#include "tests/support/test_certificate.hpp"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "slack/emulator/tls.hpp"

namespace tugboat::test {

test_certificate make_self_signed_certificate(const std::vector<std::string>& dns_names,
                                              const std::vector<std::string>& ip_addresses) {
  auto made = slack::emu::make_self_signed(dns_names, ip_addresses, "tugboat test");
  return {std::move(made.cert_pem), std::move(made.key_pem)};
}

temp_file::temp_file(const std::string& content, const std::string& suffix) {
  static std::atomic<int> counter{0};
  const auto dir = std::filesystem::temp_directory_path();
  path_ = (dir / ("tugboat-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + suffix))
              .string();
  std::ofstream out(path_, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("temp_file: cannot write " + path_);
}

temp_file::~temp_file() {
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

}  // namespace tugboat::test
