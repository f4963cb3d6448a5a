// Tests for cache/entry: round trip, and every single-byte flip or
// truncation of a stored entry, or an entry read under another key, is
// detected.
#include "cache/entry.h"

#include "gtest/gtest.h"
#include "tests/util/test_report.h"

namespace helperlink {
namespace {

TEST(EntryTest, RoundTrip) {
  CachedObject entry{std::string("\x7f"
                                 "ELF\0\1",
                                 6),
                     TestReport("x")};
  auto decoded = DecodeEntry("k", EncodeEntry("k", entry));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->object, entry.object);
  EXPECT_EQ(decoded->report.crate(), "x");
}

TEST(EntryTest, EveryFlippedByteIsDetected) {
  std::string bytes =
      EncodeEntry("k", {std::string(300, 'o'), TestReport("{}")});
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] ^= 0x20;
    EXPECT_FALSE(DecodeEntry("k", bad).ok()) << "byte " << i;
  }
}

TEST(EntryTest, EveryTruncationIsDetected) {
  std::string bytes = EncodeEntry("k", {"object", TestReport("report")});
  for (size_t size = 0; size < bytes.size(); ++size) {
    auto decoded = DecodeEntry("k", bytes.substr(0, size));
    ASSERT_FALSE(decoded.ok()) << size;
    EXPECT_TRUE(absl::IsDataLoss(decoded.status()));
  }
  EXPECT_FALSE(DecodeEntry("k", bytes + "x").ok());
}

TEST(EntryTest, AnEntryUnderAnotherKeyIsDetected) {
  std::string key_a(64, 'a'), key_b(64, 'a');
  key_b[63] = 'b';
  std::string bytes = EncodeEntry(key_a, {"object A", TestReport("{}")});
  ASSERT_TRUE(DecodeEntry(key_a, bytes).ok());
  for (absl::string_view other :
       {absl::string_view(key_b), absl::string_view(key_a).substr(0, 63),
        absl::string_view(""), absl::string_view("k")}) {
    auto decoded = DecodeEntry(other, bytes);
    ASSERT_FALSE(decoded.ok()) << other;
    EXPECT_TRUE(absl::IsDataLoss(decoded.status()));
    EXPECT_NE(decoded.status().message().find("another key"),
              std::string::npos);
  }
}

TEST(EntryTest, TheFormatVersionIsThree) {
  std::string bytes = EncodeEntry("k", {"o", TestReport("r")});
  EXPECT_EQ(bytes[4], 3);
  bytes[4] = 2;  // a format-2 entry (JSON report) is not read as this format
  auto decoded = DecodeEntry("k", bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().message(),
            "corrupt cache entry: format version 2, expected 3");
}

}  // namespace
}  // namespace helperlink
