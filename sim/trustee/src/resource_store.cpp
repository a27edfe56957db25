// Resource repository stores: in memory, and Trustee's LocalFs directory layout.
#include "trustee/resource_store.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <system_error>

namespace coco::trustee {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSlash = "\\x2F";

bool segment_ok(std::string_view s) {
  if (s.empty()) return false;
  auto word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  };
  if (!word(s.front())) return false;
  return std::all_of(s.begin() + 1, s.end(), [&](char c) { return word(c) || c == '.'; });
}

Error storage_error(const std::string& what, const std::error_code& ec) {
  return make_error("trustee.storage_failed", what + (ec ? ": " + ec.message() : std::string()));
}

class MemoryStore final : public ResourceStore {
 public:
  Result<std::optional<Bytes>> get(const std::string& key) const override {
    if (auto p = parse_resource_path(key); !p) return p.error();
    std::shared_lock lock(mu_);
    const auto it = values_.find(key);
    if (it == values_.end()) return std::optional<Bytes>{};
    return std::optional<Bytes>{it->second};
  }
  Status put(const std::string& key, ByteView value) override {
    if (auto p = parse_resource_path(key); !p) return p.error();
    std::unique_lock lock(mu_);
    values_[key] = to_bytes(value);
    return ok_status();
  }
  Status remove(const std::string& key) override {
    if (auto p = parse_resource_path(key); !p) return p.error();
    std::unique_lock lock(mu_);
    values_.erase(key);
    return ok_status();
  }
  std::vector<std::string> keys() const override {
    std::shared_lock lock(mu_);
    std::vector<std::string> out;
    for (const auto& [k, v] : values_) out.push_back(k);
    return out;
  }

 private:
  mutable std::shared_mutex mu_;
  std::map<std::string, Bytes> values_;
};

class DirectoryStore final : public ResourceStore {
 public:
  explicit DirectoryStore(fs::path dir) : dir_(std::move(dir)) {}

  Result<std::optional<Bytes>> get(const std::string& key) const override {
    auto p = parse_resource_path(key);
    if (!p) return p.error();
    std::shared_lock lock(mu_);
    for (const fs::path& file : {flat_path(key), nested_path(*p)}) {
      std::error_code ec;
      const auto st = fs::status(file, ec);
      if (ec || !fs::exists(st)) continue;
      if (!fs::is_regular_file(st)) continue;
      std::ifstream in(file, std::ios::binary);
      if (!in) return storage_error("cannot open " + file.string() + " for reading", {});
      Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (in.bad()) return storage_error("error while reading " + file.string(), {});
      return std::optional<Bytes>{std::move(data)};
    }
    return std::optional<Bytes>{};
  }

  Status put(const std::string& key, ByteView value) override {
    if (auto p = parse_resource_path(key); !p) return p.error();
    std::unique_lock lock(mu_);
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) return storage_error("cannot create " + dir_.string(), ec);
    // The temporary name starts with '.', so keys() never mistakes it for a resource.
    static std::atomic<unsigned> counter{0};
    const fs::path target = flat_path(key);
    const fs::path tmp = dir_ / (".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) +
                                 "-" + target.filename().string());
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (!out) return storage_error("cannot open " + tmp.string() + " for writing", {});
      out.write(reinterpret_cast<const char*>(value.data()), static_cast<std::streamsize>(value.size()));
      out.flush();
      if (!out) {
        out.close();
        fs::remove(tmp, ec);
        return storage_error("error while writing " + tmp.string(), {});
      }
    }
    fs::rename(tmp, target, ec);
    if (ec) {
      std::error_code ignored;
      fs::remove(tmp, ignored);
      return storage_error("cannot rename into " + target.string(), ec);
    }
    return ok_status();
  }

  Status remove(const std::string& key) override {
    auto p = parse_resource_path(key);
    if (!p) return p.error();
    std::unique_lock lock(mu_);
    for (const fs::path& file : {flat_path(key), nested_path(*p)}) {
      std::error_code ec;
      const auto st = fs::symlink_status(file, ec);
      if (ec || !fs::exists(st) || fs::is_directory(st)) continue;
      fs::remove(file, ec);
      if (ec) return storage_error("cannot remove " + file.string(), ec);
    }
    return ok_status();
  }

  std::vector<std::string> keys() const override {
    std::shared_lock lock(mu_);
    std::set<std::string> out;
    std::error_code ec;
    if (!fs::is_directory(dir_, ec)) return {};
    // Flat files: "repo\x2Ftype\x2Ftag".
    for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code sec;
      if (!it->is_regular_file(sec)) continue;
      const std::string key = unescape(it->path().filename().string());
      if (parse_resource_path(key)) out.insert(key);
    }
    // Older layout: dir/repo/type/tag.
    for (fs::directory_iterator r(dir_, ec), end; !ec && r != end; r.increment(ec)) {
      std::error_code sec;
      if (!r->is_directory(sec) || !segment_ok(r->path().filename().string())) continue;
      for (fs::directory_iterator t(r->path(), sec), tend; !sec && t != tend; t.increment(sec)) {
        std::error_code tec;
        if (!t->is_directory(tec) || !segment_ok(t->path().filename().string())) continue;
        for (fs::directory_iterator g(t->path(), tec), gend; !tec && g != gend; g.increment(tec)) {
          std::error_code gec;
          if (!g->is_regular_file(gec) || !segment_ok(g->path().filename().string())) continue;
          out.insert(r->path().filename().string() + "/" + t->path().filename().string() + "/" +
                     g->path().filename().string());
        }
      }
    }
    return {out.begin(), out.end()};
  }

 private:
  fs::path flat_path(const std::string& key) const { return dir_ / localfs_file_name(key); }
  fs::path nested_path(const std::array<std::string, 3>& p) const { return dir_ / p[0] / p[1] / p[2]; }

  static std::string unescape(std::string name) {
    for (auto at = name.find(kSlash); at != std::string::npos; at = name.find(kSlash, at + 1))
      name.replace(at, kSlash.size(), "/");
    return name;
  }

  fs::path dir_;
  mutable std::shared_mutex mu_;
};

}  // namespace

Result<std::array<std::string, 3>> parse_resource_path(std::string_view path) {
  std::array<std::string, 3> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    const auto slash = path.find('/', start);
    const bool last = i == 2;
    if (last != (slash == std::string_view::npos)) {
      start = std::string_view::npos;
      break;
    }
    const std::string_view seg = path.substr(start, last ? std::string_view::npos : slash - start);
    if (!segment_ok(seg)) {
      start = std::string_view::npos;
      break;
    }
    out[i] = std::string(seg);
    start = last ? path.size() : slash + 1;
  }
  if (start != path.size())
    return make_error(
        "trustee.invalid_resource_path",
        "resource path \"" + std::string(path) +
            "\" is not <repository>/<type>/<tag>: exactly three segments of letters, digits, '_', "
            "'-' and '.', none empty and none starting with '.'");
  return out;
}

std::string localfs_file_name(std::string_view key) {
  std::string out;
  out.reserve(key.size() + 8);
  for (char c : key) {
    if (c == '/') {
      out += kSlash;
    } else {
      out += c;
    }
  }
  return out;
}

ResourceStore::~ResourceStore() = default;

std::unique_ptr<ResourceStore> make_memory_store() {
  return std::make_unique<MemoryStore>();
}

std::unique_ptr<ResourceStore> make_directory_store(std::filesystem::path dir) {
  return std::make_unique<DirectoryStore>(std::move(dir));
}

}  // namespace coco::trustee
