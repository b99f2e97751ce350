#include "evc/posix/file_kv_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "evc/testing/fakes.hpp"
#include "test_util.hpp"

namespace evc::posix {
namespace {

using testutil::TempDir;

const uint8_t* Bytes(const std::string& s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

std::string GetString(FileKvStore& store, const std::string& key) {
  std::vector<uint8_t> buf(storage::kMaxValueSize);
  auto r = store.Get(key, buf.data(), buf.size());
  if (!r.ok()) {
    return std::string("<") + r.status().name() + ">";
  }
  return std::string(reinterpret_cast<const char*>(buf.data()), r.value());
}

class FileKvStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(tmp_.path().empty());
    dir_ = tmp_.File("state");
    Reopen();
  }
  // Drops the store (as a restart would) and opens the same directory again.
  void Reopen() {
    holder_.reset();
    holder_ = std::make_unique<FileKvStore>(dir_, &logger_);
    ASSERT_TRUE(holder_->Open().ok());
  }
  FileKvStore& store() { return *holder_; }

  TempDir tmp_;
  std::string dir_;
  testing::CapturingLogSink sink_;
  Logger logger_{&sink_, LogLevel::kDebug};
  std::unique_ptr<FileKvStore> holder_;
};

TEST_F(FileKvStoreTest, SetThenGetReturnsTheValue) {
  ASSERT_TRUE(store().Set("boot.count", Bytes("42"), 2).ok());
  EXPECT_EQ(GetString(store(), "boot.count"), "42");
}

TEST_F(FileKvStoreTest, MissingKeyIsNotFound) {
  uint8_t buf[8];
  EXPECT_EQ(store().Get("absent", buf, sizeof(buf)).status().code(), Errc::kNotFound);
}

TEST_F(FileKvStoreTest, OverwriteReplacesTheWholeValue) {
  ASSERT_TRUE(store().Set("cfg", Bytes("a long first value"), 18).ok());
  ASSERT_TRUE(store().Set("cfg", Bytes("short"), 5).ok());
  EXPECT_EQ(GetString(store(), "cfg"), "short");
}

TEST_F(FileKvStoreTest, EmptyValueIsStored) {
  ASSERT_TRUE(store().Set("empty", nullptr, 0).ok());
  uint8_t buf[1];
  auto r = store().Get("empty", buf, sizeof(buf));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 0u);
}

TEST_F(FileKvStoreTest, EraseRemovesTheKeyAndIsIdempotent) {
  ASSERT_TRUE(store().Set("tx", Bytes("1"), 1).ok());
  ASSERT_TRUE(store().Erase("tx").ok());
  EXPECT_EQ(GetString(store(), "tx"), "<" + std::string(ErrcName(Errc::kNotFound)) + ">");
  EXPECT_TRUE(store().Erase("tx").ok());
}

TEST_F(FileKvStoreTest, BadKeysAreRejected) {
  uint8_t buf[4];
  for (const std::string key : {"", "has space", "slash/key", "sixteen_chars_xx", "tab\t"}) {
    EXPECT_EQ(store().Set(key, Bytes("v"), 1).code(), Errc::kInvalidArgument) << key;
    EXPECT_EQ(store().Get(key, buf, sizeof(buf)).status().code(), Errc::kInvalidArgument) << key;
    EXPECT_EQ(store().Erase(key).code(), Errc::kInvalidArgument) << key;
  }
}

TEST_F(FileKvStoreTest, DotKeysDoNotTouchTheDirectoryEntries) {
  ASSERT_TRUE(store().Set(".", Bytes("dot"), 3).ok());
  ASSERT_TRUE(store().Set("..", Bytes("dotdot"), 6).ok());
  EXPECT_EQ(GetString(store(), "."), "dot");
  EXPECT_EQ(GetString(store(), ".."), "dotdot");
  ASSERT_TRUE(store().Erase(".").ok());
  EXPECT_EQ(GetString(store(), ".."), "dotdot");
}

TEST_F(FileKvStoreTest, ValueOverTheLimitIsRejectedAndTheLimitFits) {
  std::string big(storage::kMaxValueSize + 1, 'x');
  EXPECT_EQ(store().Set("big", Bytes(big), big.size()).code(), Errc::kResourceExhausted);
  EXPECT_EQ(GetString(store(), "big"), "<" + std::string(ErrcName(Errc::kNotFound)) + ">");
  big.pop_back();
  ASSERT_TRUE(store().Set("big", Bytes(big), big.size()).ok());
  EXPECT_EQ(GetString(store(), "big"), big);
}

TEST_F(FileKvStoreTest, TooSmallBufferIsResourceExhaustedAndExactFitWorks) {
  ASSERT_TRUE(store().Set("k", Bytes("12345"), 5).ok());
  uint8_t buf[5];
  EXPECT_EQ(store().Get("k", buf, 4).status().code(), Errc::kResourceExhausted);
  auto r = store().Get("k", buf, 5);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), r.value()), "12345");
}

TEST_F(FileKvStoreTest, ReopenedStoreSeesTheData) {
  ASSERT_TRUE(store().Set("persist", Bytes("yes"), 3).ok());
  FileKvStore other(dir_);
  // The first store still holds the directory lock.
  EXPECT_EQ(other.Open().code(), Errc::kBusy);
  Reopen();
  EXPECT_EQ(GetString(store(), "persist"), "yes");
}

TEST_F(FileKvStoreTest, CrashBeforeRenameKeepsTheOldValueAndCleansTheTempFile) {
  ASSERT_TRUE(store().Set("txn", Bytes("old"), 3).ok());
  // What a power cut in the middle of Set("txn", "new...") leaves: a partial temp file.
  testutil::WriteFile(dir_ + "/t-txn", "ne");
  Reopen();
  EXPECT_EQ(store().stale_temp_files_removed(), 1);
  EXPECT_EQ(GetString(store(), "txn"), "old");
  EXPECT_NE(access((dir_ + "/t-txn").c_str(), F_OK), 0);
  EXPECT_TRUE(sink_.Contains("interrupted"));
}

TEST_F(FileKvStoreTest, TempFileOfANeverWrittenKeyDoesNotCreateIt) {
  testutil::WriteFile(dir_ + "/t-fresh", "partial");
  Reopen();
  EXPECT_EQ(GetString(store(), "fresh"), "<" + std::string(ErrcName(Errc::kNotFound)) + ">");
}

TEST_F(FileKvStoreTest, ForeignOversizedFileIsDataLoss) {
  testutil::WriteFile(dir_ + "/v-foreign", std::string(storage::kMaxValueSize + 10, 'z'));
  std::vector<uint8_t> buf(storage::kMaxValueSize + 10);
  EXPECT_EQ(store().Get("foreign", buf.data(), buf.size()).status().code(), Errc::kDataLoss);
}

TEST_F(FileKvStoreTest, ValuesAreFilesOnlyTheOwnerCanRead) {
  ASSERT_TRUE(store().Set("secret", Bytes("s"), 1).ok());
  struct stat st {};
  ASSERT_EQ(stat((dir_ + "/v-secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u);
}

TEST(FileKvStoreOpenTest, UnopenedStoreRefusesEverything) {
  FileKvStore store("/nonexistent-evc-dir/state");
  uint8_t buf[1];
  EXPECT_EQ(store.Get("k", buf, 1).status().code(), Errc::kFailedPrecondition);
  EXPECT_EQ(store.Set("k", buf, 1).code(), Errc::kFailedPrecondition);
  EXPECT_EQ(store.Erase("k").code(), Errc::kFailedPrecondition);
}

TEST(FileKvStoreOpenTest, MissingParentDirectoryIsIoError) {
  testing::CapturingLogSink sink;
  Logger logger(&sink);
  FileKvStore store("/nonexistent-evc-dir/state", &logger);
  EXPECT_EQ(store.Open().code(), Errc::kIo);
  EXPECT_FALSE(store.is_open());
  EXPECT_TRUE(sink.Contains("mkdir"));
}

}  // namespace
}  // namespace evc::posix
