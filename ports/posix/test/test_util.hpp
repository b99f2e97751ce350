#pragma once
// Helpers shared by the POSIX port tests: a self-removing temporary directory, file writing, and
// throw-away PKI material made with the openssl CLI (never committed).

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace evc::posix::testutil {

inline void RemoveTree(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) {
    return;
  }
  if (S_ISDIR(st.st_mode)) {
    if (DIR* d = opendir(path.c_str())) {
      while (dirent* e = readdir(d)) {
        const std::string name = e->d_name;
        if (name != "." && name != "..") {
          RemoveTree(path + "/" + name);
        }
      }
      closedir(d);
    }
    rmdir(path.c_str());
  } else {
    unlink(path.c_str());
  }
}

class TempDir {
 public:
  TempDir() {
    const char* base = getenv("TMPDIR");
    std::string templ =
        std::string(base != nullptr && base[0] != '\0' ? base : "/tmp") + "/evc_posix_test_XXXXXX";
    if (mkdtemp(&templ[0]) != nullptr) {
      path_ = templ;
    }
  }
  ~TempDir() {
    if (!path_.empty()) {
      RemoveTree(path_);
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline void WriteFile(const std::string& path, const std::string& content, mode_t mode = 0600) {
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << content;
  }
  chmod(path.c_str(), mode);
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

inline bool Run(const std::string& command) {
  const std::string quiet = command + " >/dev/null 2>&1";
  return system(quiet.c_str()) == 0;
}

// A CA (key + self-signed certificate) in dir/<name>.key and dir/<name>.pem.
inline bool MakeCa(const std::string& dir, const std::string& name) {
  return Run(std::string(EVC_OPENSSL_CLI) +
             " req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2" +
             " -subj '/CN=evc test " + name + "' -keyout " + dir + "/" + name + ".key -out " + dir +
             "/" + name + ".pem" + " -addext basicConstraints=critical,CA:TRUE" +
             " -addext keyUsage=critical,keyCertSign,cRLSign");
}

// A server key + certificate signed by CA <ca>, valid for the given subjectAltName list
// (e.g. "IP:127.0.0.1,DNS:localhost"), in dir/<name>.key and dir/<name>.pem.
inline bool MakeServerCert(const std::string& dir, const std::string& ca, const std::string& name,
                           const std::string& san) {
  const std::string p = dir + "/" + name;
  WriteFile(p + ".ext",
            "subjectAltName=" + san + "\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
  return Run(std::string(EVC_OPENSSL_CLI) +
             " req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj '/CN=evc test " + name +
             "' -keyout " + p + ".key -out " + p + ".csr") &&
         Run(std::string(EVC_OPENSSL_CLI) + " x509 -req -days 2 -in " + p + ".csr -CA " + dir +
             "/" + ca + ".pem -CAkey " + dir + "/" + ca + ".key -CAcreateserial -out " + p +
             ".pem -extfile " + p + ".ext");
}

}  // namespace evc::posix::testutil
