#include "evc/posix/random.hpp"

#include <set>

#include <gtest/gtest.h>

#include "evc/common/rng.hpp"

namespace evc::posix {
namespace {

TEST(SeedFromOsTest, ReturnsSeedsThatDiffer) {
  // 16 draws of 64 bits from the kernel CSPRNG: a repeat would mean a broken source.
  std::set<uint64_t> seeds;
  for (int i = 0; i < 16; ++i) {
    auto r = SeedFromOs();
    ASSERT_TRUE(r.ok());
    seeds.insert(r.value());
  }
  EXPECT_EQ(seeds.size(), 16u);
}

TEST(SeedFromOsTest, SeedsTheCoreRng) {
  auto seed = SeedFromOs();
  ASSERT_TRUE(seed.ok());
  XoshiroRng a(seed.value());
  XoshiroRng b(seed.value());
  EXPECT_EQ(a.NextU32(), b.NextU32());
}

}  // namespace
}  // namespace evc::posix
