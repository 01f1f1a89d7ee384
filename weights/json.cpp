#include "weights/json.hpp"

#include <charconv>
#include <unordered_set>

#include "ffnet/core/error.hpp"

namespace ffnet::json {

const char* Value::type_name(Type type) {
  switch (type) {
    case Type::null: return "null";
    case Type::boolean: return "boolean";
    case Type::number: return "number";
    case Type::string: return "string";
    case Type::array: return "array";
    case Type::object: return "object";
  }
  return "?";
}

namespace {
[[noreturn]] void wrong_type(Value::Type want, Value::Type got) {
  throw_input(std::string("expected a JSON ") + Value::type_name(want) + ", found " +
              Value::type_name(got));
}
}  // namespace

bool Value::as_bool() const {
  if (type_ != Type::boolean) wrong_type(Type::boolean, type_);
  return bool_;
}
std::int64_t Value::as_int() const {
  if (!is_integer()) throw_input("expected a JSON integer");
  return int_;
}
double Value::as_number() const {
  if (type_ != Type::number) wrong_type(Type::number, type_);
  return number_;
}
const std::string& Value::as_string() const {
  if (type_ != Type::string) wrong_type(Type::string, type_);
  return string_;
}
const std::vector<Value>& Value::as_array() const {
  if (type_ != Type::array) wrong_type(Type::array, type_);
  return items_;
}
const std::vector<std::string>& Value::keys() const {
  if (type_ != Type::object) wrong_type(Type::object, type_);
  return keys_;
}
const std::vector<Value>& Value::values() const {
  if (type_ != Type::object) wrong_type(Type::object, type_);
  return items_;
}
const Value* Value::find(std::string_view key) const {
  if (type_ != Type::object) return nullptr;
  for (std::size_t i = 0; i < keys_.size(); ++i)
    if (keys_[i] == key) return &items_[i];
  return nullptr;
}

class Parser {
 public:
  Parser(std::string_view text, const ParseLimits& limits) : s_(text), limits_(limits) {}

  Value document() {
    skip_space();
    Value v = value(0);
    skip_space();
    if (pos_ != s_.size()) fail("unexpected data after the JSON value");
    return v;
  }

 private:
  std::string_view s_;
  ParseLimits limits_;
  std::size_t pos_ = 0;

  [[noreturn]] void fail(const std::string& what) const {
    throw_input("JSON byte " + std::to_string(pos_) + ": " + what);
  }
  bool at_end() const { return pos_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[pos_]; }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  void skip_space() {
    while (!at_end() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  void literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) fail("invalid literal");
    pos_ += word.size();
  }

  Value value(int depth) {
    if (depth > limits_.max_depth) fail("nesting deeper than " + std::to_string(limits_.max_depth));
    Value v;
    switch (peek()) {
      case '{': object(v, depth); break;
      case '[': array(v, depth); break;
      case '"': v.type_ = Value::Type::string; v.string_ = string(); break;
      case 't': literal("true"); v.type_ = Value::Type::boolean; v.bool_ = true; break;
      case 'f': literal("false"); v.type_ = Value::Type::boolean; break;
      case 'n': literal("null"); break;
      default:
        if (peek() == '-' || (peek() >= '0' && peek() <= '9')) number(v);
        else fail(at_end() ? "unexpected end of text" : "unexpected character");
    }
    return v;
  }

  void object(Value& v, int depth) {
    v.type_ = Value::Type::object;
    expect('{');
    skip_space();
    if (peek() == '}') { ++pos_; return; }
    std::unordered_set<std::string> seen;
    for (;;) {
      skip_space();
      if (peek() != '"') fail("expected a string key");
      std::string key = string();
      if (!seen.insert(key).second) fail("duplicate key \"" + key + "\"");
      skip_space();
      expect(':');
      skip_space();
      v.keys_.push_back(std::move(key));
      v.items_.push_back(value(depth + 1));
      skip_space();
      if (peek() == ',') { ++pos_; continue; }
      expect('}');
      return;
    }
  }

  void array(Value& v, int depth) {
    v.type_ = Value::Type::array;
    expect('[');
    skip_space();
    if (peek() == ']') { ++pos_; return; }
    for (;;) {
      skip_space();
      v.items_.push_back(value(depth + 1));
      skip_space();
      if (peek() == ',') { ++pos_; continue; }
      expect(']');
      return;
    }
  }

  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  void number(Value& v) {
    std::size_t start = pos_;
    bool integral = true;
    if (peek() == '-') ++pos_;
    if (peek() == '0') {
      ++pos_;
    } else if (is_digit(peek())) {
      while (is_digit(peek())) ++pos_;
    } else {
      fail("invalid number");
    }
    if (peek() == '.') {
      integral = false;
      ++pos_;
      if (!is_digit(peek())) fail("invalid number: digit expected after '.'");
      while (is_digit(peek())) ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!is_digit(peek())) fail("invalid number: digit expected in exponent");
      while (is_digit(peek())) ++pos_;
    }
    const char* first = s_.data() + start;
    const char* last = s_.data() + pos_;
    v.type_ = Value::Type::number;
    if (integral) {
      auto [end, ec] = std::from_chars(first, last, v.int_);
      if (ec == std::errc() && end == last) {
        v.is_integer_ = true;
        v.number_ = double(v.int_);
        return;
      }
    }
    auto [end, ec] = std::from_chars(first, last, v.number_);
    if (ec == std::errc::result_out_of_range) fail("number out of range");
    if (ec != std::errc() || end != last) fail("invalid number");
  }

  unsigned hex4() {
    if (pos_ + 4 > s_.size()) fail("truncated \\u escape");
    unsigned code = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_++];
      code <<= 4;
      if (c >= '0' && c <= '9') code |= unsigned(c - '0');
      else if (c >= 'a' && c <= 'f') code |= unsigned(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') code |= unsigned(c - 'A' + 10);
      else fail("invalid \\u escape");
    }
    return code;
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += char(cp);
    } else if (cp < 0x800) {
      out += char(0xC0 | (cp >> 6));
      out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += char(0xE0 | (cp >> 12));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    } else {
      out += char(0xF0 | (cp >> 18));
      out += char(0x80 | ((cp >> 12) & 0x3F));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    }
  }

  // Copies one UTF-8 encoded character, refusing overlong forms, surrogates and truncation.
  void utf8_char(std::string& out) {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s_[i]); };
    unsigned char lead = byte(pos_);
    int extra;
    unsigned cp;
    if (lead < 0xC2) fail("invalid UTF-8");
    if (lead < 0xE0) { extra = 1; cp = lead & 0x1F; }
    else if (lead < 0xF0) { extra = 2; cp = lead & 0x0F; }
    else if (lead < 0xF5) { extra = 3; cp = lead & 0x07; }
    else fail("invalid UTF-8");
    if (pos_ + std::size_t(extra) >= s_.size()) fail("truncated UTF-8");
    for (int i = 1; i <= extra; ++i) {
      unsigned char c = byte(pos_ + std::size_t(i));
      if ((c & 0xC0) != 0x80) fail("invalid UTF-8");
      cp = (cp << 6) | (c & 0x3F);
    }
    if ((extra == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
      fail("invalid UTF-8");
    out.append(s_.substr(pos_, std::size_t(extra) + 1));
    pos_ += std::size_t(extra) + 1;
  }

  std::string string() {
    expect('"');
    std::string out;
    for (;;) {
      if (at_end()) fail("unterminated string");
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') { ++pos_; return out; }
      if (c < 0x20) fail("control character in string");
      if (c >= 0x80) { utf8_char(out); continue; }
      if (c != '\\') { out += char(c); ++pos_; continue; }
      ++pos_;
      if (at_end()) fail("unterminated escape");
      char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xDC00 && cp <= 0xDFFF) fail("unpaired low surrogate");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (s_.substr(pos_, 2) != "\\u") fail("unpaired high surrogate");
            pos_ += 2;
            unsigned low = hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("invalid low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default: fail("invalid escape");
      }
    }
  }
};

Value parse(std::string_view text, const ParseLimits& limits) { return Parser(text, limits).document(); }

}  // namespace ffnet::json
