#include "evc/posix/file_kv_store.hpp"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace evc::posix {

namespace {

constexpr char kTag[] = "kvstore";
constexpr char kValuePrefix[] = "v-";
constexpr char kTempPrefix[] = "t-";
constexpr size_t kPrefixLength = 2;
constexpr mode_t kDirMode = 0700;
constexpr mode_t kFileMode = 0600;

std::string ValueName(std::string_view key) {
  std::string name(kValuePrefix);
  name.append(key.data(), key.size());
  return name;
}

std::string TempName(std::string_view key) {
  std::string name(kTempPrefix);
  name.append(key.data(), key.size());
  return name;
}

// Writes all of buf, retrying on EINTR and short writes. Returns 0 or an errno value.
int WriteAll(int fd, const uint8_t* buf, size_t len) {
  size_t done = 0;
  while (done < len) {
    const ssize_t n = write(fd, buf + done, len - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno;
    }
    done += static_cast<size_t>(n);
  }
  return 0;
}

}  // namespace

FileKvStore::FileKvStore(std::string dir, Logger* logger) : dir_(std::move(dir)), logger_(logger) {}

FileKvStore::~FileKvStore() {
  if (dir_fd_ >= 0) {
    close(dir_fd_);  // also releases the flock
  }
}

Status FileKvStore::Fail(const char* what, const std::string& name, int err) {
  if (logger_ != nullptr) {
    EVC_LOGE(*logger_, kTag, "%s %s/%s: %s", what, dir_.c_str(), name.c_str(), strerror(err));
  }
  if (err == ENOSPC || err == EDQUOT) {
    return Errc::kResourceExhausted;
  }
  return Errc::kIo;
}

Status FileKvStore::SyncDir() {
  if (fsync(dir_fd_) != 0) {
    return Fail("fsync directory", ".", errno);
  }
  return OkStatus();
}

Status FileKvStore::Open() {
  if (dir_fd_ >= 0) {
    return OkStatus();
  }
  if (dir_.empty()) {
    return Errc::kInvalidArgument;
  }
  if (mkdir(dir_.c_str(), kDirMode) != 0 && errno != EEXIST) {
    return Fail("mkdir", ".", errno);
  }
  const int fd = open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return Fail("open directory", ".", errno);
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    close(fd);
    if (err == EWOULDBLOCK) {
      if (logger_ != nullptr) {
        EVC_LOGE(*logger_, kTag, "%s is in use by another store", dir_.c_str());
      }
      return Errc::kBusy;
    }
    return Fail("flock", ".", err);
  }

  // Remove temporary files of Set() calls that a crash interrupted before their rename: the key
  // file still holds the previous value, which is what the atomic contract promises.
  const int list_fd = dup(fd);
  DIR* d = list_fd >= 0 ? fdopendir(list_fd) : nullptr;
  if (d == nullptr) {
    const int err = errno;
    if (list_fd >= 0) {
      close(list_fd);
    }
    close(fd);
    return Fail("list directory", ".", err);
  }
  stale_removed_ = 0;
  bool removed_any = false;
  while (dirent* e = readdir(d)) {
    if (strncmp(e->d_name, kTempPrefix, kPrefixLength) != 0) {
      continue;
    }
    if (unlinkat(fd, e->d_name, 0) == 0) {
      ++stale_removed_;
      removed_any = true;
    } else if (logger_ != nullptr) {
      EVC_LOGW(*logger_, kTag, "cannot remove stale %s/%s: %s", dir_.c_str(), e->d_name,
               strerror(errno));
    }
  }
  closedir(d);
  dir_fd_ = fd;
  if (removed_any) {
    if (logger_ != nullptr) {
      EVC_LOGW(*logger_, kTag, "removed %d interrupted write(s) in %s", stale_removed_,
               dir_.c_str());
    }
    return SyncDir();
  }
  return OkStatus();
}

Result<size_t> FileKvStore::Get(std::string_view key, uint8_t* buf, size_t cap) {
  if (dir_fd_ < 0) {
    return Errc::kFailedPrecondition;
  }
  if (!storage::IsValidKey(key) || (buf == nullptr && cap > 0)) {
    return Errc::kInvalidArgument;
  }
  const std::string name = ValueName(key);
  const int fd = openat(dir_fd_, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) {
      return Errc::kNotFound;
    }
    return Fail("open", name, errno);
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    close(fd);
    return Fail("fstat", name, err);
  }
  if (!S_ISREG(st.st_mode) || st.st_size < 0 ||
      static_cast<uint64_t>(st.st_size) > storage::kMaxValueSize) {
    close(fd);
    if (logger_ != nullptr) {
      EVC_LOGE(*logger_, kTag, "%s/%s is not a value this store wrote", dir_.c_str(), name.c_str());
    }
    return Errc::kDataLoss;
  }
  const size_t size = static_cast<size_t>(st.st_size);
  if (size > cap) {
    close(fd);
    return Errc::kResourceExhausted;
  }
  size_t done = 0;
  while (done < size) {
    const ssize_t n = read(fd, buf + done, size - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      const int err = errno;
      close(fd);
      return Fail("read", name, err);
    }
    if (n == 0) {
      break;  // shorter than fstat said: someone else changed the file
    }
    done += static_cast<size_t>(n);
  }
  close(fd);
  if (done != size) {
    if (logger_ != nullptr) {
      EVC_LOGE(*logger_, kTag, "%s/%s changed while being read", dir_.c_str(), name.c_str());
    }
    return Errc::kIo;
  }
  return size;
}

Status FileKvStore::Set(std::string_view key, const uint8_t* data, size_t len) {
  if (dir_fd_ < 0) {
    return Errc::kFailedPrecondition;
  }
  if (!storage::IsValidKey(key) || (data == nullptr && len > 0)) {
    return Errc::kInvalidArgument;
  }
  if (len > storage::kMaxValueSize) {
    return Errc::kResourceExhausted;
  }
  const std::string tmp = TempName(key);
  const std::string name = ValueName(key);
  const int fd = openat(dir_fd_, tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                        kFileMode);
  if (fd < 0) {
    return Fail("create", tmp, errno);
  }
  int err = WriteAll(fd, data, len);
  const char* step = "write";
  if (err == 0 && fsync(fd) != 0) {
    err = errno;
    step = "fsync";
  }
  if (close(fd) != 0 && err == 0) {
    err = errno;
    step = "close";
  }
  if (err != 0) {
    unlinkat(dir_fd_, tmp.c_str(), 0);
    return Fail(step, tmp, err);
  }
  // The atomic step: the key file is either the old inode or the new, fully synced one.
  if (renameat(dir_fd_, tmp.c_str(), dir_fd_, name.c_str()) != 0) {
    err = errno;
    unlinkat(dir_fd_, tmp.c_str(), 0);
    return Fail("rename", name, err);
  }
  // Makes the rename itself durable.
  return SyncDir();
}

Status FileKvStore::Erase(std::string_view key) {
  if (dir_fd_ < 0) {
    return Errc::kFailedPrecondition;
  }
  if (!storage::IsValidKey(key)) {
    return Errc::kInvalidArgument;
  }
  const std::string name = ValueName(key);
  if (unlinkat(dir_fd_, name.c_str(), 0) != 0) {
    if (errno == ENOENT) {
      return OkStatus();
    }
    return Fail("unlink", name, errno);
  }
  return SyncDir();
}

}  // namespace evc::posix
