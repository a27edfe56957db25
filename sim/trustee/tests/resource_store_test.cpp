// Resource repository: path rule (Trustee's ResourceDesc regex cases), memory store, and the LocalFs
// directory layout, including the older dir/repo/type/tag layout.
#include "trustee/resource_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/test_support.h"

namespace coco::trustee {
namespace {

namespace fs = std::filesystem;

Bytes b(std::string_view s) {
  return to_bytes(as_bytes(s));
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

void write(const fs::path& p, std::string_view data) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << data;
}

TEST(ResourcePath, TrusteeCases) {
  // kbs/src/plugins/implementations/resource/backend.rs parse_resource_desc cases.
  auto ok = [](std::string_view p, std::array<std::string, 3> want) {
    auto r = parse_resource_path(p);
    ASSERT_TRUE(r.ok()) << p;
    EXPECT_EQ(*r, want) << p;
  };
  ok("default/1/2", {"default", "1", "2"});
  ok("repo/type/tag", {"repo", "type", "tag"});
  ok("123--_default/1Abff-_/___-afds44BC", {"123--_default", "1Abff-_", "___-afds44BC"});
  ok("1.ok/2ok./3...", {"1.ok", "2ok.", "3..."});
  ok("default/kbsres1/key1", {"default", "kbsres1", "key1"});
  ok("-/_/0", {"-", "_", "0"});
  for (const char* bad : {"/1/2", "/repo/type/tag", "1/2", ".1.ok/2ok./3...", "1.ok/.2ok./3...",
                          "1.ok/2ok./.3...", "", "a/b/c/d", "a//c", "a/b/", "a/b/c/", "a/b/c\n", "a b/c/d",
                          "a/b/c%2F", "../b/c", "a/../c", "a/b/..", "a\\x2Fb/c/d", "ü/b/c"}) {
    auto r = parse_resource_path(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "trustee.invalid_resource_path");
    EXPECT_NE(r.error().message.find("<repository>/<type>/<tag>"), std::string::npos);
  }
}

TEST(ResourcePath, LocalFsFileName) {
  // kbs/test: the secret one/two/three lives in storage/repository/one\x2Ftwo\x2Fthree.
  EXPECT_EQ(localfs_file_name("one/two/three"), "one\\x2Ftwo\\x2Fthree");
  EXPECT_EQ(localfs_file_name("a.b/c-d/e_f"), "a.b\\x2Fc-d\\x2Fe_f");
}

void exercise(ResourceStore& store) {
  EXPECT_TRUE(store.keys().empty());
  auto missing = store.get("default/kbsres1/key1");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  ASSERT_TRUE(store.put("default/kbsres1/key1", b("secret-1")).ok());
  ASSERT_TRUE(store.put("default/passphrase/passphrase", b("")).ok());
  const Bytes binary = {0x00, 0xff, 0x10, 0x00, 0x0a};
  ASSERT_TRUE(store.put("one/two/three", binary).ok());
  EXPECT_EQ(store.get("default/kbsres1/key1")->value(), b("secret-1"));
  EXPECT_EQ(store.get("default/passphrase/passphrase")->value(), Bytes{});
  EXPECT_EQ(store.get("one/two/three")->value(), binary);
  EXPECT_EQ(store.keys(), (std::vector<std::string>{"default/kbsres1/key1", "default/passphrase/passphrase",
                                                    "one/two/three"}));

  ASSERT_TRUE(store.put("default/kbsres1/key1", b("secret-2")).ok());
  EXPECT_EQ(store.get("default/kbsres1/key1")->value(), b("secret-2"));

  ASSERT_TRUE(store.remove("default/kbsres1/key1").ok());
  EXPECT_FALSE(store.get("default/kbsres1/key1")->has_value());
  EXPECT_TRUE(store.remove("default/kbsres1/key1").ok());  // absent: not an error
  EXPECT_EQ(store.keys(), (std::vector<std::string>{"default/passphrase/passphrase", "one/two/three"}));

  for (const char* bad : {"../etc/passwd", "a/b", ".x/y/z", "a/b/c/d"}) {
    auto g = store.get(bad);
    ASSERT_FALSE(g.ok()) << bad;
    EXPECT_EQ(g.error().code, "trustee.invalid_resource_path");
    auto p = store.put(bad, b("x"));
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.error().code, "trustee.invalid_resource_path");
    auto r = store.remove(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "trustee.invalid_resource_path");
  }
}

TEST(MemoryStore, Basics) {
  auto store = make_memory_store();
  exercise(*store);
}

TEST(DirectoryStore, Basics) {
  coco::test::TempDir dir("resource-store-test", false);
  auto store = make_directory_store(dir.path() / "repository");
  exercise(*store);
}

TEST(DirectoryStore, TrusteeLocalFsLayout) {
  coco::test::TempDir dir("resource-store-test", false);
  const fs::path ns = dir.path() / "storage" / "repository";
  auto store = make_directory_store(ns);
  ASSERT_TRUE(store->put("one/two/three", b("0123456789abcdef")).ok());
  // One flat file named with the literal "\x2F" escape, nothing else in the directory.
  const fs::path expected = ns / "one\\x2Ftwo\\x2Fthree";
  EXPECT_TRUE(fs::is_regular_file(expected));
  EXPECT_EQ(slurp(expected), "0123456789abcdef");
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(ns)) names.push_back(e.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"one\\x2Ftwo\\x2Fthree"});

  // A file written by Trustee itself is read back.
  write(ns / "default\\x2Fcosign-keys\\x2Fkey-0", "pubkey");
  EXPECT_EQ(store->get("default/cosign-keys/key-0")->value(), b("pubkey"));
  EXPECT_EQ(store->keys(), (std::vector<std::string>{"default/cosign-keys/key-0", "one/two/three"}));
}

TEST(DirectoryStore, ReadsOlderNestedLayout) {
  coco::test::TempDir dir("resource-store-test", false);
  const fs::path repo = dir.path() / "kbs" / "repository";
  // The chart / older resource plugin layout: dir/repo/type/tag.
  write(repo / "default" / "kbsres1" / "key1", "nested-1");
  write(repo / "default" / "security-policy" / "insecure",
        "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}");
  write(repo / "default" / "not-a-key" / ".hidden", "x");  // invalid tag: not listed
  write(repo / "default" / "too" / "deep" / "file", "x");  // a directory at tag depth: not listed
  auto store = make_directory_store(repo);
  EXPECT_EQ(store->get("default/kbsres1/key1")->value(), b("nested-1"));
  EXPECT_EQ(store->keys(),
            (std::vector<std::string>{"default/kbsres1/key1", "default/security-policy/insecure"}));

  // A flat (current-layout) file shadows the nested one.
  ASSERT_TRUE(store->put("default/kbsres1/key1", b("flat-1")).ok());
  EXPECT_EQ(store->get("default/kbsres1/key1")->value(), b("flat-1"));
  EXPECT_EQ(slurp(repo / "default" / "kbsres1" / "key1"), "nested-1");
  EXPECT_EQ(store->keys(),
            (std::vector<std::string>{"default/kbsres1/key1", "default/security-policy/insecure"}));

  // remove() deletes both forms, so the resource is really gone.
  ASSERT_TRUE(store->remove("default/kbsres1/key1").ok());
  EXPECT_FALSE(store->get("default/kbsres1/key1")->has_value());
  EXPECT_FALSE(fs::exists(repo / "default" / "kbsres1" / "key1"));
  EXPECT_EQ(store->keys(), std::vector<std::string>{"default/security-policy/insecure"});
}

TEST(DirectoryStore, MissingDirectoryAndIoErrors) {
  coco::test::TempDir dir("resource-store-test", false);
  auto store = make_directory_store(dir.path() / "absent");
  EXPECT_TRUE(store->keys().empty());
  EXPECT_FALSE(store->get("a/b/c")->has_value());
  EXPECT_FALSE(fs::exists(dir.path() / "absent"));  // created on the first put only

  // The directory path is occupied by a regular file: writes fail with storage_failed.
  write(dir.path() / "blocked", "file");
  auto blocked = make_directory_store(dir.path() / "blocked");
  auto s = blocked->put("a/b/c", b("x"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "trustee.storage_failed");
  EXPECT_TRUE(blocked->keys().empty());

  // A directory where the file should be: put cannot rename over it.
  auto store2 = make_directory_store(dir.path() / "ns");
  fs::create_directories(dir.path() / "ns" / "a\\x2Fb\\x2Fc");
  auto s2 = store2->put("a/b/c", b("x"));
  ASSERT_FALSE(s2.ok());
  EXPECT_EQ(s2.error().code, "trustee.storage_failed");
  EXPECT_FALSE(store2->get("a/b/c")->has_value());
  // ...and the temporary file was cleaned up.
  std::size_t entries = 0;
  for (const auto& e : fs::directory_iterator(dir.path() / "ns")) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1u);
}

TEST(DirectoryStore, ConcurrentWritersAndReaders) {
  coco::test::TempDir dir("resource-store-test", false);
  auto store = make_directory_store(dir.path() / "repository");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 30; ++i) {
        const std::string key = "r" + std::to_string(t) + "/t/g" + std::to_string(i % 5);
        const std::string value(static_cast<std::size_t>(100 + i), static_cast<char>('a' + t));
        EXPECT_TRUE(store->put(key, as_bytes(value)).ok());
        auto got = store->get(key);
        ASSERT_TRUE(got.ok());
        ASSERT_TRUE(got->has_value());
        // Every read sees a whole value written by this thread, never a torn one.
        EXPECT_EQ((*got)->size() >= 100u, true);
        EXPECT_TRUE(
            std::all_of((*got)->begin(), (*got)->end(), [&](std::uint8_t c) { return c == 'a' + t; }));
        (void)store->keys();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(store->keys().size(), 20u);
}

}  // namespace
}  // namespace coco::trustee
