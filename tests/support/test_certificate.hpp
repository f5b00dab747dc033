#pragma once
// A self-signed certificate made at test time (no files in the repo, no openssl binary), by the
// emulator's generator: an EC P-256 key and an X.509 certificate whose subjectAltName lists the given
// DNS names and IP addresses. Throws std::runtime_error if OpenSSL fails. Any thread.
#include <string>
#include <vector>

namespace tugboat::test {

struct test_certificate {
  std::string cert_pem;
  std::string key_pem;
};

test_certificate make_self_signed_certificate(const std::vector<std::string>& dns_names,
                                              const std::vector<std::string>& ip_addresses);

// Writes `content` to a new file under the system temp directory and returns its path; the file is
// removed when the returned object is destroyed.
class temp_file {
 public:
  explicit temp_file(const std::string& content, const std::string& suffix = ".pem");
  ~temp_file();
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace tugboat::test
