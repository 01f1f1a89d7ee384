#include <doctest/doctest.h>

#include "ffnet/core/error.hpp"
#include "weights/json.hpp"

using ffnet::json::parse;

TEST_CASE("json: values, nesting and exact integers") {
  auto v = parse(R"( {"a": [1, -2, 3.5e2, true, false, null], "b": {"c": "x\u00e9\ud83d\ude00"},
                     "big": 9007199254740993} )");
  REQUIRE(v.is_object());
  const auto& a = v.find("a")->as_array();
  CHECK(a.size() == 6);
  CHECK(a[0].as_int() == 1);
  CHECK(a[1].as_int() == -2);
  CHECK(!a[2].is_integer());
  CHECK(a[2].as_number() == 350.0);
  CHECK(a[3].as_bool());
  CHECK(a[5].is_null());
  CHECK(v.find("b")->find("c")->as_string() == "x\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(v.find("big")->as_int() == 9007199254740993LL);  // not rounded through a double
  CHECK(v.keys() == std::vector<std::string>{"a", "b", "big"});
  CHECK(v.find("missing") == nullptr);
}

TEST_CASE("json: strictness") {
  const char* bad[] = {
      "",  "{",  "[1,]",  "{\"a\":1,}",  "{\"a\":1 \"b\":2}",  "{'a':1}",  "01",  "1.",
      ".5",  "-",  "1e",  "+1",  "nul",  "[1] x",  "\"tab\there\"",  "\"\\x\"",
      "\"\\ud800\"",  "\"\\udc00\"",  "{\"a\":1,\"a\":2}",  "\"\xc0\xaf\"",  "\"\xed\xa0\x80\"",
      "\"\xe2\x82\"",  "/* c */ 1",  "1e999",  "NaN",  "[\"unterminated]",
  };
  for (const char* text : bad) {
    INFO(text);
    CHECK_THROWS_AS(parse(text), ffnet::Error);
  }
}

TEST_CASE("json: depth limit and type errors") {
  std::string deep(100, '[');
  deep += std::string(100, ']');
  CHECK_THROWS_AS(parse(deep), ffnet::Error);
  CHECK_NOTHROW(parse(deep, {.max_depth = 200}));
  auto v = parse("[1]");
  CHECK_THROWS_AS(v.as_string(), ffnet::Error);
  CHECK_THROWS_AS(v.as_array()[0].as_string(), ffnet::Error);
  CHECK_THROWS_WITH_AS(parse("[1, x]"), doctest::Contains("byte 4"), ffnet::Error);
}
