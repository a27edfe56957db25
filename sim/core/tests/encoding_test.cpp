#include "core/encoding.h"

#include <gtest/gtest.h>

#include "core/bytes.h"
#include "core/hash.h"

using namespace coco;

TEST(Hex, RoundTripAndRejects) {
  Bytes b{0x00, 0x0f, 0xa0, 0xff};
  EXPECT_EQ(hex_encode(b), "000fa0ff");
  EXPECT_EQ(*hex_decode("000FA0ff"), b);
  EXPECT_FALSE(hex_decode("abc"));
  EXPECT_FALSE(hex_decode("zz"));
}

TEST(Base64, Rfc4648Vectors) {
  const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(base64_encode(as_bytes(plain[i])), enc[i]);
    EXPECT_EQ(to_string(*base64_decode(enc[i])), plain[i]);
  }
  EXPECT_FALSE(base64_decode("Zg="));    // bad padding length
  EXPECT_FALSE(base64_decode("Z"));      // impossible length
  EXPECT_FALSE(base64_decode("Zh=="));   // non-canonical trailing bits
  EXPECT_FALSE(base64_decode("Zm9v!"));  // outside the alphabet
}

TEST(Base64Url, NoPadAndUrlAlphabet) {
  Bytes b{0xfb, 0xff, 0xfe};
  EXPECT_EQ(base64url_encode(b), "-__-");
  EXPECT_EQ(base64_encode(b), "+//+");
  EXPECT_EQ(*base64url_decode("-__-"), b);
  EXPECT_EQ(base64url_encode(Bytes{1}, true), "AQ==");
  EXPECT_EQ(base64url_encode(Bytes{1}), "AQ");
  EXPECT_FALSE(base64url_decode("+//+"));
}

TEST(Hash, KnownDigests) {
  EXPECT_EQ(hex_encode(sha256(as_bytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(
      hex_encode(sha384(as_bytes("abc"))),
      "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
  // RFC 4231 test case 2
  EXPECT_EQ(hex_encode(hmac(HashAlg::sha256, as_bytes("Jefe"), as_bytes("what do ya want for nothing?"))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Bytes, LittleEndian) {
  Bytes b(8);
  store_le64(b, 0, 0x0102030405060708ull);
  EXPECT_EQ(b[0], 0x08);
  EXPECT_EQ(load_le64(b, 0), 0x0102030405060708ull);
  EXPECT_EQ(load_le32(b, 4), 0x01020304u);
  EXPECT_TRUE(equal_ct(b, b));
  EXPECT_FALSE(all_zero(b));
}

TEST(Encoding, PercentDecode) {
  EXPECT_EQ(percent_decode("a%20b+c%2Bd%0A", false), "a b+c+d\n");  // '+' kept: base64 in headers
  EXPECT_EQ(percent_decode("a%20b+c%2Bd%0A", true), "a b c+d\n");   // form encoding
  std::size_t bad = 99;
  EXPECT_FALSE(percent_decode("abc%2", false, &bad));
  EXPECT_EQ(bad, 3U);
  EXPECT_FALSE(percent_decode("abc%zz", true));
  EXPECT_FALSE(percent_decode("%", false));
  EXPECT_EQ(percent_decode("", true), "");
}
