#pragma once
// cJSON lives at <cjson/cJSON.h> on Debian and at "cJSON.h" in ESP-IDF's json component.
#if __has_include(<cjson/cJSON.h>)
#include <cjson/cJSON.h>
#else
#include "cJSON.h"
#endif

namespace evc::json {

// Owns a parsed cJSON tree; frees it on scope exit.
class Document {
 public:
  Document() = default;
  explicit Document(cJSON* root) : root_(root) {}
  ~Document() {
    if (root_ != nullptr) {
      cJSON_Delete(root_);
    }
  }
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;
  cJSON* root() const { return root_; }

 private:
  cJSON* root_ = nullptr;
};

}  // namespace evc::json
