// Result<T>: the return type of every function that can fail on input.
// A failure carries a stable dotted code (for example "snp.signature_invalid") that tests, reports and
// gates match on, and a human message that tells a person what went wrong. Exceptions are kept for
// programming errors only.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace coco {

struct Error {
  std::string code;     // stable, dotted: "<module>.<reason>"
  std::string message;  // one line, for people
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Unit {};
using Status = Result<Unit>;
inline Status ok_status() {
  return Unit{};
}

inline Error make_error(std::string code, std::string message) {
  return Error{std::move(code), std::move(message)};
}

}  // namespace coco
