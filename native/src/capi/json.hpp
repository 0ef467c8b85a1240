// A minimal JSON writer for the C ABI's list and report results (arrays of flat objects).
#pragma once
#include <cstdint>
#include <string>

namespace mc::capi {

class JsonWriter {
 public:
  JsonWriter& begin_array() { sep(); out_ += '['; first_ = true; return *this; }
  JsonWriter& end_array() { out_ += ']'; first_ = false; return *this; }
  JsonWriter& begin_object() { sep(); out_ += '{'; first_ = true; return *this; }
  JsonWriter& end_object() { out_ += '}'; first_ = false; return *this; }
  /** An object key; the next value written is its value. */
  JsonWriter& key(const std::string& k);
  JsonWriter& string(const std::string& s);
  JsonWriter& number(uint64_t v);
  JsonWriter& number(int64_t v);
  JsonWriter& null();
  const std::string& str() const { return out_; }

 private:
  void sep() {
    if (!first_ && !after_key_) out_ += ',';
    first_ = false;
    after_key_ = false;
  }
  void quoted(const std::string& s);
  std::string out_;
  bool first_ = true;
  bool after_key_ = false;
};

}  // namespace mc::capi
