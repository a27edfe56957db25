#include "snp/kds.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "core/encoding.h"
#include "core/hash.h"
#include "snp/certs.h"

namespace coco::snp {
namespace {

// Trustee and virtee/sev format every SPL with {:02}.
std::string two_digits(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%02u", v);
  return buf;
}

std::string trim_base(std::string_view base) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  return std::string(base);
}

std::string kind_segment(bool vlek) {
  return vlek ? "vlek" : "vcek";
}

// The KDS spells product lines exactly so; "milan" is not a route.
std::optional<Product> kds_product(std::string_view name) {
  if (name == "Milan") return Product::milan;
  if (name == "Genoa") return Product::genoa;
  if (name == "Turin") return Product::turin;
  return std::nullopt;
}

std::size_t hwid_size(Product p) {
  return p == Product::turin ? 8 : 64;
}

std::optional<std::uint8_t> parse_spl(std::string_view v) {
  if (v.empty() || v.size() > 3) return std::nullopt;
  unsigned n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<unsigned>(c - '0');
  }
  if (n > 255) return std::nullopt;
  return static_cast<std::uint8_t>(n);
}

// One line of a response body, printable, for error messages.
std::string snippet(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, 120)) {
    if (c == '\n' || c == '\r') break;
    out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  return out;
}

bool tcb_matches(const Tcb& got, const Tcb& want, Product product) {
  if (got.bootloader != want.bootloader || got.tee != want.tee || got.snp != want.snp ||
      got.microcode != want.microcode)
    return false;
  if (product == Product::turin) return got.fmc.value_or(0) == want.fmc.value_or(0);
  return true;
}

// Why a VCEK/VLEK does not answer the request, or nullopt when it does.
std::optional<std::string> vek_mismatch(const Cert& cert, Product product, const std::optional<Bytes>& hwid,
                                        const Tcb& tcb) {
  auto ext = parse_kds_extensions(cert);
  if (!ext) return "its KDS extensions do not parse: " + ext.error().message;
  if (hwid) {
    if (!ext->hwid) return "it carries no hwID";
    if (*ext->hwid != *hwid)
      return "it is for hwID " + hex_encode(*ext->hwid) + ", not the requested " + hex_encode(*hwid);
  }
  if (!tcb_matches(ext->tcb, tcb, product))
    return "its TCB (" + tcb_to_string(ext->tcb) + ") is not the requested " + tcb_to_string(tcb);
  return std::nullopt;
}

std::optional<std::string> chain_mismatch(const std::vector<Cert>& chain, Product product, bool vlek) {
  const std::string p = product_name(product);
  const std::string want_inter = vlek ? "SEV-VLEK-" + p : "SEV-" + p;
  if (chain.size() != 2) return "it has " + std::to_string(chain.size()) + " certificates, not 2";
  if (chain[0].subject_cn() != want_inter || chain[1].subject_cn() != "ARK-" + p) {
    return "it holds " + chain[0].subject_cn() + ", " + chain[1].subject_cn() + " instead of " + want_inter +
           ", ARK-" + p;
  }
  return std::nullopt;
}

std::optional<std::string> crl_mismatch(const Crl& crl, Product product) {
  const std::string want = "ARK-" + product_name(product);
  if (crl.issuer_cn() != want) return "it is issued by \"" + crl.issuer_cn() + "\", not " + want;
  return std::nullopt;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// URLs

Bytes kds_hwid(Product product, ByteView chip_id) {
  std::size_t n = std::min(chip_id.size(), hwid_size(product));
  return Bytes(chip_id.begin(), chip_id.begin() + static_cast<std::ptrdiff_t>(n));
}

std::string kds_tcb_query(Product product, const Tcb& tcb) {
  std::string q;
  if (product == Product::turin) q += "fmcSPL=" + two_digits(tcb.fmc.value_or(0)) + "&";
  q += "blSPL=" + two_digits(tcb.bootloader) + "&teeSPL=" + two_digits(tcb.tee) +
       "&snpSPL=" + two_digits(tcb.snp) + "&ucodeSPL=" + two_digits(tcb.microcode);
  return q;
}

std::string vcek_path(Product product, ByteView chip_id, const Tcb& tcb) {
  return "/vcek/v1/" + product_name(product) + "/" + hex_encode(kds_hwid(product, chip_id)) + "?" +
         kds_tcb_query(product, tcb);
}

std::string vlek_cert_path(Product product, const Tcb& tcb) {
  return "/vlek/v1/" + product_name(product) + "/cert?" + kds_tcb_query(product, tcb);
}

std::string cert_chain_path(Product product, bool vlek) {
  return "/" + kind_segment(vlek) + "/v1/" + product_name(product) + "/cert_chain";
}

std::string crl_path(Product product, bool vlek) {
  return "/" + kind_segment(vlek) + "/v1/" + product_name(product) + "/crl";
}

std::string vcek_url(Product product, ByteView chip_id, const Tcb& tcb, std::string_view base) {
  return trim_base(base) + vcek_path(product, chip_id, tcb);
}
std::string vlek_cert_url(Product product, const Tcb& tcb, std::string_view base) {
  return trim_base(base) + vlek_cert_path(product, tcb);
}
std::string cert_chain_url(Product product, bool vlek, std::string_view base) {
  return trim_base(base) + cert_chain_path(product, vlek);
}
std::string crl_url(Product product, bool vlek, std::string_view base) {
  return trim_base(base) + crl_path(product, vlek);
}

// ---------------------------------------------------------------------------------------------------------
// FakeKds

FakeKds::FakeKds(AmdAuthority& amd, FakeKdsOptions options)
    : FakeService(options.server, [this](const HttpRequest& r) { return handle(r); }),
      amd_(amd),
      options_(std::move(options)) {}

FakeKds::~FakeKds() {
  stop();
}

void FakeKds::revoke(Product product, ByteView serial, bool vlek) {
  std::lock_guard lock(mu_);
  auto& st = crls_[{product, vlek}];
  st.revoked.push_back(to_bytes(serial));
  ++st.number;
  st.cached.reset();
}

FakeKds::Counters FakeKds::counters() const {
  Counters c;
  c.total = total_.load();
  c.vcek = vcek_.load();
  c.vlek = vlek_.load();
  c.cert_chain = chain_.load();
  c.crl = crl_.load();
  c.rejected = rejected_.load();
  return c;
}

HttpResponse FakeKds::handle(const HttpRequest& req) {
  total_.fetch_add(1);
  auto reject = [this](int status, const std::string& why) {
    rejected_.fetch_add(1);
    return HttpResponse::text(status, why + "\n");
  };
  if (req.method != "GET") {
    auto r = reject(405, "the KDS answers GET only");
    r.headers.set("Allow", "GET");
    return r;
  }
  std::string_view path = req.path();
  // "/vcek/v1/Milan/cert_chain" -> {"vcek", "v1", "Milan", "cert_chain"}
  std::vector<std::string_view> seg;
  if (path.empty() || path.front() != '/') return reject(404, "no such KDS resource");
  for (std::size_t pos = 1; seg.size() <= 4;) {
    auto slash = path.find('/', pos);
    seg.push_back(path.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos));
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  if (seg.size() != 4 || (seg[0] != "vcek" && seg[0] != "vlek") || seg[1] != "v1")
    return reject(404, "no such KDS resource");
  const bool vlek = seg[0] == "vlek";
  auto product = kds_product(seg[2]);
  if (!product) return reject(404, "unknown product line \"" + snippet(seg[2]) + "\" (Milan, Genoa, Turin)");

  try {
    if (seg[3] == "cert_chain") return serve_chain(*product, vlek);
    if (seg[3] == "crl") return serve_crl(*product, vlek);
    if (vlek && seg[3] == "cert") return serve_vek(*product, true, {}, req.query());
    if (!vlek) return serve_vek(*product, false, seg[3], req.query());
  } catch (const std::exception& e) {
    return HttpResponse::text(500, std::string("fake KDS failure: ") + e.what() + "\n");
  }
  return reject(404, "no such KDS resource");
}

HttpResponse FakeKds::serve_vek(Product product, bool vlek, std::string_view hwid_hex,
                                std::string_view query) {
  auto reject = [this](const std::string& why) {
    rejected_.fetch_add(1);
    return HttpResponse::text(400, why + "\n");
  };
  Bytes hwid;
  if (!vlek) {
    const std::size_t want = 2 * hwid_size(product);
    auto decoded = hwid_hex.size() == want ? hex_decode(hwid_hex) : std::nullopt;
    if (!decoded) {
      return reject("hwid must be " + std::to_string(want) + " hexadecimal characters for " +
                    product_name(product));
    }
    hwid = std::move(*decoded);
  }

  std::vector<std::string> names = {"blSPL", "teeSPL", "snpSPL", "ucodeSPL"};
  if (product == Product::turin) names.insert(names.begin(), "fmcSPL");
  std::map<std::string, std::uint8_t> spl;
  std::optional<std::string> csp;
  for (const auto& [k, v] : parse_query(query)) {
    if (vlek && k == "cspId") {
      if (csp) return reject("cspId given twice");
      csp = v;
      continue;
    }
    if (std::find(names.begin(), names.end(), k) == names.end()) {
      return reject("unknown query parameter \"" + snippet(k) + "\" for " + product_name(product));
    }
    if (spl.count(k)) return reject(k + " given twice");
    auto n = parse_spl(v);
    if (!n) return reject(k + " must be a number from 0 to 255");
    spl[k] = *n;
  }
  for (const auto& n : names) {
    if (!spl.count(n)) return reject("missing query parameter " + n);
  }
  Tcb tcb;
  if (product == Product::turin) tcb.fmc = spl["fmcSPL"];
  tcb.bootloader = spl["blSPL"];
  tcb.tee = spl["teeSPL"];
  tcb.snp = spl["snpSPL"];
  tcb.microcode = spl["ucodeSPL"];

  const bool wrong = faults().get() == Fault::wrong_answer;
  VekRequest vr;
  vr.product = product;
  vr.tcb = tcb;
  if (vlek) {
    vr.csp_id = csp.value_or(options_.default_csp_id);
    if (wrong) vr.tcb.snp = static_cast<std::uint8_t>(vr.tcb.snp + 1);  // a VLEK for another TCB
  } else {
    vr.chip_id = hwid;
    if (wrong) {
      for (auto& b : vr.chip_id) b = static_cast<std::uint8_t>(b ^ 0xFF);  // a VCEK for another chip
    }
  }
  const std::string key = std::string(vlek ? "vlek/" : "vcek/") + product_name(product) + "/" +
                          hex_encode(vr.chip_id) + "/" + std::to_string(encode_tcb(vr.tcb, product)) + "/" +
                          (vlek ? vr.csp_id : "");
  std::string der;
  {
    std::lock_guard lock(mu_);
    if (auto it = issued_.find(key); it != issued_.end()) der = it->second;
  }
  if (der.empty()) {
    // Issued outside mu_: signing with an RSA-4096 key takes a while and other requests need not wait.
    IssuedVek issued = vlek ? amd_.issue_vlek(vr) : amd_.issue_vcek(vr);
    der = to_string(issued.cert.der());
    std::lock_guard lock(mu_);
    if (issued_.size() >= kMaxIssued) issued_.clear();
    der = issued_.emplace(key, std::move(der)).first->second;  // a racing request's copy wins if first
  }
  (vlek ? vlek_ : vcek_).fetch_add(1);
  return HttpResponse::binary(std::move(der), "application/octet-stream");
}

HttpResponse FakeKds::serve_chain(Product product, bool vlek) {
  std::string pem;
  if (faults().get() == Fault::wrong_answer) {
    const AmdCa& ca = amd_.ca(product);
    pem = ca.ark.pem() + (vlek ? ca.asvk : ca.ask).pem();  // the wrong order
  } else {
    pem = amd_.cert_chain_pem(product, vlek);
  }
  chain_.fetch_add(1);
  return HttpResponse::binary(std::move(pem), "application/x-pem-file");
}

HttpResponse FakeKds::serve_crl(Product product, bool vlek) {
  auto crl = current_crl(product, vlek, faults().get() == Fault::wrong_answer);
  if (!crl) return HttpResponse::text(500, "fake KDS cannot build the CRL: " + crl.error().message + "\n");
  crl_.fetch_add(1);
  return HttpResponse::binary(to_string(crl->der()), "application/pkix-crl");
}

Result<Crl> FakeKds::current_crl(Product product, bool vlek, bool wrong) {
  const AmdCa& ca = amd_.ca(product);  // outside mu_: the first call may generate keys for seconds
  std::lock_guard lock(mu_);
  auto& st = crls_[{product, vlek}];
  const auto now = std::chrono::system_clock::now();
  // Rebuilt hourly so a long-running fake never serves a CRL past its nextUpdate.
  if (!wrong && st.cached && now - st.built_at < std::chrono::hours(1)) return *st.cached;
  const SysTime this_update = options_.crl_this_update.value_or(now - std::chrono::hours(1));
  const SysTime next_update = this_update + options_.crl_validity;
  CrlOptions o;
  o.crl_number = st.number;
  auto crl = wrong ? build_crl(ca.ask, ca.ask_key, st.revoked, this_update, next_update, o)
                   : build_crl(ca.ark, ca.ark_key, st.revoked, this_update, next_update, o);
  if (crl && !wrong) {
    st.cached = *crl;
    st.built_at = now;
  }
  return crl;
}

// ---------------------------------------------------------------------------------------------------------
// KdsClient

KdsClient::KdsClient(KdsClientOptions options) : options_(std::move(options)), http_(options_.http) {}

std::filesystem::path KdsClient::cache_file(std::string_view path_and_query) const {
  if (options_.cache_dir.empty()) return {};
  std::string_view path = path_and_query.substr(0, path_and_query.find('?'));
  std::string ext = ".der";
  if (path.ends_with("/cert_chain")) ext = ".pem";
  if (path.ends_with("/crl")) ext = ".crl";
  return options_.cache_dir / (hex_encode(sha256(as_bytes(path_and_query))) + ext);
}

std::optional<Bytes> KdsClient::cache_read(const std::string& path_and_query) {
  auto file = cache_file(path_and_query);
  if (file.empty()) return std::nullopt;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return std::nullopt;
  auto data = read_file(file);
  if (!data) return std::nullopt;
  return std::move(data).value();
}

void KdsClient::cache_write(const std::string& path_and_query, ByteView data) {
  auto file = cache_file(path_and_query);
  if (file.empty()) return;
  // Write-then-rename, so that a concurrent reader (another process sharing the cache) never sees half a
  // file. A cache that cannot be written only costs a fetch next time.
  static std::atomic<std::uint64_t> seq{0};
  std::error_code ec;
  std::filesystem::create_directories(options_.cache_dir, ec);
  auto tmp = file;
  tmp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(seq.fetch_add(1));
  if (!write_file(tmp, data)) return;
  std::filesystem::rename(tmp, file, ec);
  if (ec) std::filesystem::remove(tmp, ec);
}

Result<std::string> KdsClient::get(const std::string& path_and_query) {
  const std::string base = trim_base(options_.base_url);
  fetches_.fetch_add(1);
  auto r = http_.get(base + path_and_query, {{"Accept", "*/*"}}, options_.timeout);
  if (!r) {
    const auto& e = r.error();
    if (e.code == "http.bad_url") return make_error("kds.bad_url", "KDS base URL: " + e.message);
    if (e.code == "http.protocol_error")
      return make_error("kds.bad_response", "KDS " + base + ": " + e.message + " [" + e.code + "]");
    return make_error("kds.unreachable", "KDS " + base + " unreachable: " + e.message + " [" + e.code + "]");
  }
  if (r->status != 200) {
    std::string body = snippet(r->body);
    return make_error("kds.http_status", "KDS " + base + " answered HTTP " + std::to_string(r->status) +
                                             " for " + path_and_query + (body.empty() ? "" : ": " + body));
  }
  return std::move(r->body);
}

Result<Cert> KdsClient::fetch_vcek(Product product, ByteView chip_id, const Tcb& reported_tcb) {
  if (product == Product::unknown)
    return make_error("kds.product_unknown", "no product line for the KDS request");
  Bytes hwid = kds_hwid(product, chip_id);
  if (hwid.empty() || all_zero(hwid)) {
    // Trustee's wording, so that people searching for it find the cause.
    return make_error(
        "kds.chip_id_masked",
        "Hardware ID is 0s on attestation report. Confirm that MASK_CHIP_ID is set to 0 to request "
        "VCEK from KDS.");
  }
  if (hwid.size() != hwid_size(product)) {
    return make_error("kds.chip_id_invalid", "the chip ID has " + std::to_string(hwid.size()) + " bytes; " +
                                                 product_name(product) + " needs " +
                                                 std::to_string(hwid_size(product)));
  }
  return fetch_vek(vcek_path(product, chip_id, reported_tcb), product, hwid, reported_tcb);
}

Result<Cert> KdsClient::fetch_vek(const std::string& path, Product product, const std::optional<Bytes>& hwid,
                                  const Tcb& tcb) {
  const char* role = hwid ? "VCEK" : "VLEK";
  if (auto cached = cache_read(path)) {
    auto c = cert_from_der(*cached);
    if (c && !vek_mismatch(*c, product, hwid, tcb)) {
      hits_.fetch_add(1);
      return *c;
    }
  }
  auto body = get(path);
  if (!body) return body.error();
  auto cert = cert_from_der(as_bytes(*body));
  if (!cert) return make_error("kds.bad_response", "the KDS answer to " + path + " is not a DER certificate");
  if (auto why = vek_mismatch(*cert, product, hwid, tcb)) {
    // A wrong answer is never cached; without the check it is handed on for the verifier to name.
    if (options_.check_response)
      return make_error("kds.bad_response", std::string("the KDS returned a wrong ") + role + ": " + *why);
    return *cert;
  }
  cache_write(path, as_bytes(*body));
  return *cert;
}

Result<Cert> KdsClient::fetch_vcek_for_report(const Report& report, Product product) {
  Product p = report.product() != Product::unknown ? report.product() : product;
  if (p == Product::unknown) {
    return make_error("kds.product_unknown", "the report (v" + std::to_string(report.version) +
                                                 ") names no product line and none was given");
  }
  return fetch_vcek(p, report.chip_id, decode_tcb(report.reported_tcb, p));
}

Result<Cert> KdsClient::fetch_vlek(Product product, const Tcb& tcb) {
  if (product == Product::unknown)
    return make_error("kds.product_unknown", "no product line for the KDS request");
  return fetch_vek(vlek_cert_path(product, tcb), product, std::nullopt, tcb);
}

Result<std::vector<Cert>> KdsClient::fetch_cert_chain(Product product, bool vlek) {
  if (product == Product::unknown)
    return make_error("kds.product_unknown", "no product line for the KDS request");
  const std::string path = cert_chain_path(product, vlek);
  if (auto cached = cache_read(path)) {
    auto c = certs_from_pem(to_string(*cached));
    if (c && !chain_mismatch(*c, product, vlek)) {
      hits_.fetch_add(1);
      return *c;
    }
  }
  auto body = get(path);
  if (!body) return body.error();
  auto chain = certs_from_pem(*body);
  if (!chain)
    return make_error("kds.bad_response", "the KDS answer to " + path + " is not a PEM certificate chain");
  if (auto why = chain_mismatch(*chain, product, vlek)) {
    if (options_.check_response)
      return make_error("kds.bad_response", "the KDS returned a wrong chain: " + *why);
    return *chain;
  }
  cache_write(path, as_bytes(*body));
  return *chain;
}

Result<Crl> KdsClient::fetch_crl(Product product, bool vlek, bool use_cache) {
  if (product == Product::unknown)
    return make_error("kds.product_unknown", "no product line for the KDS request");
  const std::string path = crl_path(product, vlek);
  if (use_cache) {
    if (auto cached = cache_read(path)) {
      auto c = crl_from_pem_or_der(*cached);
      auto next = c ? c->next_update() : std::nullopt;
      // A CRL is only as good as its nextUpdate: past it, ask again.
      if (c && next && *next > std::chrono::system_clock::now() && !crl_mismatch(*c, product)) {
        hits_.fetch_add(1);
        return *c;
      }
    }
  }
  auto body = get(path);
  if (!body) return body.error();
  auto crl = crl_from_pem_or_der(as_bytes(*body));
  if (!crl) return make_error("kds.bad_response", "the KDS answer to " + path + " is not a CRL");
  if (auto why = crl_mismatch(*crl, product)) {
    if (options_.check_response)
      return make_error("kds.bad_response", "the KDS returned a wrong CRL: " + *why);
    return *crl;
  }
  cache_write(path, as_bytes(*body));
  return *crl;
}

std::function<Result<Bytes>(Product, ByteView, const Tcb&)> make_kds_fetcher(
    std::string base_url, std::filesystem::path cache_dir, std::chrono::milliseconds timeout) {
  KdsClientOptions o;
  o.base_url = std::move(base_url);
  o.cache_dir = std::move(cache_dir);
  o.timeout = timeout;
  o.check_response = false;
  auto client = std::make_shared<KdsClient>(std::move(o));
  return [client](Product product, ByteView chip_id, const Tcb& tcb) -> Result<Bytes> {
    auto cert = client->fetch_vcek(product, chip_id, tcb);
    if (!cert) return cert.error();
    return cert->der();
  };
}

}  // namespace coco::snp
