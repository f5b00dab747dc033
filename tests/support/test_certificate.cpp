#include "tests/support/test_certificate.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace tugboat::test {
namespace {

template <auto Free>
struct deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, deleter<X509_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO_free_all>>;
using ext_ptr = std::unique_ptr<X509_EXTENSION, deleter<X509_EXTENSION_free>>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string{"test certificate: "} + what + " failed");
}

std::string drain(BIO* bio) {
  std::string out(BIO_ctrl_pending(bio), '\0');
  const int n = BIO_read(bio, out.data(), static_cast<int>(out.size()));
  check(n == static_cast<int>(out.size()), "BIO_read");
  return out;
}

}  // namespace

test_certificate make_self_signed_certificate(const std::vector<std::string>& dns_names,
                                              const std::vector<std::string>& ip_addresses) {
  pkey_ptr key{EVP_EC_gen("P-256")};
  check(key != nullptr, "EVP_EC_gen");

  x509_ptr cert{X509_new()};
  check(cert != nullptr, "X509_new");
  check(X509_set_version(cert.get(), 2) == 1, "X509_set_version");
  check(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1) == 1, "serial");
  check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600) != nullptr, "notAfter");
  check(X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");

  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto* cn = reinterpret_cast<const unsigned char*>("tugboat test");
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, cn, -1, -1, 0) == 1, "subject");
  check(X509_set_issuer_name(cert.get(), name) == 1, "issuer");

  std::string san;
  for (const auto& dns : dns_names) san += (san.empty() ? "" : ",") + std::string{"DNS:"} + dns;
  for (const auto& ip : ip_addresses) san += (san.empty() ? "" : ",") + std::string{"IP:"} + ip;
  if (!san.empty()) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    ext_ptr ext{X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str())};
    check(ext != nullptr, "subjectAltName");
    check(X509_add_ext(cert.get(), ext.get(), -1) == 1, "X509_add_ext");
  }
  check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");

  test_certificate out;
  bio_ptr cert_bio{BIO_new(BIO_s_mem())};
  check(cert_bio && PEM_write_bio_X509(cert_bio.get(), cert.get()) == 1, "PEM_write_bio_X509");
  out.cert_pem = drain(cert_bio.get());
  bio_ptr key_bio{BIO_new(BIO_s_mem())};
  check(key_bio &&
            PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM_write_bio_PrivateKey");
  out.key_pem = drain(key_bio.get());
  return out;
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
