#include "slack/tls.hpp"

#include <boost/asio/ip/address.hpp>

namespace tugboat::slack {

boost::asio::ssl::context make_tls_client_context(const std::string& extra_ca_file) {
  namespace ssl = boost::asio::ssl;
  ssl::context context{ssl::context::tls_client};
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  context.set_default_verify_paths();
  if (!extra_ca_file.empty()) context.load_verify_file(extra_ca_file);
  context.set_verify_mode(ssl::verify_peer);
  return context;
}

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  (void)boost::asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace tugboat::slack
