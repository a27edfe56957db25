// The KBS resource repository: where the resource plugin keeps secrets under "<repo>/<type>/<tag>".
// Two stores: in memory, and a directory laid out as Trustee's LocalFs key-value storage does it (one
// file per key directly in the namespace directory, '/' written as the four characters "\x2F"), which
// can also read a directory prepared for older Trustee (files at dir/<repo>/<type>/<tag>, as the old
// LocalFs resource plugin and the trustee-operator's secret layout have them).
#pragma once

#include <array>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"

namespace coco::trustee {

// "repo/type/tag": exactly three segments, each matching ^[a-zA-Z0-9_\-]+[a-zA-Z0-9_\-\.]*$ (so none is
// empty or starts with '.'). Error: trustee.invalid_resource_path.
Result<std::array<std::string, 3>> parse_resource_path(std::string_view path);

// Trustee LocalFs file name for a key: every '/' replaced by "\x2F" ("one/two/three" ->
// "one\x2Ftwo\x2Fthree").
std::string localfs_file_name(std::string_view key);

// Keys are resource paths; every operation rejects an invalid one with trustee.invalid_resource_path.
// I/O failures are trustee.storage_failed. Implementations are thread-safe.
class ResourceStore {
 public:
  virtual ~ResourceStore();
  virtual Result<std::optional<Bytes>> get(const std::string& key) const = 0;  // nullopt: no such resource
  virtual Status put(const std::string& key, ByteView value) = 0;              // insert or overwrite
  virtual Status remove(const std::string& key) = 0;                           // absent is not an error
  virtual std::vector<std::string> keys() const = 0;                           // sorted
};

std::unique_ptr<ResourceStore> make_memory_store();

// `dir` is the namespace directory: <storage_backend.backends.local_fs.dir_path>/repository for the
// current kvstorage backend, or the older resource plugin's dir_path. It is created on the first put.
// Writes go to a temporary file in `dir` and are renamed into place. get() reads dir/<escaped key> and,
// when that does not exist, dir/<repo>/<type>/<tag>; remove() deletes both; keys() lists both.
std::unique_ptr<ResourceStore> make_directory_store(std::filesystem::path dir);

}  // namespace coco::trustee
