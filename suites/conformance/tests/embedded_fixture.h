// Test-only: one embedded stack per test process (started on first use) and the attesters signing with
// its simulated AMD world.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <stdexcept>

#include "conformance/embedded_stack.h"
#include "core/test_support.h"

namespace coco::conformance::test {

inline std::unique_ptr<EmbeddedStack> start_stack(EmbeddedStackOptions o = {}) {
  if (o.key_cache.empty()) o.key_cache = coco::test::key_cache_dir();
  auto s = EmbeddedStack::start(std::move(o));
  if (!s) throw std::runtime_error("embedded stack: " + s.error().code + ": " + s.error().message);
  return std::move(*s);
}

inline std::unique_ptr<Attester> attester_for(const EmbeddedStack& stack, const std::string& name) {
  auto a = make_attester(name, stack.authorities());
  if (!a) throw std::runtime_error(a.error().message);
  return std::move(*a);
}

}  // namespace coco::conformance::test
