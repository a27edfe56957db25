#include "core/bytes.h"

#include <unistd.h>

#include <atomic>
#include <cassert>
#include <fstream>
#include <iterator>

namespace coco {

std::uint16_t load_le16(ByteView b, std::size_t off) {
  assert(off + 2 <= b.size());
  return static_cast<std::uint16_t>(b[off] | (b[off + 1] << 8));
}
std::uint32_t load_le32(ByteView b, std::size_t off) {
  assert(off + 4 <= b.size());
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | b[off + static_cast<std::size_t>(i)];
  return v;
}
std::uint64_t load_le64(ByteView b, std::size_t off) {
  assert(off + 8 <= b.size());
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | b[off + static_cast<std::size_t>(i)];
  return v;
}
void store_le16(std::span<std::uint8_t> b, std::size_t off, std::uint16_t v) {
  assert(off + 2 <= b.size());
  b[off] = static_cast<std::uint8_t>(v);
  b[off + 1] = static_cast<std::uint8_t>(v >> 8);
}
void store_le32(std::span<std::uint8_t> b, std::size_t off, std::uint32_t v) {
  assert(off + 4 <= b.size());
  for (std::size_t i = 0; i < 4; ++i) b[off + i] = static_cast<std::uint8_t>(v >> (8 * i));
}
void store_le64(std::span<std::uint8_t> b, std::size_t off, std::uint64_t v) {
  assert(off + 8 <= b.size());
  for (std::size_t i = 0; i < 8; ++i) b[off + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

bool all_zero(ByteView b) {
  for (auto c : b)
    if (c != 0) return false;
  return true;
}

bool equal_ct(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  std::uint8_t acc = 0;
  for (std::size_t i = 0; i < a.size(); ++i) acc = static_cast<std::uint8_t>(acc | (a[i] ^ b[i]));
  return acc == 0;
}

Result<Bytes> read_file(const std::filesystem::path& path) {
  // A directory opens as a stream on Linux and then throws from inside the iterator: refuse it first.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return make_error("io.read_failed", path.string() + " is a directory, not a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("io.read_failed", "cannot open " + path.string() + " for reading");
  try {
    Bytes out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return make_error("io.read_failed", "error while reading " + path.string());
    return out;
  } catch (const std::exception& e) {
    return make_error("io.read_failed", "error while reading " + path.string() + ": " + e.what());
  }
}

Status write_file(const std::filesystem::path& path, ByteView data) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  // Write to a temporary name and rename, so concurrent readers never see a half-written file.
  static std::atomic<unsigned> counter{0};
  auto tmp = path;
  tmp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return make_error("io.write_failed", "cannot open " + path.string() + " for writing");
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!out) return make_error("io.write_failed", "error while writing " + path.string());
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) return make_error("io.write_failed", "cannot rename into " + path.string() + ": " + ec.message());
  return ok_status();
}

}  // namespace coco
