#pragma once
// TLS material for the emulator: a self-signed certificate made in memory at start (EC P-256, valid a
// day, CA:TRUE so a client can trust it directly as its CA file, SANs for the host, 127.0.0.1 and
// localhost), or a certificate and key read from files. Any thread. Throws std::runtime_error when
// OpenSSL fails or a file cannot be read.
#include <string>
#include <vector>

namespace tugboat::slack::emu {

struct tls_material {
  std::string cert_pem;
  std::string key_pem;
};

tls_material make_self_signed(const std::string& host);
// The same for any names: subjectAltName lists `dns_names` and `ip_addresses` (tests use it for
// certificates that must or must not match a host).
tls_material make_self_signed(const std::vector<std::string>& dns_names, const std::vector<std::string>& ip_addresses,
                              const std::string& common_name);
tls_material load_tls_files(const std::string& cert_file, const std::string& key_file);

}  // namespace tugboat::slack::emu
