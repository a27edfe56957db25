#include "tdx/collateral.h"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/encoding.h"
#include "core/hash.h"
#include "core/json_text.h"

namespace coco::tdx {
namespace {

constexpr const char* kErr = "tdx.collateral_invalid";

using nlohmann::json;
using ojson = nlohmann::ordered_json;

// ---- status names ----------------------------------------------------------------------------------

struct StatusName {
  TcbStatus status;
  std::string_view name;
};
constexpr StatusName kStatusNames[] = {
    {TcbStatus::up_to_date, "UpToDate"},
    {TcbStatus::sw_hardening_needed, "SWHardeningNeeded"},
    {TcbStatus::configuration_needed, "ConfigurationNeeded"},
    {TcbStatus::configuration_and_sw_hardening_needed, "ConfigurationAndSWHardeningNeeded"},
    {TcbStatus::out_of_date, "OutOfDate"},
    {TcbStatus::out_of_date_configuration_needed, "OutOfDateConfigurationNeeded"},
    {TcbStatus::revoked, "Revoked"},
};

// ---- raw scan of a response body -------------------------------------------------------------------

bool is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

void skip_ws(std::string_view s, std::size_t& pos) {
  while (pos < s.size() && is_ws(s[pos])) ++pos;
}

// Advances `pos` past a JSON string starting at s[pos] == '"'. Escapes skip the next character; the
// string's contents are validated later by the full parse.
bool skip_string(std::string_view s, std::size_t& pos) {
  if (pos >= s.size() || s[pos] != '"') return false;
  ++pos;
  while (pos < s.size()) {
    const char c = s[pos];
    if (c == '"') {
      ++pos;
      return true;
    }
    if (c == '\\') {
      if (s.size() - pos < 2) return false;
      pos += 2;
    } else {
      ++pos;
    }
  }
  return false;
}

// Advances `pos` past one JSON value (object, array, string or scalar) without recursion.
bool skip_value(std::string_view s, std::size_t& pos) {
  if (pos >= s.size()) return false;
  const char first = s[pos];
  if (first == '"') return skip_string(s, pos);
  if (first == '{' || first == '[') {
    std::size_t depth = 0;
    while (pos < s.size()) {
      const char c = s[pos];
      if (c == '"') {
        if (!skip_string(s, pos)) return false;
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (depth == 0) return false;
        if (--depth == 0) {
          ++pos;
          return true;
        }
      }
      ++pos;
    }
    return false;
  }
  const std::size_t start = pos;
  while (pos < s.size() && !is_ws(s[pos]) && s[pos] != ',' && s[pos] != '}' && s[pos] != ']') ++pos;
  return pos > start;
}

Error invalid(const std::string& message) {
  return make_error(kErr, message);
}

// ---- field readers ---------------------------------------------------------------------------------

// Reads fields of a parsed JSON document, remembering the first failure (with the field's path); the
// values returned after a failure are placeholders and the caller returns the error.
class Reader {
 public:
  std::optional<Error> error;

  void fail(const std::string& path, const std::string& what) {
    if (!error) error = invalid(path + ": " + what);
  }

  const json* member(const json& obj, const char* key, const std::string& path, bool required = true) {
    if (!obj.is_object()) {
      fail(path, "not an object");
      return nullptr;
    }
    auto it = obj.find(key);
    if (it == obj.end()) {
      if (required) fail(path + "." + key, "missing");
      return nullptr;
    }
    return &*it;
  }

  std::string str(const json& obj, const char* key, const std::string& path) {
    const json* v = member(obj, key, path);
    if (!v) return {};
    if (!v->is_string()) {
      fail(path + "." + key, "not a string");
      return {};
    }
    return v->get<std::string>();
  }

  std::uint64_t uint_value(const json& v, const std::string& path, std::uint64_t max) {
    if (!v.is_number_unsigned()) {  // nlohmann reads every non-negative integer literal as unsigned
      fail(path, "not a non-negative integer");
      return 0;
    }
    const std::uint64_t n = v.get<std::uint64_t>();
    if (n > max) {
      fail(path, "value " + std::to_string(n) + " out of range (max " + std::to_string(max) + ")");
      return 0;
    }
    return n;
  }

  std::uint64_t uint(const json& obj, const char* key, const std::string& path, std::uint64_t max) {
    const json* v = member(obj, key, path);
    if (!v) return 0;
    return uint_value(*v, path + "." + key, max);
  }

  Bytes hex(const json& obj, const char* key, const std::string& path, std::size_t n) {
    const std::string s = str(obj, key, path);
    if (error) return Bytes(n);
    if (s.size() != 2 * n) {
      fail(path + "." + key,
           "expected " + std::to_string(2 * n) + " hex digits, got " + std::to_string(s.size()));
      return Bytes(n);
    }
    auto b = hex_decode(s);
    if (!b) {
      fail(path + "." + key, "not hex");
      return Bytes(n);
    }
    return *b;
  }

  template <std::size_t N>
  std::array<std::uint8_t, N> hex_array(const json& obj, const char* key, const std::string& path) {
    const Bytes b = hex(obj, key, path, N);
    std::array<std::uint8_t, N> out{};
    if (b.size() == N) std::copy(b.begin(), b.end(), out.begin());
    return out;
  }

  // Intel's dates: "YYYY-MM-DDTHH:MM:SSZ" exactly.
  std::string date_text(const json& obj, const char* key, const std::string& path) {
    std::string s = str(obj, key, path);
    if (error) return {};
    auto t = parse_utc(s);
    if (!t || format_utc(*t) != s)
      fail(path + "." + key, "not a UTC date YYYY-MM-DDTHH:MM:SSZ: \"" + s + "\"");
    return s;
  }

  SysTime date(const json& obj, const char* key, const std::string& path) {
    const std::string s = date_text(obj, key, path);
    if (error) return {};
    return *parse_utc(s);
  }

  TcbStatus status(const json& obj, const std::string& path) {
    const std::string s = str(obj, "tcbStatus", path);
    if (error) return TcbStatus::up_to_date;
    auto st = parse_tcb_status(s);
    if (!st) {
      fail(path + ".tcbStatus", "unknown status \"" + s + "\"");
      return TcbStatus::up_to_date;
    }
    return *st;
  }

  std::vector<std::string> advisories(const json& obj, const std::string& path) {
    std::vector<std::string> out;
    const json* v = member(obj, "advisoryIDs", path, false);
    if (!v) return out;
    if (!v->is_array()) {
      fail(path + ".advisoryIDs", "not an array");
      return out;
    }
    for (std::size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_string()) {
        fail(path + ".advisoryIDs[" + std::to_string(i) + "]", "not a string");
        return out;
      }
      out.push_back((*v)[i].get<std::string>());
    }
    return out;
  }

  // A non-empty array member.
  const json* array(const json& obj, const char* key, const std::string& path, bool required = true) {
    const json* v = member(obj, key, path, required);
    if (!v) return nullptr;
    if (!v->is_array()) {
      fail(path + "." + key, "not an array");
      return nullptr;
    }
    if (v->empty()) {
      fail(path + "." + key, "empty");
      return nullptr;
    }
    return v;
  }

  std::array<TcbComponent, 16> components(const json& obj, const char* key, const std::string& path) {
    std::array<TcbComponent, 16> out{};
    const json* arr = array(obj, key, path);
    if (!arr) return out;
    const std::string p = path + "." + key;
    if (arr->size() != 16) {
      fail(p, "expected 16 components, got " + std::to_string(arr->size()));
      return out;
    }
    for (std::size_t i = 0; i < 16; ++i) {
      const json& c = (*arr)[i];
      const std::string ci = p + "[" + std::to_string(i) + "]";
      out[i].svn = static_cast<std::uint8_t>(uint(c, "svn", ci, 0xFF));
      for (const char* name : {"category", "type"}) {
        const json* v = member(c, name, ci, false);
        if (!v) continue;
        if (!v->is_string()) {
          fail(ci + "." + name, "not a string");
          continue;
        }
        (name[0] == 'c' ? out[i].category : out[i].type) = v->get<std::string>();
      }
    }
    return out;
  }

  TdxModuleIdentity module_identity(const json& obj, const std::string& path, bool with_id_and_levels) {
    TdxModuleIdentity m;
    if (with_id_and_levels) m.id = str(obj, "id", path);
    m.mrsigner = hex(obj, "mrsigner", path, 48);
    m.attributes = hex(obj, "attributes", path, 8);
    m.attributes_mask = hex(obj, "attributesMask", path, 8);
    if (!with_id_and_levels) return m;
    const json* levels = array(obj, "tcbLevels", path);
    if (!levels) return m;
    for (std::size_t i = 0; i < levels->size() && !error; ++i) {
      const json& l = (*levels)[i];
      const std::string lp = path + ".tcbLevels[" + std::to_string(i) + "]";
      ModuleTcbLevel level;
      if (const json* tcb = member(l, "tcb", lp))
        level.isvsvn = static_cast<std::uint8_t>(uint(*tcb, "isvsvn", lp + ".tcb", 0xFF));
      level.tcb_date = date_text(l, "tcbDate", lp);
      level.status = status(l, lp);
      level.advisory_ids = advisories(l, lp);
      m.tcb_levels.push_back(std::move(level));
    }
    return m;
  }
};

json parse_inner(std::string_view text, const char* what, std::optional<Error>& err) {
  json doc = parse_json_limited(text);
  if (doc.is_discarded()) {
    err = invalid(std::string(what) + ": not valid JSON");
    return json();
  }
  if (!doc.is_object()) err = invalid(std::string(what) + ": not a JSON object");
  return doc;
}

// ---- serialisation ---------------------------------------------------------------------------------

std::string upper_hex(ByteView b) {
  std::string s = hex_encode(b);
  for (char& c : s)
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

std::string dump(const ojson& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

ojson components_json(const std::array<TcbComponent, 16>& comps) {
  ojson arr = ojson::array();
  for (const auto& c : comps) {
    ojson o;
    o["svn"] = c.svn;
    if (!c.category.empty()) o["category"] = c.category;
    if (!c.type.empty()) o["type"] = c.type;
    arr.push_back(std::move(o));
  }
  return arr;
}

void put_level_tail(ojson& o, const std::string& date, TcbStatus st, const std::vector<std::string>& adv) {
  o["tcbDate"] = date;
  o["tcbStatus"] = std::string(tcb_status_name(st));
  if (!adv.empty()) o["advisoryIDs"] = adv;
}

ojson module_json(const TdxModuleIdentity& m, bool with_id_and_levels) {
  ojson o;
  if (with_id_and_levels) o["id"] = m.id;
  o["mrsigner"] = upper_hex(m.mrsigner);
  o["attributes"] = upper_hex(m.attributes);
  o["attributesMask"] = upper_hex(m.attributes_mask);
  if (with_id_and_levels) {
    ojson levels = ojson::array();
    for (const auto& l : m.tcb_levels) {
      ojson lo;
      lo["tcb"]["isvsvn"] = l.isvsvn;
      put_level_tail(lo, l.tcb_date, l.status, l.advisory_ids);
      levels.push_back(std::move(lo));
    }
    o["tcbLevels"] = std::move(levels);
  }
  return o;
}

std::string signed_response(const char* key, const std::string& inner, const Key& key_pair) {
  const EcdsaSignature sig = ecdsa_sign_digest(key_pair, sha256(as_bytes(inner)));
  Bytes rs = sig.r;
  rs.insert(rs.end(), sig.s.begin(), sig.s.end());
  return std::string("{\"") + key + "\":" + inner + ",\"signature\":\"" + hex_encode(rs) + "\"}";
}

std::string midnight(SysTime t) {
  std::string s = format_utc(t);
  return s.substr(0, 10) + "T00:00:00Z";
}

// Masked byte-wise equality: (value & mask) == expected.
bool masked_equal(ByteView value, ByteView mask, ByteView expected) {
  if (value.size() != mask.size() || value.size() != expected.size()) return false;
  for (std::size_t i = 0; i < value.size(); ++i)
    if ((value[i] & mask[i]) != expected[i]) return false;
  return true;
}

TcbStatus converge_one(TcbStatus s, TcbStatus other) {
  if (other == TcbStatus::out_of_date) {
    if (s == TcbStatus::up_to_date || s == TcbStatus::sw_hardening_needed) return TcbStatus::out_of_date;
    if (s == TcbStatus::configuration_needed || s == TcbStatus::configuration_and_sw_hardening_needed)
      return TcbStatus::out_of_date_configuration_needed;
    return s;
  }
  if (other == TcbStatus::revoked) return TcbStatus::revoked;
  return s;
}

std::string module_id_for(std::uint8_t major) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "TDX_%02X", major);
  return buf;
}

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto up = [](char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; };
    if (up(a[i]) != up(b[i])) return false;
  }
  return true;
}

Status check_module(const TdxModuleIdentity& m, const TdQuoteBody& body, const std::string& what) {
  if (!std::equal(m.mrsigner.begin(), m.mrsigner.end(), body.mrsigner_seam.begin(), body.mrsigner_seam.end()))
    return make_error("tdx.module_identity_mismatch", what + ": MRSIGNERSEAM " +
                                                          hex_encode(body.mrsigner_seam) + " differs from " +
                                                          hex_encode(m.mrsigner));
  if (!masked_equal(body.seam_attributes, m.attributes_mask, m.attributes))
    return make_error("tdx.module_identity_mismatch",
                      what + ": SEAMATTRIBUTES " + hex_encode(body.seam_attributes) + " & mask " +
                          hex_encode(m.attributes_mask) + " differs from " + hex_encode(m.attributes));
  return ok_status();
}

}  // namespace

// ---- statuses --------------------------------------------------------------------------------------

std::string_view tcb_status_name(TcbStatus status) {
  for (const auto& n : kStatusNames)
    if (n.status == status) return n.name;
  return "Unknown";
}

Result<TcbStatus> parse_tcb_status(std::string_view name) {
  for (const auto& n : kStatusNames)
    if (n.name == name) return n.status;
  return invalid("unknown TCB status \"" + std::string(name.substr(0, 64)) + "\"");
}

// ---- signed bodies ---------------------------------------------------------------------------------

Result<SignedBody> split_signed_body(std::string_view body, std::string_view inner_key) {
  const std::string what = "PCS response (" + std::string(inner_key) + ")";
  std::size_t pos = 0;
  skip_ws(body, pos);
  if (pos >= body.size() || body[pos] != '{') return invalid(what + ": not a JSON object");
  ++pos;
  std::optional<std::string_view> inner;
  bool first = true;
  for (;;) {
    skip_ws(body, pos);
    if (pos >= body.size()) return invalid(what + ": truncated");
    if (body[pos] == '}' && first) {
      ++pos;
      break;
    }
    const std::size_t key_start = pos;
    if (!skip_string(body, pos)) return invalid(what + ": bad member name");
    json key = parse_json_limited(body.substr(key_start, pos - key_start));
    if (!key.is_string()) return invalid(what + ": bad member name");
    skip_ws(body, pos);
    if (pos >= body.size() || body[pos] != ':') return invalid(what + ": expected ':'");
    ++pos;
    skip_ws(body, pos);
    const std::size_t value_start = pos;
    if (!skip_value(body, pos)) return invalid(what + ": truncated or malformed value");
    if (key.get<std::string>() == inner_key) {
      if (inner) return invalid(what + ": duplicate \"" + std::string(inner_key) + "\"");
      inner = body.substr(value_start, pos - value_start);
    }
    first = false;
    skip_ws(body, pos);
    if (pos >= body.size()) return invalid(what + ": truncated");
    if (body[pos] == ',') {
      ++pos;
      continue;
    }
    if (body[pos] != '}') return invalid(what + ": expected ',' or '}'");
    ++pos;
    break;
  }
  skip_ws(body, pos);
  if (pos != body.size()) return invalid(what + ": trailing data after the object");

  // The scan found the span; the full parse validates everything (and the signature's type).
  json doc = parse_json_limited(body);
  if (doc.is_discarded() || !doc.is_object()) return invalid(what + ": not valid JSON");
  if (!inner) return invalid(what + ": \"" + std::string(inner_key) + "\" missing");
  if (inner->empty() || inner->front() != '{')
    return invalid(what + ": \"" + std::string(inner_key) + "\" is not an object");
  auto sig = doc.find("signature");
  if (sig == doc.end()) return invalid(what + ": \"signature\" missing");
  if (!sig->is_string()) return invalid(what + ": \"signature\" is not a string");
  const std::string sig_hex = sig->get<std::string>();
  auto sig_bytes = hex_decode(sig_hex);
  if (sig_hex.size() != 128 || !sig_bytes)
    return invalid(what + ": \"signature\" is not 128 hex digits (r || s)");
  SignedBody out;
  out.signed_bytes = std::string(*inner);
  std::copy(sig_bytes->begin(), sig_bytes->end(), out.signature.begin());
  return out;
}

bool verify_collateral_signature(const SignedBody& body, const Cert& signer) {
  if (!signer) return false;
  const Key pub = signer.public_key();
  if (!pub || pub.curve_name() != "prime256v1") return false;
  EcdsaSignature sig;
  sig.r.assign(body.signature.begin(), body.signature.begin() + 32);
  sig.s.assign(body.signature.begin() + 32, body.signature.end());
  return ecdsa_verify_digest(pub, sha256(as_bytes(body.signed_bytes)), sig);
}

// ---- parsers ---------------------------------------------------------------------------------------

Result<TcbInfo> parse_tcb_info_object(std::string_view inner_json) {
  std::optional<Error> perr;
  const json doc = parse_inner(inner_json, "tcbInfo", perr);
  if (perr) return *perr;
  Reader r;
  const std::string p = "tcbInfo";
  TcbInfo info;
  info.id = r.str(doc, "id", p);
  info.version = static_cast<int>(r.uint(doc, "version", p, INT_MAX));
  info.issue_date = r.date(doc, "issueDate", p);
  info.next_update = r.date(doc, "nextUpdate", p);
  info.fmspc = r.hex_array<6>(doc, "fmspc", p);
  info.pce_id = r.hex_array<2>(doc, "pceId", p);
  info.tcb_type = static_cast<int>(r.uint(doc, "tcbType", p, INT_MAX));
  info.tcb_evaluation_data_number =
      static_cast<std::uint32_t>(r.uint(doc, "tcbEvaluationDataNumber", p, UINT32_MAX));
  if (r.error) return *r.error;

  if (const json* m = r.member(doc, "tdxModule", p, false)) {
    if (!m->is_object()) return invalid(p + ".tdxModule: not an object");
    info.tdx_module = r.module_identity(*m, p + ".tdxModule", false);
  }
  if (const json* ids = r.member(doc, "tdxModuleIdentities", p, false)) {
    if (!ids->is_array()) return invalid(p + ".tdxModuleIdentities: not an array");
    for (std::size_t i = 0; i < ids->size() && !r.error; ++i) {
      const std::string ip = p + ".tdxModuleIdentities[" + std::to_string(i) + "]";
      if (!(*ids)[i].is_object()) return invalid(ip + ": not an object");
      info.tdx_module_identities.push_back(r.module_identity((*ids)[i], ip, true));
    }
  }
  if (r.error) return *r.error;

  const bool tdx = info.id == "TDX";
  const json* levels = r.array(doc, "tcbLevels", p);
  if (!levels) return *r.error;
  for (std::size_t i = 0; i < levels->size() && !r.error; ++i) {
    const json& l = (*levels)[i];
    const std::string lp = p + ".tcbLevels[" + std::to_string(i) + "]";
    TcbLevel level;
    const json* tcb = r.member(l, "tcb", lp);
    if (!tcb) break;
    if (!tcb->is_object()) {
      r.fail(lp + ".tcb", "not an object");
      break;
    }
    level.sgx_components = r.components(*tcb, "sgxtcbcomponents", lp + ".tcb");
    level.pcesvn = static_cast<std::uint16_t>(r.uint(*tcb, "pcesvn", lp + ".tcb", 0xFFFF));
    if (tdx || tcb->contains("tdxtcbcomponents"))
      level.tdx_components = r.components(*tcb, "tdxtcbcomponents", lp + ".tcb");
    level.tcb_date = r.date_text(l, "tcbDate", lp);
    level.status = r.status(l, lp);
    level.advisory_ids = r.advisories(l, lp);
    info.tcb_levels.push_back(std::move(level));
  }
  if (r.error) return *r.error;
  return info;
}

Result<QeIdentity> parse_qe_identity_object(std::string_view inner_json) {
  std::optional<Error> perr;
  const json doc = parse_inner(inner_json, "enclaveIdentity", perr);
  if (perr) return *perr;
  Reader r;
  const std::string p = "enclaveIdentity";
  QeIdentity id;
  id.id = r.str(doc, "id", p);
  id.version = static_cast<int>(r.uint(doc, "version", p, INT_MAX));
  id.issue_date = r.date(doc, "issueDate", p);
  id.next_update = r.date(doc, "nextUpdate", p);
  id.tcb_evaluation_data_number =
      static_cast<std::uint32_t>(r.uint(doc, "tcbEvaluationDataNumber", p, UINT32_MAX));
  id.miscselect = load_le32(r.hex(doc, "miscselect", p, 4), 0);
  id.miscselect_mask = load_le32(r.hex(doc, "miscselectMask", p, 4), 0);
  id.attributes = r.hex_array<16>(doc, "attributes", p);
  id.attributes_mask = r.hex_array<16>(doc, "attributesMask", p);
  id.mrsigner = r.hex_array<32>(doc, "mrsigner", p);
  id.isvprodid = static_cast<std::uint16_t>(r.uint(doc, "isvprodid", p, 0xFFFF));
  if (r.error) return *r.error;
  const json* levels = r.array(doc, "tcbLevels", p);
  if (!levels) return *r.error;
  for (std::size_t i = 0; i < levels->size() && !r.error; ++i) {
    const json& l = (*levels)[i];
    const std::string lp = p + ".tcbLevels[" + std::to_string(i) + "]";
    QeTcbLevel level;
    const json* tcb = r.member(l, "tcb", lp);
    if (!tcb) break;
    level.isvsvn = static_cast<std::uint16_t>(r.uint(*tcb, "isvsvn", lp + ".tcb", 0xFFFF));
    level.tcb_date = r.date_text(l, "tcbDate", lp);
    level.status = r.status(l, lp);
    level.advisory_ids = r.advisories(l, lp);
    id.tcb_levels.push_back(std::move(level));
  }
  if (r.error) return *r.error;
  return id;
}

Result<TcbInfo> parse_tcb_info(std::string_view body) {
  auto split = split_signed_body(body, "tcbInfo");
  if (!split) return split.error();
  return parse_tcb_info_object(split->signed_bytes);
}

Result<QeIdentity> parse_qe_identity(std::string_view body) {
  auto split = split_signed_body(body, "enclaveIdentity");
  if (!split) return split.error();
  return parse_qe_identity_object(split->signed_bytes);
}

// ---- matching --------------------------------------------------------------------------------------

Result<TcbMatch> match_tcb_level(const TcbInfo& info, const SgxExtensions& pck, const TdQuoteBody& body) {
  const auto& tee = body.tee_tcb_svn;
  const std::size_t tdx_first = tee[1] > 0 ? 2 : 0;
  std::optional<std::size_t> found;
  for (std::size_t li = 0; li < info.tcb_levels.size() && !found; ++li) {
    const TcbLevel& l = info.tcb_levels[li];
    bool ok = pck.pcesvn >= l.pcesvn;
    for (std::size_t i = 0; ok && i < 16; ++i) ok = pck.tcb_comp_svn[i] >= l.sgx_components[i].svn;
    for (std::size_t i = tdx_first; ok && i < 16; ++i) ok = tee[i] >= l.tdx_components[i].svn;
    if (ok) found = li;
  }
  if (!found)
    return make_error("tdx.tcb_level_not_found", "no TCB level matches PCK TCB " +
                                                     hex_encode(pck.tcb_comp_svn) + " PCESVN " +
                                                     std::to_string(pck.pcesvn) + " and TEE_TCB_SVN " +
                                                     hex_encode(tee) + " (TCB not supported)");
  const TcbLevel& level = info.tcb_levels[*found];
  TcbMatch m;
  m.platform_status = level.status;
  m.tcb_date = level.tcb_date;
  m.advisory_ids = level.advisory_ids;
  m.level_index = *found;

  if (tee[1] == 0) {
    if (info.tdx_module) {
      auto st = check_module(*info.tdx_module, body, "tdxModule");
      if (!st) return st.error();
    }
    return m;
  }
  const std::string want = module_id_for(tee[1]);
  auto it = std::find_if(info.tdx_module_identities.begin(), info.tdx_module_identities.end(),
                         [&](const TdxModuleIdentity& id) { return iequal(id.id, want); });
  if (it == info.tdx_module_identities.end())
    return make_error("tdx.module_identity_not_found",
                      "TCB info has no TDX module identity " + want + " for TEE_TCB_SVN " + hex_encode(tee));
  auto st = check_module(*it, body, want);
  if (!st) return st.error();
  auto ml = std::find_if(it->tcb_levels.begin(), it->tcb_levels.end(),
                         [&](const ModuleTcbLevel& l) { return l.isvsvn <= tee[0]; });
  if (ml == it->tcb_levels.end())
    return make_error("tdx.tcb_level_not_found",
                      "no " + want + " module TCB level for TDX module ISVSVN " + std::to_string(tee[0]));
  m.module_status = ml->status;
  m.module_tcb_date = ml->tcb_date;
  m.module_advisory_ids = ml->advisory_ids;
  return m;
}

Result<QeMatch> match_qe_identity(const QeIdentity& identity, const SgxReportBody& qe_report) {
  const char* code = "tdx.qe_identity_mismatch";
  if (qe_report.mrsigner != identity.mrsigner)
    return make_error(code, "QE MRSIGNER " + hex_encode(qe_report.mrsigner) + " differs from " +
                                hex_encode(identity.mrsigner));
  if (qe_report.isvprodid != identity.isvprodid)
    return make_error(code, "QE ISVPRODID " + std::to_string(qe_report.isvprodid) + " differs from " +
                                std::to_string(identity.isvprodid));
  if ((qe_report.miscselect & identity.miscselect_mask) != identity.miscselect)
    return make_error(code,
                      "QE MISCSELECT " + std::to_string(qe_report.miscselect) + " & mask does not match");
  if (!masked_equal(qe_report.attributes, identity.attributes_mask, identity.attributes))
    return make_error(code, "QE ATTRIBUTES " + hex_encode(qe_report.attributes) + " & mask " +
                                hex_encode(identity.attributes_mask) + " differs from " +
                                hex_encode(identity.attributes));
  for (const auto& l : identity.tcb_levels)
    if (l.isvsvn <= qe_report.isvsvn) return QeMatch{l.status, l.tcb_date, l.advisory_ids};
  return make_error("tdx.qe_tcb_level_not_found",
                    "no QE identity TCB level for QE ISVSVN " + std::to_string(qe_report.isvsvn));
}

TcbStatus converge_tcb_status(TcbStatus platform, std::optional<TcbStatus> module, TcbStatus qe) {
  TcbStatus s = platform;
  if (module) s = converge_one(s, *module);
  return converge_one(s, qe);
}

// ---- serialisation and signing ---------------------------------------------------------------------

std::string tcb_info_json(const TcbInfo& info) {
  ojson o;
  o["id"] = info.id;
  o["version"] = info.version;
  o["issueDate"] = format_utc(info.issue_date);
  o["nextUpdate"] = format_utc(info.next_update);
  o["fmspc"] = hex_encode(info.fmspc);
  o["pceId"] = hex_encode(info.pce_id);
  o["tcbType"] = info.tcb_type;
  o["tcbEvaluationDataNumber"] = info.tcb_evaluation_data_number;
  if (info.tdx_module) o["tdxModule"] = module_json(*info.tdx_module, false);
  if (!info.tdx_module_identities.empty()) {
    ojson ids = ojson::array();
    for (const auto& m : info.tdx_module_identities) ids.push_back(module_json(m, true));
    o["tdxModuleIdentities"] = std::move(ids);
  }
  ojson levels = ojson::array();
  for (const auto& l : info.tcb_levels) {
    ojson lo;
    lo["tcb"]["sgxtcbcomponents"] = components_json(l.sgx_components);
    lo["tcb"]["pcesvn"] = l.pcesvn;
    lo["tcb"]["tdxtcbcomponents"] = components_json(l.tdx_components);
    put_level_tail(lo, l.tcb_date, l.status, l.advisory_ids);
    levels.push_back(std::move(lo));
  }
  o["tcbLevels"] = std::move(levels);
  return dump(o);
}

std::string qe_identity_json(const QeIdentity& identity) {
  ojson o;
  std::array<std::uint8_t, 4> misc{}, misc_mask{};
  store_le32(misc, 0, identity.miscselect);
  store_le32(misc_mask, 0, identity.miscselect_mask);
  o["id"] = identity.id;
  o["version"] = identity.version;
  o["issueDate"] = format_utc(identity.issue_date);
  o["nextUpdate"] = format_utc(identity.next_update);
  o["tcbEvaluationDataNumber"] = identity.tcb_evaluation_data_number;
  o["miscselect"] = upper_hex(misc);
  o["miscselectMask"] = upper_hex(misc_mask);
  o["attributes"] = upper_hex(identity.attributes);
  o["attributesMask"] = upper_hex(identity.attributes_mask);
  o["mrsigner"] = upper_hex(identity.mrsigner);
  o["isvprodid"] = identity.isvprodid;
  ojson levels = ojson::array();
  for (const auto& l : identity.tcb_levels) {
    ojson lo;
    lo["tcb"]["isvsvn"] = l.isvsvn;
    put_level_tail(lo, l.tcb_date, l.status, l.advisory_ids);
    levels.push_back(std::move(lo));
  }
  o["tcbLevels"] = std::move(levels);
  return dump(o);
}

std::string sign_tcb_info(const TcbInfo& info, const Key& tcb_signing_key) {
  return signed_response("tcbInfo", tcb_info_json(info), tcb_signing_key);
}

std::string sign_qe_identity(const QeIdentity& identity, const Key& tcb_signing_key) {
  return signed_response("enclaveIdentity", qe_identity_json(identity), tcb_signing_key);
}

// ---- simulated collateral --------------------------------------------------------------------------

TcbInfo simulated_tcb_info(std::array<std::uint8_t, 6> fmspc, const std::vector<SimTcbLevelSpec>& levels,
                           SysTime issue_date, SysTime next_update) {
  // Category and type names of Intel's TDX TCB info (go-tdx-guest and Trustee samples).
  struct Names {
    const char* category;
    const char* type;
  };
  static constexpr Names kSgx[16] = {{"BIOS", "Early Microcode Update"},
                                     {"OS/VMM", "SGX Late Microcode Update"},
                                     {"OS/VMM", "TXT SINIT"},
                                     {"BIOS", ""},
                                     {"BIOS", ""},
                                     {"BIOS", ""},
                                     {"", ""},
                                     {"OS/VMM", "SEAMLDR ACM"}};
  static constexpr Names kTdx[16] = {
      {"OS/VMM", "TDX Module"}, {"OS/VMM", "TDX Module"}, {"OS/VMM", "TDX Late Microcode Update"}};
  auto named = [](const Names& n, std::uint8_t svn) {
    return TcbComponent{svn, n.category ? n.category : "", n.type ? n.type : ""};
  };

  TcbInfo info;
  info.id = "TDX";
  info.version = 3;
  info.issue_date = issue_date;
  info.next_update = next_update;
  info.fmspc = fmspc;
  info.pce_id = {0, 0};
  info.tcb_type = 0;
  info.tcb_evaluation_data_number = 17;
  const std::string default_date = midnight(issue_date);

  TdxModuleIdentity base;
  base.mrsigner = Bytes(48, 0);
  base.attributes = Bytes(8, 0);
  base.attributes_mask = Bytes(8, 0xFF);
  info.tdx_module = base;
  TdxModuleIdentity tdx03 = base;
  tdx03.id = "TDX_03";
  tdx03.tcb_levels = {{3, default_date, TcbStatus::up_to_date, {}}};
  TdxModuleIdentity tdx01 = base;
  tdx01.id = "TDX_01";
  tdx01.tcb_levels = {{4, default_date, TcbStatus::up_to_date, {}},
                      {2, "2023-08-09T00:00:00Z", TcbStatus::out_of_date, {"INTEL-SA-01036"}},
                      {0, "2018-01-04T00:00:00Z", TcbStatus::revoked, {"INTEL-SA-01036"}}};
  info.tdx_module_identities = {tdx03, tdx01};

  for (const auto& spec : levels) {
    TcbLevel l;
    for (std::size_t i = 0; i < 16; ++i) {
      l.sgx_components[i] = named(kSgx[i], spec.sgx_svn);
      l.tdx_components[i] = named(kTdx[i], 0);
    }
    l.tdx_components[0].svn = spec.tdx_svn;
    l.tdx_components[2].svn = spec.tdx_svn;
    l.pcesvn = spec.pcesvn;
    l.tcb_date = spec.tcb_date.empty() ? default_date : spec.tcb_date;
    l.status = spec.status;
    l.advisory_ids = spec.advisory_ids;
    info.tcb_levels.push_back(std::move(l));
  }
  return info;
}

QeIdentity simulated_qe_identity(const std::vector<QeTcbLevel>& levels, SysTime issue_date,
                                 SysTime next_update) {
  QeIdentity q;
  q.id = "TD_QE";
  q.version = 2;
  q.issue_date = issue_date;
  q.next_update = next_update;
  q.tcb_evaluation_data_number = 17;
  q.miscselect = 0;
  q.miscselect_mask = 0xFFFFFFFF;
  q.attributes = {0x11};
  q.attributes_mask = {0xFB, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
  q.mrsigner = kIntelTdQeMrSigner;
  q.isvprodid = 2;
  q.tcb_levels = levels;
  const std::string default_date = midnight(issue_date);
  for (auto& l : q.tcb_levels)
    if (l.tcb_date.empty()) l.tcb_date = default_date;
  return q;
}

}  // namespace coco::tdx
