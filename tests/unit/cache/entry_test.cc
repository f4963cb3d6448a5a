// Tests for cache/entry: round trip, and every single-byte flip or
// truncation of a stored entry is detected.
#include "cache/entry.h"

#include "gtest/gtest.h"

namespace helperlink {
namespace {

TEST(EntryTest, RoundTrip) {
  CachedObject entry{std::string("\x7f"
                                 "ELF\0\1",
                                 6),
                     "{\"crate\": \"x\"}\n"};
  auto decoded = DecodeEntry(EncodeEntry(entry));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->object, entry.object);
  EXPECT_EQ(decoded->report_json, entry.report_json);
}

TEST(EntryTest, EveryFlippedByteIsDetected) {
  std::string bytes = EncodeEntry({std::string(300, 'o'), "{}"});
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] ^= 0x20;
    EXPECT_FALSE(DecodeEntry(bad).ok()) << "byte " << i;
  }
}

TEST(EntryTest, EveryTruncationIsDetected) {
  std::string bytes = EncodeEntry({"object", "report"});
  for (size_t size = 0; size < bytes.size(); ++size) {
    auto decoded = DecodeEntry(bytes.substr(0, size));
    ASSERT_FALSE(decoded.ok()) << size;
    EXPECT_TRUE(absl::IsDataLoss(decoded.status()));
  }
  EXPECT_FALSE(DecodeEntry(bytes + "x").ok());
}

}  // namespace
}  // namespace helperlink
