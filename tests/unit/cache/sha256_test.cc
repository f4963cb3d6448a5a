// Tests for cache/sha256: known vectors, the SHA-extension path against the
// portable one, and both against OpenSSL, over many lengths and split points.
#include "cache/sha256.h"

#include <openssl/evp.h>

#include <random>

#include "gtest/gtest.h"

namespace helperlink {
namespace {

std::string OpenSslHex(const std::string& data) {
  unsigned char md[32];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), md, &size, EVP_sha256(), nullptr);
  Sha256Digest digest;
  std::copy(md, md + 32, digest.begin());
  return ToHex(digest);
}

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(
      Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Test, MatchesOpenSslAtEveryLengthAndSplit) {
  std::mt19937 random(42);
  for (size_t length = 0; length < 1200; length += 1 + length / 9) {
    std::string data(length, '\0');
    for (char& c : data) c = static_cast<char>(random());
    std::string want = OpenSslHex(data);
    EXPECT_EQ(Sha256Hex(data), want) << length;
    EXPECT_EQ(ToHex(Sha256(Sha256::Impl::kPortable).Update(data).Finish()),
              want)
        << length;
    size_t split = length ? random() % length : 0;
    Sha256 incremental;
    incremental.Update(absl::string_view(data).substr(0, split));
    incremental.Update(absl::string_view(data).substr(split));
    EXPECT_EQ(ToHex(incremental.Finish()), want) << length << "/" << split;
  }
}

// An empty view whose data() is null (an empty mapped file) is the empty
// message, not a null pointer handed to memcpy.
TEST(Sha256Test, EmptyViewWithNullData) {
  EXPECT_EQ(Sha256Hex(absl::string_view()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256Test, LargeInput) {
  std::string data(3 << 20, 'h');
  EXPECT_EQ(Sha256Hex(data), OpenSslHex(data));
}

}  // namespace
}  // namespace helperlink
