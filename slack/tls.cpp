#include "slack/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ip/address.hpp>
#include <cstdlib>
#include <filesystem>

namespace tugboat::slack {

boost::asio::ssl::context make_tls_client_context(const std::string& extra_ca_file) {
  namespace ssl = boost::asio::ssl;
  ssl::context context{ssl::context::tls_client};
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (!extra_ca_file.empty()) context.load_verify_file(extra_ca_file);
  context.set_verify_mode(ssl::verify_peer);
  return context;
}

void ensure_system_trust(SSL_CTX* context) {
  // Loaded once per context, at its first handshake: a process that never dials TLS (the emulator on
  // loopback) never pays for it, and one that does pays after its other start-up work, not before.
  static const int loaded_index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  if (SSL_CTX_get_ex_data(context, loaded_index) != nullptr) return;
  static char loaded = 1;
  SSL_CTX_set_ex_data(context, loaded_index, &loaded);
  // A hashed certificate directory loads only the certificates a handshake needs, where
  // SSL_CTX_set_default_verify_paths() parses the whole CA bundle (~85 ms). SSL_CERT_FILE / SSL_CERT_DIR
  // are honoured as OpenSSL does; like OpenSSL's defaults, a path that cannot be read is skipped.
  const char* env_file = std::getenv(X509_get_default_cert_file_env());
  const char* env_dir = std::getenv(X509_get_default_cert_dir_env());
  const bool has_env_file = env_file && *env_file;
  if (has_env_file) (void)SSL_CTX_load_verify_locations(context, env_file, nullptr);
  std::error_code fs_ec;
  if (env_dir && *env_dir) {
    (void)SSL_CTX_load_verify_locations(context, nullptr, env_dir);
  } else if (std::filesystem::is_directory(X509_get_default_cert_dir(), fs_ec)) {
    (void)SSL_CTX_load_verify_locations(context, nullptr, X509_get_default_cert_dir());
  } else if (!has_env_file) {
    (void)SSL_CTX_load_verify_locations(context, X509_get_default_cert_file(), nullptr);  // no hashed directory
  }
  ERR_clear_error();  // what was skipped must not surface as the next TLS call's error
}

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  (void)boost::asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace tugboat::slack
