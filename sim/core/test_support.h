// Test-only helpers: where the shared read-only corpus lives, and skipping with a clear message when
// it is absent (a fresh clone without ../shared still builds and runs every other test).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/bytes.h"

namespace coco::test {

inline std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("COCO_SHARED_DIR")) return env;
#ifdef COCO_SHARED_DIR
  return COCO_SHARED_DIR;
#else
  return "../shared";
#endif
}

inline std::filesystem::path key_cache_dir() {
#ifdef COCO_KEY_CACHE_DIR
  return COCO_KEY_CACHE_DIR;
#else
  return {};
#endif
}

inline Bytes read_or_die(const std::filesystem::path& p) {
  auto r = read_file(p);
  if (!r) throw std::runtime_error(r.error().message);
  return *r;
}

inline Bytes corpus_file(const std::string& rel) {
  return read_or_die(shared_dir() / "corpus" / rel);
}

// A fresh directory path under the system temp directory, unique per process and instance, removed with
// everything in it at destruction. `create` = false leaves it absent (for code that must create it).
class TempDir {
 public:
  explicit TempDir(const std::string& prefix, bool create = true) {
    static std::atomic<int> n{0};
    path_ = std::filesystem::temp_directory_path() /
            (prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::remove_all(path_);
    if (create) std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace coco::test

// Skips the current test when the shared corpus is not beside the checkout.
#define COCO_REQUIRE_CORPUS()                                                              \
  do {                                                                                     \
    if (!std::filesystem::exists(::coco::test::shared_dir() / "corpus" / "MANIFEST.json")) \
      GTEST_SKIP() << "shared corpus not found at " << ::coco::test::shared_dir()          \
                   << " (set COCO_SHARED_DIR to the folder holding corpus/)";              \
  } while (0)
