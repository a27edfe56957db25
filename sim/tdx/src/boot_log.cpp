#include "tdx/boot_log.h"

#include "core/hash.h"
#include "tdx/eventlog.h"

namespace coco::tdx {
namespace {

constexpr std::uint32_t kEvEventTag = 0x6;

void put_le(Bytes& out, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

Bytes utf16le(std::string_view ascii, bool nul) {
  Bytes out;
  for (char c : ascii) put_le(out, static_cast<std::uint8_t>(c), 2);
  if (nul) put_le(out, 0, 2);
  return out;
}

Event event(std::uint32_t index, std::uint32_t type, ByteView measured, Bytes data) {
  return Event{index, type, {EventDigest{kTpmAlgSha384, sha384(measured)}}, std::move(data)};
}

Event separator(std::uint32_t index) {
  const Bytes zero(4, 0);
  return event(index, kEvSeparator, zero, zero);
}

// TCG_PCClientTaggedEvent: id, size, data (an ASCII tag with its NUL).
Event tagged(std::uint32_t index, std::uint32_t id, std::string_view tag, ByteView measured) {
  Bytes data;
  put_le(data, id, 4);
  put_le(data, tag.size() + 1, 4);
  data.insert(data.end(), tag.begin(), tag.end());
  data.push_back(0);
  return event(index, kEvEventTag, measured, std::move(data));
}

// UEFI_IMAGE_LOAD_EVENT with the device path File(<name>) and the end node. Laid out in a buffer of its
// final size (appending piecewise trips a GCC 12 -O3 false -Wstringop-overflow).
Event image_load(std::uint32_t index, std::string_view file_name, ByteView image) {
  const Bytes name = utf16le(file_name, true);
  const std::size_t node = 4 + name.size(), path_size = node + 4;
  Bytes data(32 + path_size, 0);
  auto store = [&data](std::size_t at, std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i)
      data[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
  };
  store(8, image.size(), 8);  // ImageLengthInMemory (location and link-time address stay 0)
  store(24, path_size, 8);
  store(32, 4, 1);  // media device path
  store(33, 4, 1);  // file path
  store(34, node, 2);
  std::copy(name.begin(), name.end(), data.begin() + 36);
  store(32 + node, 0x7F, 1);  // end of hardware device path, length 4
  store(33 + node, 0xFF, 1);
  store(34 + node, 4, 2);
  return event(index, kEvEfiBootServicesApplication, image, std::move(data));
}

}  // namespace

Bytes simulated_tdvf_ccel(const TdvfBootSpec& boot) {
  EventLog log;
  log.spec_id.index = 1;  // as OVMF writes it
  log.spec_id.algorithms = {{kTpmAlgSha384, 48}};
  log.events.push_back(separator(1));
  log.events.push_back(image_load(2, "kernel", boot.kernel));
  log.events.push_back(tagged(2, 0, "LOADED_IMAGE::LoadOptions", utf16le(boot.cmdline, true)));
  log.events.push_back(separator(2));
  log.events.push_back(tagged(3, 0, "Linux initrd", boot.initrd));
  return encode_eventlog(log);
}

}  // namespace coco::tdx
