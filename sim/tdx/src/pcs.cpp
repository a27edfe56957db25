#include "tdx/pcs.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "core/encoding.h"
#include "core/hash.h"
#include "core/json_text.h"
#include "core/x509.h"

namespace coco::tdx {
namespace {

constexpr std::string_view kTcbPath = "/tdx/certification/v4/tcb";
constexpr std::string_view kQeIdentityPath = "/tdx/certification/v4/qe/identity";
constexpr std::string_view kPckCrlPath = "/sgx/certification/v4/pckcrl";
constexpr std::string_view kRootCn = "Intel SGX Root CA";
constexpr std::string_view kTcbSigningCn = "Intel SGX TCB Signing";

std::string trim_base(std::string_view base) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  return std::string(base);
}

std::string ca_name(PckCa ca) {
  return ca == PckCa::platform ? "platform" : "processor";
}

std::string intermediate_cn(PckCa ca) {
  return ca == PckCa::platform ? "Intel SGX PCK Platform CA" : "Intel SGX PCK Processor CA";
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// One line of text, printable, for error messages and header values.
std::string snippet(std::string_view s, std::size_t max = 120) {
  std::string out;
  for (char c : s.substr(0, max)) {
    if (c == '\n' || c == '\r') break;
    out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  return out;
}

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

bool is_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

// The inner object of a PCS JSON body ("tcbInfo" / "enclaveIdentity"), or nullptr.
const nlohmann::json* inner_object(const nlohmann::json& body, const char* key) {
  if (!body.is_object()) return nullptr;
  auto it = body.find(key);
  if (it == body.end() || !it->is_object()) return nullptr;
  return &*it;
}

std::optional<std::string> chain_mismatch(const std::vector<Cert>& chain, const std::string& signer_cn) {
  if (chain.size() < 2)
    return "it holds " + std::to_string(chain.size()) + " certificate(s), not a signer and root";
  if (chain.front().subject_cn() != signer_cn || chain.back().subject_cn() != kRootCn) {
    return "it holds " + chain.front().subject_cn() + " ... " + chain.back().subject_cn() + " instead of " +
           signer_cn + " ... " + std::string(kRootCn);
  }
  return std::nullopt;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// Paths and encodings

std::string tdx_tcb_info_path(const std::array<std::uint8_t, 6>& fmspc) {
  return std::string(kTcbPath) + "?fmspc=" + hex_encode(fmspc);
}

std::string tdx_qe_identity_path() {
  return std::string(kQeIdentityPath);
}

std::string pck_crl_path(PckCa ca, bool der) {
  return std::string(kPckCrlPath) + "?ca=" + ca_name(ca) + "&encoding=" + (der ? "der" : "pem");
}

// ---------------------------------------------------------------------------------------------------------
// CollateralSet <-> JSON

nlohmann::json collateral_to_json(const CollateralSet& set) {
  return nlohmann::json{
      {"tcb_info", set.tcb_info},
      {"tcb_info_issuer_chain", set.tcb_info_issuer_chain},
      {"qe_identity", set.qe_identity},
      {"qe_identity_issuer_chain", set.qe_identity_issuer_chain},
      {"pck_crl", hex_encode(set.pck_crl)},
      {"pck_crl_issuer_chain", set.pck_crl_issuer_chain},
      {"root_crl", hex_encode(set.root_crl)},
  };
}

Result<CollateralSet> collateral_from_json(const nlohmann::json& j) {
  auto bad = [](const std::string& why) {
    return make_error("tdx.collateral_invalid", "TDX collateral: " + why);
  };
  if (!j.is_object()) return bad("not a JSON object");
  std::map<std::string, std::string> s;
  for (const char* key : {"tcb_info", "tcb_info_issuer_chain", "qe_identity", "qe_identity_issuer_chain",
                          "pck_crl", "pck_crl_issuer_chain", "root_crl"}) {
    auto it = j.find(key);
    if (it == j.end()) return bad(std::string("missing \"") + key + "\"");
    if (!it->is_string()) return bad(std::string("\"") + key + "\" is not a string");
    s[key] = it->get<std::string>();
  }
  CollateralSet set;
  set.tcb_info = s["tcb_info"];
  set.tcb_info_issuer_chain = s["tcb_info_issuer_chain"];
  set.qe_identity = s["qe_identity"];
  set.qe_identity_issuer_chain = s["qe_identity_issuer_chain"];
  set.pck_crl_issuer_chain = s["pck_crl_issuer_chain"];
  for (const char* key : {"pck_crl", "root_crl"}) {
    auto der = hex_decode(s[key]);
    if (!der) return bad(std::string("\"") + key + "\" is not hexadecimal");
    (std::string_view(key) == "pck_crl" ? set.pck_crl : set.root_crl) = std::move(*der);
  }
  return set;
}

// ---------------------------------------------------------------------------------------------------------
// FakePcs

FakePcs::FakePcs(IntelAuthority& intel, PcsContent content, FakePcsOptions options)
    : FakeService(options.server, [this](const HttpRequest& r) { return handle(r); }),
      intel_(intel),
      options_(std::move(options)),
      content_(std::make_shared<const PcsContent>(std::move(content))) {}

FakePcs::~FakePcs() {
  stop();
}

void FakePcs::set_content(PcsContent content) {
  auto next = std::make_shared<const PcsContent>(std::move(content));
  std::lock_guard lock(mu_);
  content_ = std::move(next);
  ++generation_;
}

PcsContent FakePcs::content() const {
  std::lock_guard lock(mu_);
  return *content_;
}

std::size_t FakePcs::served(std::string_view route) const {
  if (route == "tcb") return tcb_.load();
  if (route == "qe_identity") return qe_.load();
  if (route == "pckcrl") return pckcrl_.load();
  if (route == "root_crl") return rootcrl_.load();
  if (route == "total") return total_.load();
  if (route == "rejected") return rejected_.load();
  return 0;
}

std::string FakePcs::next_request_id() {
  const std::string in = intel_.seed() + "/pcs-request/" + std::to_string(request_seq_.fetch_add(1));
  return hex_encode(ByteView(sha256(as_bytes(in))).first(16));
}

HttpResponse FakePcs::error(int status, const std::string& message) {
  if (status >= 400 && status < 500) rejected_.fetch_add(1);
  auto r = HttpResponse::text(status, message + "\n");
  if (status == 400) r.headers.set(std::string(kErrorCodeHeader), "InvalidRequestSyntax");
  if (status == 404) r.headers.set(std::string(kErrorCodeHeader), "NotFound");
  if (status == 400 || status == 404) r.headers.set(std::string(kErrorMessageHeader), snippet(message, 200));
  return r;
}

HttpResponse FakePcs::handle(const HttpRequest& req) {
  total_.fetch_add(1);
  HttpResponse r;
  if (req.method != "GET") {
    rejected_.fetch_add(1);
    r = HttpResponse::text(405, "PCS answers GET only\n");
    r.headers.set("Allow", "GET");
  } else {
    const bool wrong = faults().get() == Fault::wrong_answer;
    const std::string_view path = req.path();
    try {
      if (path == kTcbPath) {
        r = serve_tcb(req.query(), wrong);
      } else if (path == kQeIdentityPath) {
        r = serve_qe_identity(req.query(), wrong);
      } else if (path == kPckCrlPath) {
        r = serve_pck_crl(req.query(), wrong);
      } else if (path == kFakeRootCrlPath) {
        r = serve_root_crl(wrong);
      } else {
        r = error(404, "no such PCS resource: " + snippet(path));
      }
    } catch (const std::exception& e) {
      r = HttpResponse::text(500, std::string("fake PCS failure: ") + e.what() + "\n");
    }
  }
  r.headers.set(std::string(kRequestIdHeader), next_request_id());
  return r;
}

namespace {

// PCS's optional TCB-info / identity parameters: update=early|standard or tcbEvaluationDataNumber=<n>, not
// both. Returns why the query is bad, or nullopt. `fmspc` receives the fmspc parameter when `want_fmspc`.
std::optional<std::string> check_tcb_query(std::string_view query, bool want_fmspc, std::string* fmspc) {
  std::map<std::string, std::string> seen;
  for (const auto& [k, v] : parse_query(query)) {
    if (k != "fmspc" && k != "update" && k != "tcbEvaluationDataNumber") continue;  // ignored, as PCS does
    if (!want_fmspc && k == "fmspc") continue;
    if (seen.count(k)) return k + " given twice";
    seen[k] = v;
  }
  if (seen.count("update") && seen["update"] != "early" && seen["update"] != "standard")
    return "update must be early or standard";
  if (seen.count("tcbEvaluationDataNumber") &&
      (!is_digits(seen["tcbEvaluationDataNumber"]) || seen["tcbEvaluationDataNumber"].size() > 10))
    return "tcbEvaluationDataNumber must be a number";
  if (seen.count("update") && seen.count("tcbEvaluationDataNumber"))
    return "update and tcbEvaluationDataNumber cannot be used together";
  if (want_fmspc) {
    if (!seen.count("fmspc")) return "missing query parameter fmspc";
    const std::string& f = seen["fmspc"];
    if (f.size() != 12 || !is_hex(f)) return "fmspc must be 12 hexadecimal characters";
    *fmspc = lower(f);
  }
  return std::nullopt;
}

}  // namespace

HttpResponse FakePcs::serve_tcb(std::string_view query, bool wrong) {
  std::string fmspc;
  if (auto why = check_tcb_query(query, true, &fmspc)) return error(400, *why);
  std::shared_ptr<const PcsContent> c;
  {
    std::lock_guard lock(mu_);
    c = content_;
  }
  auto it = c->tcb_info_by_fmspc.find(fmspc);
  if (it == c->tcb_info_by_fmspc.end()) return error(404, "no TCB info for FMSPC " + fmspc);
  std::string chain = intel_.tcb_signing_chain_pem();
  std::string body = it->second;
  if (wrong) {
    body = c->qe_identity;
    chain = intel_.root().pem() + intel_.tcb_signing().pem();
  }
  auto r = HttpResponse::json(200, std::move(body));
  r.headers.set(std::string(kTcbInfoIssuerChainHeader), url_encode(chain));
  tcb_.fetch_add(1);
  return r;
}

HttpResponse FakePcs::serve_qe_identity(std::string_view query, bool wrong) {
  if (auto why = check_tcb_query(query, false, nullptr)) return error(400, *why);
  std::shared_ptr<const PcsContent> c;
  {
    std::lock_guard lock(mu_);
    c = content_;
  }
  if (c->qe_identity.empty()) return error(404, "no TDX QE identity");
  std::string chain = intel_.tcb_signing_chain_pem();
  std::string body = c->qe_identity;
  if (wrong) {
    body = c->tcb_info_by_fmspc.empty() ? std::string("{}") : c->tcb_info_by_fmspc.begin()->second;
    chain = intel_.root().pem() + intel_.tcb_signing().pem();
  }
  auto r = HttpResponse::json(200, std::move(body));
  r.headers.set(std::string(kEnclaveIdentityIssuerChainHeader), url_encode(chain));
  qe_.fetch_add(1);
  return r;
}

HttpResponse FakePcs::serve_pck_crl(std::string_view query, bool wrong) {
  std::map<std::string, std::string> seen;
  for (const auto& [k, v] : parse_query(query)) {
    if (k != "ca" && k != "encoding") continue;
    if (seen.count(k)) return error(400, k + " given twice");
    seen[k] = v;
  }
  if (!seen.count("ca")) return error(400, "missing query parameter ca");
  PckCa ca;
  if (seen["ca"] == "processor") {
    ca = PckCa::processor;
  } else if (seen["ca"] == "platform") {
    ca = PckCa::platform;
  } else {
    return error(400, "ca must be processor or platform");
  }
  bool der = false;  // PCS's default encoding is PEM
  if (seen.count("encoding")) {
    if (seen["encoding"] == "der") {
      der = true;
    } else if (seen["encoding"] != "pem") {
      return error(400, "encoding must be pem or der");
    }
  }
  auto crl = current_crl(ca, wrong);
  if (!crl) return HttpResponse::text(500, "fake PCS cannot build the CRL: " + crl.error().message + "\n");
  auto r = der ? HttpResponse::binary(to_string(crl->der()), "application/pkix-crl")
               : HttpResponse::binary(crl->pem(), "application/x-pem-file");
  r.headers.set(std::string(kPckCrlIssuerChainHeader),
                url_encode(intel_.intermediate(ca).pem() + intel_.root().pem()));
  pckcrl_.fetch_add(1);
  return r;
}

HttpResponse FakePcs::serve_root_crl(bool wrong) {
  auto crl = current_crl(std::nullopt, wrong);
  if (!crl)
    return HttpResponse::text(500, "fake PCS cannot build the root CRL: " + crl.error().message + "\n");
  rootcrl_.fetch_add(1);
  return HttpResponse::binary(to_string(crl->der()), "application/pkix-crl");
}

Result<Crl> FakePcs::current_crl(std::optional<PckCa> ca, bool wrong) {
  const int slot = !ca ? 2 : (*ca == PckCa::platform ? 1 : 0);
  std::lock_guard lock(mu_);
  const auto now = std::chrono::system_clock::now();
  auto& cached = crls_[slot];
  // Rebuilt hourly so a long-running fake never serves a CRL past its nextUpdate.
  if (!wrong && cached.crl && cached.generation == generation_ &&
      now - cached.built_at < std::chrono::hours(1))
    return cached.crl;
  const SysTime this_update = options_.crl_this_update.value_or(now - std::chrono::hours(1));
  const SysTime next_update = this_update + options_.crl_validity;
  CrlOptions o;
  o.alg = SigAlg::ecdsa_sha256;
  o.crl_number = generation_;
  const Cert* issuer;
  const Key* key;
  if (ca) {
    issuer = wrong ? &intel_.root() : &intel_.intermediate(*ca);
    key = wrong ? &intel_.root_key()
                : (*ca == PckCa::platform ? &intel_.platform_ca_key() : &intel_.processor_ca_key());
  } else {
    issuer = wrong ? &intel_.processor_ca() : &intel_.root();
    key = wrong ? &intel_.processor_ca_key() : &intel_.root_key();
  }
  auto crl = build_crl(*issuer, *key, ca ? content_->revoked_pck_serials : content_->revoked_ca_serials,
                       this_update, next_update, o);
  if (crl && !wrong) cached = CachedCrl{*crl, generation_, now};
  return crl;
}

// ---------------------------------------------------------------------------------------------------------
// PcsClient

PcsClient::PcsClient(std::string base_url, PcsClientOptions options)
    : base_(trim_base(base_url)), options_(std::move(options)), http_(options_.http) {}

std::string PcsClient::root_crl_url() const {
  if (options_.root_crl_url) return *options_.root_crl_url;
  if (base_ == kPcsBaseUrl) return intel_root_crl_url();
  return base_ + std::string(kFakeRootCrlPath);
}

std::filesystem::path PcsClient::cache_file(std::string_view url) const {
  if (options_.cache_dir.empty()) return {};
  return options_.cache_dir / (hex_encode(sha256(as_bytes(url))) + ".json");
}

namespace {

// What the client makes of a fetched (or cached) document: `unusable` when it is not even the right kind of
// data, `mismatch` when it answers another question, and how long it stays fresh.
struct Judged {
  std::optional<std::string> unusable;  // always pcs.bad_response
  std::optional<std::string> mismatch;  // pcs.bad_response when checking
  std::optional<SysTime> next_update;   // freshness, for the cache
};

Judged judge(int kind, const PcsClient::Document& doc, const std::optional<std::string>& fmspc_hex,
             const std::optional<PckCa>& ca) {
  // kind: 0 tcb_info, 1 qe_identity, 2 pck_crl, 3 root_crl
  Judged j;
  std::vector<Cert> chain;
  if (kind != 3) {
    auto c = certs_from_pem(doc.issuer_chain);
    if (!c) {
      j.unusable = "its issuer chain holds no PEM certificates";
      return j;
    }
    chain = std::move(*c);
  }
  if (kind == 0 || kind == 1) {
    auto body = parse_json_limited(doc.body);
    if (body.is_discarded() || !body.is_object()) {
      j.unusable = "its body is not a JSON object: " + snippet(doc.body, 60);
      return j;
    }
    const char* key = kind == 0 ? "tcbInfo" : "enclaveIdentity";
    const nlohmann::json* inner = inner_object(body, key);
    if (!inner) {
      j.mismatch = std::string("its body has no \"") + key + "\" object";
    } else {
      auto nu = inner->find("nextUpdate");
      if (nu != inner->end() && nu->is_string()) j.next_update = parse_utc(nu->get<std::string>());
      if (kind == 0 && fmspc_hex) {
        auto f = inner->find("fmspc");
        if (f != inner->end() && f->is_string() && lower(f->get<std::string>()) != *fmspc_hex)
          j.mismatch =
              "it is the TCB info of FMSPC " + snippet(f->get<std::string>(), 40) + ", not " + *fmspc_hex;
      }
    }
    if (!j.mismatch) {
      if (auto why = chain_mismatch(chain, std::string(kTcbSigningCn))) j.mismatch = "issuer chain: " + *why;
    }
    return j;
  }
  auto crl = crl_from_der(as_bytes(doc.body));
  if (!crl) {
    j.unusable = "its body is not a DER CRL";
    return j;
  }
  j.next_update = crl->next_update();
  const std::string want = kind == 2 ? intermediate_cn(ca.value_or(PckCa::processor)) : std::string(kRootCn);
  if (crl->issuer_cn() != want) {
    j.mismatch = "the CRL is issued by \"" + snippet(crl->issuer_cn(), 60) + "\", not " + want;
  } else if (kind == 2) {
    if (auto why = chain_mismatch(chain, want)) j.mismatch = "issuer chain: " + *why;
  }
  return j;
}

}  // namespace

std::optional<PcsClient::Document> PcsClient::cache_read(const std::string& url) {
  auto file = cache_file(url);
  if (file.empty()) return std::nullopt;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return std::nullopt;
  auto data = read_file(file);
  if (!data) return std::nullopt;
  auto j = parse_json_limited(to_string(*data));
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  auto u = j.find("url");
  auto b = j.find("body_hex");
  auto c = j.find("issuer_chain");
  if (u == j.end() || b == j.end() || c == j.end() || !u->is_string() || !b->is_string() || !c->is_string())
    return std::nullopt;
  if (u->get<std::string>() != url) return std::nullopt;
  auto body = hex_decode(b->get<std::string>());
  if (!body) return std::nullopt;
  return Document{to_string(*body), c->get<std::string>()};
}

void PcsClient::cache_write(const std::string& url, const Document& doc) {
  auto file = cache_file(url);
  if (file.empty()) return;
  nlohmann::json j{
      {"url", url}, {"body_hex", hex_encode(as_bytes(doc.body))}, {"issuer_chain", doc.issuer_chain}};
  // Write-then-rename, so that a concurrent reader never sees half a file; a cache that cannot be written
  // only costs a fetch next time.
  static std::atomic<std::uint64_t> seq{0};
  std::error_code ec;
  std::filesystem::create_directories(options_.cache_dir, ec);
  auto tmp = file;
  tmp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(seq.fetch_add(1));
  if (!write_file(tmp, as_bytes(j.dump()))) return;
  std::filesystem::rename(tmp, file, ec);
  if (ec) std::filesystem::remove(tmp, ec);
}

Result<PcsClient::Document> PcsClient::fetch_document(Kind kind, const std::string& url,
                                                      std::optional<std::string> fmspc_hex,
                                                      std::optional<PckCa> ca) {
  const int k = static_cast<int>(kind);
  if (auto cached = cache_read(url)) {
    Judged j = judge(k, *cached, fmspc_hex, ca);
    if (!j.unusable && !j.mismatch && j.next_update && *j.next_update > std::chrono::system_clock::now()) {
      hits_.fetch_add(1);
      return *cached;
    }
  }
  // The route as a person reads it: path and query for the PCS routes, the URL for the root CRL.
  std::string route = url;
  if (kind != Kind::root_crl && url.rfind(base_, 0) == 0) route = url.substr(base_.size());

  fetches_.fetch_add(1);
  auto r = http_.get(url, {{"Accept", "*/*"}}, options_.timeout);
  if (!r) {
    const auto& e = r.error();
    if (e.code == "http.bad_url") return make_error("pcs.bad_url", "PCS URL " + url + ": " + e.message);
    if (e.code == "http.protocol_error")
      return make_error("pcs.bad_response", "PCS " + route + ": " + e.message + " [" + e.code + "]");
    return make_error("pcs.unreachable", "PCS " + url + " unreachable: " + e.message + " [" + e.code + "]");
  }
  if (r->status != 200) {
    std::string detail;
    auto code = r->headers.get(kErrorCodeHeader);
    auto msg = r->headers.get(kErrorMessageHeader);
    if (code || msg) {
      detail = " [Error-Code " + snippet(code.value_or("-"), 60) + (msg ? ": " + snippet(*msg) : "") + "]";
    } else if (auto body = snippet(r->body); !body.empty()) {
      detail = ": " + body;
    }
    return make_error("pcs.http_status", "PCS " + base_ + " answered HTTP " + std::to_string(r->status) +
                                             " for " + route + detail);
  }

  Document doc;
  doc.body = std::move(r->body);
  if (kind != Kind::root_crl) {
    const std::string_view header = kind == Kind::tcb_info      ? kTcbInfoIssuerChainHeader
                                    : kind == Kind::qe_identity ? kEnclaveIdentityIssuerChainHeader
                                                                : kPckCrlIssuerChainHeader;
    auto raw = r->headers.get(header);
    if (!raw)
      return make_error("pcs.bad_response",
                        "the PCS answer to " + route + " has no " + std::string(header) + " header");
    auto pem = percent_decode(*raw, false);  // '+' stays: base64 PEM is full of them
    if (!pem)
      return make_error("pcs.bad_response", "the " + std::string(header) + " header of the answer to " +
                                                route + " does not URL-decode");
    doc.issuer_chain = std::move(*pem);
  }
  if (kind == Kind::pck_crl || kind == Kind::root_crl) {
    // Asked for DER; take PEM too (and store DER).
    if (!crl_from_der(as_bytes(doc.body))) {
      if (auto crl = crl_from_pem(doc.body)) doc.body = to_string(crl->der());
    }
  }
  Judged j = judge(k, doc, fmspc_hex, ca);
  if (j.unusable)
    return make_error("pcs.bad_response", "the PCS answer to " + route + " is unusable: " + *j.unusable);
  if (j.mismatch) {
    if (options_.check_response)
      return make_error("pcs.bad_response", "the PCS answer to " + route + " is wrong: " + *j.mismatch);
    return doc;
  }
  cache_write(url, doc);
  return doc;
}

Result<PcsClient::Document> PcsClient::fetch_tcb_info(const std::array<std::uint8_t, 6>& fmspc) {
  return fetch_document(Kind::tcb_info, base_ + tdx_tcb_info_path(fmspc), hex_encode(fmspc), std::nullopt);
}

Result<PcsClient::Document> PcsClient::fetch_qe_identity() {
  return fetch_document(Kind::qe_identity, base_ + tdx_qe_identity_path(), std::nullopt, std::nullopt);
}

Result<PcsClient::Document> PcsClient::fetch_pck_crl(PckCa ca) {
  return fetch_document(Kind::pck_crl, base_ + pck_crl_path(ca, true), std::nullopt, ca);
}

Result<Bytes> PcsClient::fetch_root_crl() {
  auto d = fetch_document(Kind::root_crl, root_crl_url(), std::nullopt, std::nullopt);
  if (!d) return d.error();
  return to_bytes(as_bytes(d->body));
}

Result<CollateralSet> PcsClient::fetch(std::array<std::uint8_t, 6> fmspc, PckCa ca) {
  CollateralSet set;
  auto tcb = fetch_tcb_info(fmspc);
  if (!tcb) return tcb.error();
  set.tcb_info = std::move(tcb->body);
  set.tcb_info_issuer_chain = std::move(tcb->issuer_chain);
  auto qe = fetch_qe_identity();
  if (!qe) return qe.error();
  set.qe_identity = std::move(qe->body);
  set.qe_identity_issuer_chain = std::move(qe->issuer_chain);
  auto crl = fetch_pck_crl(ca);
  if (!crl) return crl.error();
  set.pck_crl = to_bytes(as_bytes(crl->body));
  set.pck_crl_issuer_chain = std::move(crl->issuer_chain);
  auto root = fetch_root_crl();
  if (!root) return root.error();
  set.root_crl = std::move(*root);
  return set;
}

}  // namespace coco::tdx
