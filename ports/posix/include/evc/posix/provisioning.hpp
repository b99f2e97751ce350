#pragma once
// The provisioning file: how this charger reaches its CSMS. JSON, kept outside the repository
// (e.g. /etc/evc/provisioning.json or the simulator's state directory), one per charger:
//
//   {
//     "csmsUrl": "wss://csms.example.com/ocpp",   base URL; "/<chargePointId>" is appended
//     "chargePointId": "CP-0001",                 1..48 of [A-Za-z0-9._~-]
//     "securityProfile": 2,                       0, 1 or 2 (3 = client certificates: not here)
//     "authorizationKey": "<8..40 printable>",    required for profiles 1 and 2, else absent
//     "caBundle": "ca.pem"                        profile 2 only; optional (absent = system
//   }                                             trust store); relative to the file's directory
//
// Rules checked, each with an error naming the field:
// - profile 0: ws:// and no authorizationKey (a key there is almost certainly a mistake);
// - profile 1: ws:// with authorizationKey (HTTP Basic Auth, user = chargePointId);
// - profile 2: wss:// with authorizationKey; caBundle must hold at least one PEM certificate.
// Unknown fields are errors (typos must not pass silently) except names starting with '_',
// which are free for comments. Duplicate fields are errors.

#include <string>
#include <string_view>

#include "evc/common/log.hpp"
#include "evc/common/status.hpp"
#include "evc/posix/lws_transport.hpp"

namespace evc::posix {

constexpr size_t kMaxProvisioningFileSize = 16 * 1024;
constexpr int kMaxSupportedSecurityProfile = 2;

struct Provisioning {
  std::string csms_url;  // as written, without the charge point id
  std::string charge_point_id;
  int security_profile = 0;
  std::string authorization_key;  // empty when absent
  std::string ca_bundle;          // absolute or relative to the file; empty: system store

  // csms_url + "/" + charge_point_id (no doubled slash).
  std::string TransportUrl() const;
  // The LwsTransport settings for this charger (ping interval and limits left at defaults).
  LwsTransportConfig ToTransportConfig() const;
};

// Parses and validates provisioning JSON. base_dir resolves a relative caBundle (empty: the
// current directory). On failure returns kInvalidArgument (or kIo for an unreadable caBundle)
// and sets *error to "<field>: <what is wrong>".
Status ParseProvisioning(std::string_view json, const std::string& base_dir, Provisioning* out,
                         std::string* error);

// Reads and validates the file at path. kIo if it cannot be read (error names the path and the
// reason), kInvalidArgument for bad content, kResourceExhausted above kMaxProvisioningFileSize.
// Refuses a file that other users may write (they could redirect the charger); warns through
// logger (may be null) when a file holding an authorizationKey is readable by other users.
Status LoadProvisioningFile(const std::string& path, Provisioning* out, std::string* error,
                            Logger* logger = nullptr);

}  // namespace evc::posix
