#pragma once
// TLS client set-up shared by everything in slack/ that dials out over TLS (the Web API's https:// and
// Socket Mode's wss://), so both verify the same way: TLS 1.2 or newer, the peer's certificate checked
// against the system's trust (SSL_CERT_FILE / SSL_CERT_DIR when set, else OpenSSL's hashed certificate
// directory, read lazily per handshake, so creating a context is cheap; both are added at the context's
// first handshake, so a process that never dials TLS never reads them) plus an optional extra CA file,
// the host name (or IP address) checked against the certificate, and SNI sent.
//
// make_tls_client_context throws boost::system::system_error if a CA file cannot be loaded.
// prepare_tls_client must be called on each stream before its handshake. Any thread; the context is
// then used from the loop thread that owns the streams.
#include <boost/asio/ssl.hpp>
#include <string>

namespace tugboat::slack {

boost::asio::ssl::context make_tls_client_context(const std::string& extra_ca_file = {});

bool is_ip_literal(const std::string& host);

// Adds the system trust to `context` the first time it is called for it (prepare_tls_client does).
void ensure_system_trust(SSL_CTX* context);

// Works for boost::asio::ssl::stream<...> and boost::beast::ssl_stream<...>.
template <typename SslStream>
void prepare_tls_client(SslStream& stream, const std::string& host) {
  ensure_system_trust(SSL_get_SSL_CTX(stream.native_handle()));
  if (!is_ip_literal(host)) {
    // SNI. (SSL_set_tlsext_host_name is a macro with a C cast; this is what it expands to.)
    SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(host.c_str()));
  }
  stream.set_verify_callback(boost::asio::ssl::host_name_verification(host));
}

}  // namespace tugboat::slack
