#pragma once
// A strict JSON parser (RFC 8259) for safetensors headers and the model table: no comments,
// no trailing commas, duplicate object keys refused, nesting depth limited, UTF-8 checked.
// Integers without fraction or exponent that fit in int64 are kept exact.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ffnet::json {

class Value {
 public:
  enum class Type { null, boolean, number, string, array, object };

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::null; }
  bool is_object() const { return type_ == Type::object; }
  bool is_array() const { return type_ == Type::array; }
  bool is_string() const { return type_ == Type::string; }
  bool is_number() const { return type_ == Type::number; }
  // A number written without fraction or exponent that fits in int64.
  bool is_integer() const { return type_ == Type::number && is_integer_; }

  // The accessors throw ffnet::Error(input) naming the expected type when it differs.
  bool as_bool() const;
  std::int64_t as_int() const;
  double as_number() const;
  const std::string& as_string() const;
  const std::vector<Value>& as_array() const;
  // Object members in file order.
  const std::vector<std::string>& keys() const;
  const std::vector<Value>& values() const;
  // The member named `key`, or nullptr (also for non-objects).
  const Value* find(std::string_view key) const;

  static const char* type_name(Type type);

 private:
  friend class Parser;
  Type type_ = Type::null;
  bool bool_ = false;
  bool is_integer_ = false;
  std::int64_t int_ = 0;
  double number_ = 0;
  std::string string_;
  std::vector<std::string> keys_;  // objects
  std::vector<Value> items_;       // array elements, or object values parallel to keys_
};

struct ParseLimits {
  int max_depth = 64;
};

// Parses a whole document (surrounding white space allowed, nothing else after the value).
// Throws ffnet::Error(input) with "byte N: <problem>".
Value parse(std::string_view text, const ParseLimits& limits = {});

}  // namespace ffnet::json
