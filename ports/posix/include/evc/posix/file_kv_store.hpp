#pragma once
// evc::storage::KvStore backed by a directory with one file per key.
//
// Atomicity (the NVS contract of the seam): Set() writes the value to a temporary file, fsync()s
// it, rename()s it over the key's file and fsync()s the directory, so after a crash or power cut
// the key holds either the complete old value or the complete new value. Erase() unlinks the file
// and fsync()s the directory. Temporary files left by a crash before the rename are deleted by
// Open() and never read.
//
// File names: the value of key K lives in "v-K", its temporary file is "t-K". The prefix keeps
// the valid keys "." and ".." away from the directory entries of the same name. Other files in
// the directory are ignored.
//
// One process per directory: Open() takes an exclusive flock() on the directory and fails with
// kBusy when another FileKvStore (in any process) holds it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "evc/common/log.hpp"
#include "evc/storage/kv_store.hpp"

namespace evc::posix {

class FileKvStore final : public storage::KvStore {
 public:
  // dir: the state directory (created with mode 0700 if missing; its parent must exist).
  // logger: optional, receives the reason (path + errno text) of every kIo failure.
  explicit FileKvStore(std::string dir, Logger* logger = nullptr);
  ~FileKvStore() override;
  FileKvStore(const FileKvStore&) = delete;
  FileKvStore& operator=(const FileKvStore&) = delete;

  // Creates/opens the directory, locks it and deletes leftover temporary files.
  // kIo if the directory cannot be created or opened, kBusy if another store holds it.
  // The other methods return kFailedPrecondition until Open() succeeded.
  Status Open();
  bool is_open() const { return dir_fd_ >= 0; }
  const std::string& dir() const { return dir_; }
  // Number of leftover temporary files Open() removed (a crash happened during a Set()).
  int stale_temp_files_removed() const { return stale_removed_; }

  // kInvalidArgument for a bad key, kNotFound, kResourceExhausted when cap is too small,
  // kDataLoss when the stored file is larger than kMaxValueSize (not written by us), kIo.
  Result<size_t> Get(std::string_view key, uint8_t* buf, size_t cap) override;
  // kInvalidArgument for a bad key (or data == nullptr with len > 0), kResourceExhausted when
  // len > kMaxValueSize or the file system is full, kIo on other failures.
  Status Set(std::string_view key, const uint8_t* data, size_t len) override;
  // kInvalidArgument for a bad key; kOk when the key did not exist.
  Status Erase(std::string_view key) override;

 private:
  Status Fail(const char* what, const std::string& name, int err);
  Status SyncDir();

  std::string dir_;
  Logger* logger_;
  int dir_fd_ = -1;
  int stale_removed_ = 0;
};

}  // namespace evc::posix
