#include "evc/posix/provisioning.hpp"

#include "evc/ocpp/configuration.hpp"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <memory>

#include "evc/posix/ws_url.hpp"

namespace evc::posix {

namespace {

constexpr char kTag[] = "provisioning";
constexpr char kFieldCsmsUrl[] = "csmsUrl";
constexpr char kFieldChargePointId[] = "chargePointId";
constexpr char kFieldSecurityProfile[] = "securityProfile";
constexpr char kFieldAuthorizationKey[] = "authorizationKey";
constexpr char kFieldCaBundle[] = "caBundle";
constexpr size_t kMaxPathLength = 4096;

struct JsonDeleter {
  void operator()(cJSON* j) const { cJSON_Delete(j); }
};

Status Bad(std::string* error, const char* field, const std::string& what) {
  if (error != nullptr) {
    *error = std::string(field) + ": " + what;
  }
  return Errc::kInvalidArgument;
}

// Line and column (1-based) of offset in text, for parse errors.
std::string Position(std::string_view text, size_t offset) {
  size_t line = 1;
  size_t col = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

// Fetches an optional string field; *present tells whether it was there.
Status GetString(const cJSON* root, const char* field, bool required, std::string* out,
                 bool* present, std::string* error) {
  const cJSON* item = cJSON_GetObjectItemCaseSensitive(root, field);
  *present = item != nullptr;
  if (item == nullptr) {
    return required ? Bad(error, field, "missing") : OkStatus();
  }
  if (!cJSON_IsString(item) || item->valuestring == nullptr) {
    return Bad(error, field, "must be a string");
  }
  *out = item->valuestring;
  return OkStatus();
}

Status CheckCaBundle(const std::string& path, std::string* error) {
  BIO* bio = BIO_new_file(path.c_str(), "r");
  if (bio == nullptr) {
    ERR_clear_error();
    if (error != nullptr) {
      *error = std::string(kFieldCaBundle) + ": cannot read " + path;
    }
    return Errc::kIo;
  }
  int count = 0;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    X509_free(cert);
    ++count;
  }
  ERR_clear_error();
  BIO_free(bio);
  if (count == 0) {
    return Bad(error, kFieldCaBundle, "no PEM certificate in " + path);
  }
  return OkStatus();
}

}  // namespace

std::string Provisioning::TransportUrl() const {
  std::string url = csms_url;
  if (url.empty() || url.back() != '/') {
    url += '/';
  }
  return url + charge_point_id;
}

LwsTransportConfig Provisioning::ToTransportConfig() const {
  LwsTransportConfig c;
  c.url = TransportUrl();
  c.charge_point_id = charge_point_id;
  c.authorization_key = security_profile >= 1 ? authorization_key : std::string();
  c.ca_bundle_path = ca_bundle;
  return c;
}

Status ParseProvisioning(std::string_view json, const std::string& base_dir, Provisioning* out,
                         std::string* error) {
  if (json.size() > kMaxProvisioningFileSize) {
    if (error != nullptr) {
      *error = "file larger than " + std::to_string(kMaxProvisioningFileSize) + " bytes";
    }
    return Errc::kResourceExhausted;
  }
  const std::string text(json);
  if (text.find('\0') != std::string::npos) {
    if (error != nullptr) {
      *error = "file contains a NUL byte (not JSON text)";
    }
    return Errc::kInvalidArgument;
  }
  const char* end = nullptr;
  std::unique_ptr<cJSON, JsonDeleter> root(cJSON_ParseWithOpts(text.c_str(), &end, 1));
  if (!root) {
    const size_t at = end != nullptr ? static_cast<size_t>(end - text.c_str()) : 0;
    if (error != nullptr) {
      *error = "not valid JSON (near " + Position(text, at) + ")";
    }
    return Errc::kInvalidArgument;
  }
  if (!cJSON_IsObject(root.get())) {
    if (error != nullptr) {
      *error = "the top level must be a JSON object";
    }
    return Errc::kInvalidArgument;
  }

  // Unknown and duplicate fields.
  static const char* const kKnown[] = {kFieldCsmsUrl, kFieldChargePointId, kFieldSecurityProfile,
                                       kFieldAuthorizationKey, kFieldCaBundle};
  for (const cJSON* item = root->child; item != nullptr; item = item->next) {
    const char* name = item->string != nullptr ? item->string : "";
    if (name[0] == '_') {
      continue;  // comment field
    }
    bool known = false;
    for (const char* k : kKnown) {
      known = known || strcmp(k, name) == 0;
    }
    if (!known) {
      return Bad(error, name, "unknown field (names starting with '_' are free for comments)");
    }
    for (const cJSON* other = item->next; other != nullptr; other = other->next) {
      if (other->string != nullptr && strcmp(other->string, name) == 0) {
        return Bad(error, name, "appears more than once");
      }
    }
  }

  Provisioning p;
  bool present = false;

  // securityProfile first: the other rules depend on it.
  const cJSON* profile = cJSON_GetObjectItemCaseSensitive(root.get(), kFieldSecurityProfile);
  if (profile == nullptr) {
    return Bad(error, kFieldSecurityProfile, "missing (0, 1 or 2)");
  }
  if (!cJSON_IsNumber(profile) || std::floor(profile->valuedouble) != profile->valuedouble) {
    return Bad(error, kFieldSecurityProfile, "must be an integer (0, 1 or 2)");
  }
  if (profile->valuedouble == 3) {
    return Bad(error, kFieldSecurityProfile,
               "3 (TLS client certificates) is not supported by this port; use 0, 1 or 2");
  }
  if (profile->valuedouble < 0 || profile->valuedouble > kMaxSupportedSecurityProfile) {
    return Bad(error, kFieldSecurityProfile, "must be 0, 1 or 2");
  }
  p.security_profile = static_cast<int>(profile->valuedouble);

  EVC_TRY(GetString(root.get(), kFieldChargePointId, true, &p.charge_point_id, &present, error));
  if (!IsValidChargePointId(p.charge_point_id)) {
    return Bad(error, kFieldChargePointId,
               "must be 1.." + std::to_string(kMaxChargePointIdLength) +
                   " characters of A-Z a-z 0-9 . _ ~ -");
  }

  EVC_TRY(GetString(root.get(), kFieldCsmsUrl, true, &p.csms_url, &present, error));
  WsUrl url;
  std::string why;
  if (!ParseWsUrl(p.csms_url, &url, &why).ok()) {
    return Bad(error, kFieldCsmsUrl, why);
  }
  const std::string id_suffix = "/" + p.charge_point_id;
  std::string trimmed = url.path;
  while (trimmed.size() > 1 && trimmed.back() == '/') {
    trimmed.pop_back();
  }
  if (trimmed.size() >= id_suffix.size() &&
      trimmed.compare(trimmed.size() - id_suffix.size(), id_suffix.size(), id_suffix) == 0) {
    return Bad(error, kFieldCsmsUrl,
               "must not end with the chargePointId; it is appended automatically");
  }
  if (p.security_profile == 2 && !url.tls) {
    return Bad(error, kFieldCsmsUrl, "securityProfile 2 requires a wss:// URL");
  }
  if (p.security_profile < 2 && url.tls) {
    return Bad(error, kFieldCsmsUrl,
               "wss:// needs securityProfile 2 (profiles 0 and 1 are defined over ws://)");
  }

  EVC_TRY(
      GetString(root.get(), kFieldAuthorizationKey, false, &p.authorization_key, &present, error));
  if (p.security_profile == 0 && present) {
    return Bad(error, kFieldAuthorizationKey,
               "set, but securityProfile 0 sends no credentials (use 1 or 2, or remove it)");
  }
  if (p.security_profile >= 1) {
    if (!present) {
      return Bad(
          error, kFieldAuthorizationKey,
          "missing (required for securityProfile " + std::to_string(p.security_profile) + ")");
    }
    // The OCPP configuration's rule (security whitepaper), so the key is refused here and not
    // when the firmware imports it into its AuthorizationKey.
    if (!ocpp::IsValidAuthorizationKey(p.authorization_key)) {
      return Bad(error, kFieldAuthorizationKey,
                 "must be " + std::to_string(ocpp::kMinAuthorizationKeyHexDigits) + ".." +
                     std::to_string(ocpp::kMaxAuthorizationKeyHexDigits) +
                     " hexadecimal digits, an even count (16..20 bytes)");
    }
  }

  EVC_TRY(GetString(root.get(), kFieldCaBundle, false, &p.ca_bundle, &present, error));
  if (present) {
    if (p.security_profile != 2) {
      return Bad(error, kFieldCaBundle, "only used with securityProfile 2 (wss://)");
    }
    if (p.ca_bundle.empty() || p.ca_bundle.size() > kMaxPathLength) {
      return Bad(error, kFieldCaBundle, "must be a non-empty file path");
    }
    if (p.ca_bundle.front() != '/' && !base_dir.empty()) {
      p.ca_bundle = base_dir + "/" + p.ca_bundle;
    }
    EVC_TRY(CheckCaBundle(p.ca_bundle, error));
  }

  if (out != nullptr) {
    *out = std::move(p);
  }
  return OkStatus();
}

Status LoadProvisioningFile(const std::string& path, Provisioning* out, std::string* error,
                            Logger* logger) {
  auto fail = [&](Errc code, const std::string& what) {
    if (error != nullptr) {
      *error = path + ": " + what;
    }
    return Status(code);
  };
  // O_NONBLOCK: opening a FIFO by mistake must not hang the boot; fstat rejects it below.
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    return fail(Errc::kIo, std::string("cannot open: ") + strerror(errno));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return fail(Errc::kIo, "not a regular file");
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    close(fd);
    return fail(Errc::kInvalidArgument,
                "writable by other users (chmod go-w): it decides which server gets the "
                "charger's credentials");
  }
  if (static_cast<uint64_t>(st.st_size) > kMaxProvisioningFileSize) {
    close(fd);
    return fail(Errc::kResourceExhausted,
                "larger than " + std::to_string(kMaxProvisioningFileSize) + " bytes");
  }
  std::string text;
  text.resize(kMaxProvisioningFileSize + 1);
  size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = read(fd, &text[got], text.size() - got);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      const int err = errno;
      close(fd);
      return fail(Errc::kIo, std::string("read failed: ") + strerror(err));
    }
    if (n == 0) {
      break;
    }
    got += static_cast<size_t>(n);
  }
  close(fd);
  if (got > kMaxProvisioningFileSize) {
    return fail(Errc::kResourceExhausted,
                "larger than " + std::to_string(kMaxProvisioningFileSize) + " bytes");
  }
  text.resize(got);

  std::string base_dir = ".";
  const size_t slash = path.rfind('/');
  if (slash != std::string::npos) {
    base_dir = slash == 0 ? "/" : path.substr(0, slash);
  }
  std::string why;
  Provisioning p;
  const Status s = ParseProvisioning(text, base_dir, &p, &why);
  if (!s.ok()) {
    return fail(s.code(), why);
  }
  if (!p.authorization_key.empty() && (st.st_mode & (S_IRGRP | S_IROTH)) != 0 &&
      logger != nullptr) {
    EVC_LOGW(*logger, kTag,
             "%s holds the AuthorizationKey and is readable by other users "
             "(chmod 600 recommended)",
             path.c_str());
  }
  if (out != nullptr) {
    *out = std::move(p);
  }
  return OkStatus();
}

}  // namespace evc::posix
