#include "ossl.h"

#include <openssl/objects.h>

#include <ctime>

namespace coco::ossl {
namespace {
std::string entry_text(const X509_NAME_ENTRY* e) {
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
  if (len < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return out;
}
}  // namespace

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

std::string name_cn(const X509_NAME* name) {
  int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  return idx < 0 ? "" : entry_text(X509_NAME_get_entry(name, idx));
}

std::vector<std::pair<std::string, std::string>> name_rdns(const X509_NAME* name) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
    const char* sn = OBJ_nid2sn(OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)));
    out.emplace_back(sn ? sn : "?", entry_text(e));
  }
  return out;
}

SysTime asn1_to_time(const ASN1_TIME* t) {
  struct tm tmv {};
  if (!t || ASN1_TIME_to_tm(t, &tmv) != 1) return SysTime{};
  return from_unix_seconds(timegm(&tmv));
}

}  // namespace coco::ossl
