#include "evc/storage/kv_store.hpp"

namespace evc::storage {

bool IsValidKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyLength) {
    return false;
  }
  for (char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

}  // namespace evc::storage
