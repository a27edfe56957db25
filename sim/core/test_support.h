// Test-only helpers: where the shared read-only corpus lives, and skipping with a clear message when
// it is absent (a fresh clone without ../shared still builds and runs every other test).
#pragma once

#include <gtest/gtest.h>

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

}  // namespace coco::test

// Skips the current test when the shared corpus is not beside the checkout.
#define COCO_REQUIRE_CORPUS()                                                              \
  do {                                                                                     \
    if (!std::filesystem::exists(::coco::test::shared_dir() / "corpus" / "MANIFEST.json")) \
      GTEST_SKIP() << "shared corpus not found at " << ::coco::test::shared_dir()          \
                   << " (set COCO_SHARED_DIR to the folder holding corpus/)";              \
  } while (0)
