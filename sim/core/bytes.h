// Byte buffers and bounds-checked little-endian access used by every binary codec.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace coco {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string to_string(ByteView b) {
  return {b.begin(), b.end()};
}
inline Bytes to_bytes(ByteView b) {
  return {b.begin(), b.end()};
}

// Little-endian loads and stores. Callers check bounds once per structure; these assert in debug.
std::uint16_t load_le16(ByteView b, std::size_t off);
std::uint32_t load_le32(ByteView b, std::size_t off);
std::uint64_t load_le64(ByteView b, std::size_t off);
void store_le16(std::span<std::uint8_t> b, std::size_t off, std::uint16_t v);
void store_le32(std::span<std::uint8_t> b, std::size_t off, std::uint32_t v);
void store_le64(std::span<std::uint8_t> b, std::size_t off, std::uint64_t v);

bool all_zero(ByteView b);
// Constant-time comparison for secrets and MACs.
bool equal_ct(ByteView a, ByteView b);

// Whole-file I/O. Errors: io.read_failed, io.write_failed.
Result<Bytes> read_file(const std::filesystem::path& path);
Status write_file(const std::filesystem::path& path, ByteView data);

}  // namespace coco
