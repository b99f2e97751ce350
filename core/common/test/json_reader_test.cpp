#include "evc/common/json_reader.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include "evc/common/rng.hpp"

namespace evc::json {
namespace {

// Decoded content of a string value ("<error>" when it cannot be copied).
std::string Str(const Reader& r, Value v) {
  char buf[256];
  const Result<size_t> n = r.CopyString(v, buf, sizeof(buf));
  return n.ok() ? std::string(buf, *n) : std::string("<error>");
}

TEST(JsonReader, ParsesEveryType) {
  Reader r;
  ASSERT_TRUE(
      r.Parse(R"({"s":"x","n":-1.5e2,"t":true,"f":false,"z":null,"a":[1,"2"],"o":{}})").ok());
  const Value root = r.Root();
  EXPECT_TRUE(r.IsObject(root));
  EXPECT_EQ(7u, r.Count(root));
  EXPECT_EQ(Type::kString, r.TypeOf(r.Find(root, "s")));
  EXPECT_EQ("x", Str(r, r.Find(root, "s")));
  EXPECT_EQ(Type::kNumber, r.TypeOf(r.Find(root, "n")));
  EXPECT_EQ(-150.0, r.GetNumber(r.Find(root, "n")).value());
  EXPECT_TRUE(r.IsBool(r.Find(root, "t")));
  EXPECT_TRUE(r.GetBool(r.Find(root, "t")).value());
  EXPECT_FALSE(r.GetBool(r.Find(root, "f")).value());
  EXPECT_TRUE(r.IsNull(r.Find(root, "z")));
  EXPECT_TRUE(r.IsArray(r.Find(root, "a")));
  EXPECT_EQ(2u, r.Count(r.Find(root, "a")));
  EXPECT_TRUE(r.IsObject(r.Find(root, "o")));
  EXPECT_EQ(0u, r.Count(r.Find(root, "o")));
  EXPECT_FALSE(r.Find(root, "missing").valid());
  EXPECT_STREQ("", r.error());
}

TEST(JsonReader, ParsesLoneScalars) {
  Reader r;
  ASSERT_TRUE(r.Parse(" 42 ").ok());
  EXPECT_EQ(42, r.GetInteger(r.Root()).value());
  ASSERT_TRUE(r.Parse("true").ok());
  EXPECT_TRUE(r.GetBool(r.Root()).value());
  ASSERT_TRUE(r.Parse("null\n").ok());
  EXPECT_TRUE(r.IsNull(r.Root()));
  ASSERT_TRUE(r.Parse("\"s\"").ok());
  EXPECT_EQ("s", Str(r, r.Root()));
  ASSERT_TRUE(r.Parse("-0.5").ok());
  EXPECT_EQ(-0.5, r.GetNumber(r.Root()).value());
}

TEST(JsonReader, AcceptsWhitespaceEverywhere) {
  Reader r;
  ASSERT_TRUE(r.Parse(" \t\r\n{ \"a\" :\n[ 1 ,\t2 ] , \"b\" : { } }\r\n").ok());
  EXPECT_EQ(2u, r.Count(r.Find(r.Root(), "a")));
  EXPECT_TRUE(r.IsObject(r.Find(r.Root(), "b")));
}

TEST(JsonReader, IteratesArraysAndObjects) {
  Reader r;
  ASSERT_TRUE(r.Parse(R"({"list":[{"k":1},[2,[3]],"x"],"after":5})").ok());
  const Value list = r.Find(r.Root(), "list");
  ASSERT_EQ(3u, r.Count(list));
  Value it = r.First(list);
  EXPECT_TRUE(r.IsObject(it));
  EXPECT_EQ(1, r.GetInteger(r.Find(it, "k")).value());
  it = r.Next(it);
  EXPECT_TRUE(r.IsArray(it));
  EXPECT_EQ("[2,[3]]", r.Text(it));
  it = r.Next(it);
  EXPECT_EQ("x", Str(r, it));
  EXPECT_FALSE(r.Next(it).valid());
  EXPECT_EQ("x", Str(r, r.At(list, 2)));
  EXPECT_FALSE(r.At(list, 3).valid());

  std::string keys;
  for (Value m = r.First(r.Root()); m; m = r.Next(m)) {
    keys += Str(r, r.KeyOf(m)) + "=" + std::string(r.Text(m)) + ";";
  }
  EXPECT_EQ(R"(list=[{"k":1},[2,[3]],"x"];after=5;)", keys);
  EXPECT_FALSE(r.KeyOf(r.First(list)).valid());  // array items have no key
  const Value key = r.KeyOf(r.First(r.Root()));
  EXPECT_EQ("list", Str(r, key));
  EXPECT_FALSE(r.KeyOf(key).valid());  // a key has no key ...
  EXPECT_FALSE(r.Next(key).valid());   // ... and is not a step of the member iteration
  EXPECT_FALSE(r.Next(r.Root()).valid());
}

TEST(JsonReader, FindMatchesKeysExactlyAfterUnescaping) {
  Reader r;
  ASSERT_TRUE(r.Parse(R"({"a\u0062c":1,"ab":2,"A":3,"d\"q":4,"ab":5})").ok());
  const Value root = r.Root();
  EXPECT_EQ(1, r.GetInteger(r.Find(root, "abc")).value());
  EXPECT_EQ(2, r.GetInteger(r.Find(root, "ab")).value());  // the first of two
  EXPECT_EQ(3, r.GetInteger(r.Find(root, "A")).value());
  EXPECT_FALSE(r.Find(root, "a").valid());
  EXPECT_FALSE(r.Find(root, "abcd").valid());
  EXPECT_EQ(4, r.GetInteger(r.Find(root, "d\"q")).value());
  EXPECT_FALSE(r.Find(r.Find(root, "ab"), "x").valid());  // not an object
}

TEST(JsonReader, DecodesEscapes) {
  Reader r;
  ASSERT_TRUE(r.Parse(R"(["\"\\\/\b\f\n\r\t", "\u00e9\u20AC", "\ud83d\ude00", "\u0041"])").ok());
  EXPECT_EQ("\"\\/\b\f\n\r\t", Str(r, r.At(r.Root(), 0)));
  EXPECT_EQ("\xC3\xA9\xE2\x82\xAC", Str(r, r.At(r.Root(), 1)));
  EXPECT_EQ("\xF0\x9F\x98\x80", Str(r, r.At(r.Root(), 2)));
  EXPECT_EQ("A", Str(r, r.At(r.Root(), 3)));
  EXPECT_EQ(2u, r.StringLength(r.At(r.Root(), 1)).value());
  EXPECT_EQ(5u, r.DecodedSize(r.At(r.Root(), 1)).value());
  EXPECT_EQ(1u, r.StringLength(r.At(r.Root(), 2)).value());
  EXPECT_EQ(4u, r.DecodedSize(r.At(r.Root(), 2)).value());
}

TEST(JsonReader, CountsCharactersOfRawUtf8) {
  Reader r;
  ASSERT_TRUE(r.Parse("\"a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"").ok());
  EXPECT_EQ(4u, r.StringLength(r.Root()).value());
  EXPECT_EQ(10u, r.DecodedSize(r.Root()).value());
  EXPECT_FALSE(r.HasEscapes(r.Root()));
}

TEST(JsonReader, KeepsAnEscapedNulWithItsLength) {
  Reader r;
  ASSERT_TRUE(r.Parse(R"("a\u0000b")").ok());
  char buf[8];
  ASSERT_EQ(3u, r.CopyString(r.Root(), buf, sizeof(buf)).value());
  EXPECT_EQ(std::string("a\0b", 3), std::string(buf, 3));
  EXPECT_TRUE(r.StringEquals(r.Root(), std::string_view("a\0b", 3)));
  EXPECT_FALSE(r.StringEquals(r.Root(), "a"));
}

TEST(JsonReader, StringEqualsComparesDecodedContent) {
  Reader r;
  ASSERT_TRUE(r.Parse(R"(["Accepted", "Acc\u0065pted", "Accepte", 5])").ok());
  const Value a = r.At(r.Root(), 0);
  const Value b = r.At(r.Root(), 1);
  const Value c = r.At(r.Root(), 2);
  EXPECT_TRUE(r.StringEquals(a, "Accepted"));
  EXPECT_TRUE(r.StringEquals(b, "Accepted"));
  EXPECT_FALSE(r.StringEquals(b, "Accepte"));
  EXPECT_FALSE(r.StringEquals(b, "AcceptedX"));
  EXPECT_FALSE(r.StringEquals(c, "Accepted"));
  EXPECT_FALSE(r.StringEquals(r.At(r.Root(), 3), "5"));  // a number is not a string
}

TEST(JsonReader, CopyStringRefusesWhenTheBufferIsTooSmall) {
  Reader r;
  ASSERT_TRUE(r.Parse(R"(["abcd", "a\u00e9"])").ok());
  char buf[8] = "zzzzzzz";
  EXPECT_EQ(Errc::kResourceExhausted, r.CopyString(r.At(r.Root(), 0), buf, 4).status().code());
  EXPECT_STREQ("zzzzzzz", buf);  // untouched: no partial copy
  EXPECT_EQ(4u, r.CopyString(r.At(r.Root(), 0), buf, 5).value());
  EXPECT_STREQ("abcd", buf);
  // "aé" decodes to 3 bytes: needs 4 with the NUL, although it is 2 characters.
  EXPECT_EQ(Errc::kResourceExhausted, r.CopyString(r.At(r.Root(), 1), buf, 3).status().code());
  EXPECT_EQ(3u, r.CopyString(r.At(r.Root(), 1), buf, 4).value());
  EXPECT_EQ(Errc::kInvalidArgument, r.CopyString(r.Root(), buf, sizeof(buf)).status().code());
}

TEST(JsonReader, GetStringIsZeroCopyWithoutEscapes) {
  const std::string text = R"(["plain", "esc\naped"])";
  Reader r;
  ASSERT_TRUE(r.Parse(text).ok());
  char scratch[16];
  const Result<std::string_view> plain = r.GetString(r.At(r.Root(), 0), scratch, sizeof(scratch));
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ("plain", *plain);
  EXPECT_EQ(text.data() + 2, plain->data());  // points into the document
  EXPECT_EQ(Errc::kFailedPrecondition, r.StringSpan(r.At(r.Root(), 1)).status().code());
  const Result<std::string_view> esc = r.GetString(r.At(r.Root(), 1), scratch, sizeof(scratch));
  ASSERT_TRUE(esc.ok());
  EXPECT_EQ("esc\naped", *esc);
  EXPECT_EQ(scratch, esc->data());
  EXPECT_EQ(Errc::kResourceExhausted, r.GetString(r.At(r.Root(), 1), scratch, 4).status().code());
}

TEST(JsonReader, ConvertsNumbers) {
  Reader r;
  ASSERT_TRUE(r.Parse("[0, -0, 123, 1.5, -2.25e3, 1E2, 1e-3, 0.1, 4.35, 1e22, 1e23, "
                      "123456789012345678901234, 0.000001234, 1e400, -1e400, 1e-400]")
                  .ok());
  auto num = [&](size_t i) { return r.GetNumber(r.At(r.Root(), i)); };
  EXPECT_EQ(0.0, num(0).value());
  EXPECT_TRUE(std::signbit(num(1).value()));
  EXPECT_EQ(123.0, num(2).value());
  EXPECT_EQ(1.5, num(3).value());
  EXPECT_EQ(-2250.0, num(4).value());
  EXPECT_EQ(100.0, num(5).value());
  EXPECT_EQ(0.001, num(6).value());
  EXPECT_EQ(0.1, num(7).value());
  EXPECT_EQ(4.35, num(8).value());
  EXPECT_EQ(1e22, num(9).value());
  EXPECT_EQ(1e23, num(10).value());
  EXPECT_EQ(123456789012345678901234.0, num(11).value());
  EXPECT_EQ(0.000001234, num(12).value());
  EXPECT_EQ(Errc::kOutOfRange, num(13).status().code());
  EXPECT_EQ(Errc::kOutOfRange, num(14).status().code());
  EXPECT_EQ(0.0, num(15).value());
}

TEST(JsonReader, NumberConversionMatchesStrtod) {
  // Random literals of every shape; the fast path must give the correctly rounded double.
  XoshiroRng rng(7);
  Reader r;
  for (int i = 0; i < 5000; ++i) {
    std::string lit;
    if (rng.NextU32() % 2) {
      lit += '-';
    }
    const uint32_t int_digits = 1 + rng.NextU32() % 20;
    lit += static_cast<char>('1' + rng.NextU32() % 9);
    for (uint32_t d = 1; d < int_digits; ++d) {
      lit += static_cast<char>('0' + rng.NextU32() % 10);
    }
    if (rng.NextU32() % 2) {
      lit += '.';
      const uint32_t frac = 1 + rng.NextU32() % 20;
      for (uint32_t d = 0; d < frac; ++d) {
        lit += static_cast<char>('0' + rng.NextU32() % 10);
      }
    }
    if (rng.NextU32() % 2) {
      lit += 'e';
      lit += std::to_string(static_cast<int>(rng.NextU32() % 80) - 40);
    }
    ASSERT_TRUE(r.Parse(lit).ok()) << lit;
    const Result<double> v = r.GetNumber(r.Root());
    ASSERT_TRUE(v.ok()) << lit;
    EXPECT_EQ(strtod(lit.c_str(), nullptr), *v) << lit;
  }
}

TEST(JsonReader, ChecksIntegers) {
  Reader r;
  ASSERT_TRUE(r.Parse(R"([5, 2.0, 1e2, 1.5, 1e300, -7, "5", 9007199254740992])").ok());
  auto integer = [&](size_t i) { return r.GetInteger(r.At(r.Root(), i)); };
  EXPECT_EQ(5, integer(0).value());
  EXPECT_EQ(2, integer(1).value());
  EXPECT_EQ(100, integer(2).value());
  EXPECT_EQ(Errc::kInvalidArgument, integer(3).status().code());
  EXPECT_EQ(Errc::kOutOfRange, integer(4).status().code());
  EXPECT_EQ(-7, integer(5).value());
  EXPECT_EQ(Errc::kInvalidArgument, integer(6).status().code());
  EXPECT_EQ(9007199254740992, integer(7).value());
}

TEST(JsonReader, RefusesNumberLiteralsLongerThanTheLimit) {
  Reader r;
  const std::string digits(kMaxNumberLength + 1, '1');
  ASSERT_TRUE(r.Parse(digits).ok());                                    // valid JSON ...
  EXPECT_EQ(Errc::kOutOfRange, r.GetNumber(r.Root()).status().code());  // ... not converted
  const std::string shorter = digits.substr(1);  // the text must outlive the handles
  ASSERT_TRUE(r.Parse(shorter).ok());
  EXPECT_TRUE(r.GetNumber(r.Root()).ok());
}

class JsonReaderInvalid : public ::testing::TestWithParam<const char*> {};

TEST_P(JsonReaderInvalid, IsRefusedWithAReason) {
  Reader r;
  const Status s = r.Parse(GetParam());
  EXPECT_EQ(Errc::kInvalidArgument, s.code()) << GetParam();
  EXPECT_STRNE("", r.error());
  EXPECT_FALSE(r.Root().valid());
}

INSTANTIATE_TEST_SUITE_P(Primitives, JsonReaderInvalid,
                         ::testing::Values("01", "1.", ".5", "+1", "tru", "nul", "1e", "1e+", "-",
                                           "truex", "NaN", "Infinity", "0x1", "[01]", "[1.]",
                                           "[.5]", "[+1]", "[tru]", "[nul]", "[1e]", "{\"a\":-}",
                                           "[1\"a\"]", "[True]", "[-01]", "[1.5e]", "[nulls]"));

INSTANTIATE_TEST_SUITE_P(Structure, JsonReaderInvalid,
                         ::testing::Values("[1,]", "[,1]", "[1 2]", "[1,,2]", "{\"a\":1,}",
                                           "{\"a\" 1}", "{\"a\":1 \"b\":2}", "{a:1}", "{\"a\"}",
                                           "{\"a\":}", "[1:2]", "{\"a\"::1}", "{1:2}", "[}", "]",
                                           "{\"a\",\"b\"}", "{\"a\":1:2}", "[\"a\":1]", "{[1]:2}",
                                           "{,}", "[,]", "", "   "));

INSTANTIATE_TEST_SUITE_P(TrailingAndUnterminated, JsonReaderInvalid,
                         ::testing::Values("{} x", "[] []", "1 2", "{}}", "[1]]", "\"a\" \"b\"",
                                           "\"abc", "[1,2", "{\"a\":1", "{\"a\":\"b", "[\"a\\\"]",
                                           "{\"a\":[}"));

INSTANTIATE_TEST_SUITE_P(Strings, JsonReaderInvalid,
                         ::testing::Values(R"(["\ud83d"])", R"(["\ud83d\u0041"])", R"(["\ude00"])",
                                           R"(["\ud83dx"])", R"(["\u12G4"])", R"(["\u12"])",
                                           R"(["\x41"])", R"(["\U0041"])", "[\"a\tb\"]",
                                           "[\"a\nb\"]", "[\"\x01\"]", "[\"\xC0\x80\"]",
                                           "[\"\xED\xA0\x80\"]", "[\"\xF5\x80\x80\x80\"]",
                                           "[\"\xE2\x82\"]", "[\"\x80\"]", "[\"\xF4\x90\x80\x80\"]",
                                           "{\"k\xFF\":1}"));

// An independent strict validator (recursive descent, RFC 8259 + RFC 3629), the oracle for the
// differential test below.
class ReferenceValidator {
 public:
  static bool Valid(std::string_view s) {
    ReferenceValidator v(s);
    v.Ws();
    if (!v.Value(0)) {
      return false;
    }
    v.Ws();
    return v.i_ == s.size();
  }

 private:
  explicit ReferenceValidator(std::string_view s) : s_(s) {}
  bool At(char c) const { return i_ < s_.size() && s_[i_] == c; }
  bool Eat(char c) {
    if (!At(c)) {
      return false;
    }
    ++i_;
    return true;
  }
  void Ws() {
    while (At(' ') || At('\t') || At('\n') || At('\r')) {
      ++i_;
    }
  }
  bool Digit() const { return i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9'; }
  bool Value(int depth) {
    if (depth > 64) {
      return false;
    }
    if (At('{')) {
      ++i_;
      Ws();
      if (Eat('}')) {
        return true;
      }
      do {
        Ws();
        if (!String()) {
          return false;
        }
        Ws();
        if (!Eat(':')) {
          return false;
        }
        Ws();
        if (!Value(depth + 1)) {
          return false;
        }
        Ws();
      } while (Eat(','));
      return Eat('}');
    }
    if (At('[')) {
      ++i_;
      Ws();
      if (Eat(']')) {
        return true;
      }
      do {
        Ws();
        if (!Value(depth + 1)) {
          return false;
        }
        Ws();
      } while (Eat(','));
      return Eat(']');
    }
    if (At('"')) {
      return String();
    }
    for (const char* lit : {"true", "false", "null"}) {
      if (s_.substr(i_, strlen(lit)) == lit) {
        i_ += strlen(lit);
        return true;
      }
    }
    return Number();
  }
  bool Number() {
    Eat('-');
    if (Eat('0')) {
    } else if (Digit()) {
      while (Digit()) {
        ++i_;
      }
    } else {
      return false;
    }
    if (Eat('.')) {
      if (!Digit()) {
        return false;
      }
      while (Digit()) {
        ++i_;
      }
    }
    if (At('e') || At('E')) {
      ++i_;
      if (!Eat('+')) {
        Eat('-');
      }
      if (!Digit()) {
        return false;
      }
      while (Digit()) {
        ++i_;
      }
    }
    return true;
  }
  bool Hex(uint32_t* out) {
    if (i_ + 4 > s_.size()) {
      return false;
    }
    char buf[5] = {};
    memcpy(buf, s_.data() + i_, 4);
    char* end = nullptr;
    if (!isxdigit(static_cast<unsigned char>(buf[0]))) {
      return false;
    }
    *out = static_cast<uint32_t>(strtoul(buf, &end, 16));
    i_ += 4;
    return end == buf + 4;
  }
  bool String() {
    if (!Eat('"')) {
      return false;
    }
    while (i_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c < 0x20) {
        return false;
      }
      if (c == '\\') {
        ++i_;
        if (i_ >= s_.size()) {
          return false;
        }
        const char e = s_[i_++];
        if (e == 'u') {
          uint32_t u;
          if (!Hex(&u) || (u >= 0xDC00 && u <= 0xDFFF)) {
            return false;
          }
          if (u >= 0xD800 && u <= 0xDBFF) {
            uint32_t low;
            if (!Eat('\\') || !Eat('u') || !Hex(&low) || low < 0xDC00 || low > 0xDFFF) {
              return false;
            }
          }
        } else if (strchr("\"\\/bfnrt", e) == nullptr || e == '\0') {
          return false;
        }
        continue;
      }
      if (c < 0x80) {
        ++i_;
        continue;
      }
      // UTF-8 by code point value: length from the lead byte, then range checks.
      int len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
      if (len == 0 || i_ + static_cast<size_t>(len) > s_.size()) {
        return false;
      }
      uint32_t cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
      for (int k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s_[i_ + static_cast<size_t>(k)]);
        if ((b & 0xC0) != 0x80) {
          return false;
        }
        cp = (cp << 6) | (b & 0x3F);
      }
      const uint32_t min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
      if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return false;
      }
      i_ += static_cast<size_t>(len);
    }
    return false;
  }

  std::string_view s_;
  size_t i_ = 0;
};

TEST(JsonReader, AgreesWithAStrictValidatorOnMutatedDocuments) {
  const char* corpus[] = {
      R"([2,"id-1","RemoteStartTransaction",{"connectorId":1,"idTag":"AB\u00e9"}])",
      R"([3,"x",{"idTagInfo":{"status":"Accepted","expiryDate":"2026-01-01T00:00:00Z"},)"
      R"("transactionId":-12.5e-3}])",
      R"({"a":[true,false,null,{},[]],"b":"\ud83d\ude00\n","c":0})",
      "[\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\", 1E+2, -0.0]",
      " { \"k\" : [ 1 , [ 2 , { \"z\" : \"\\\"\" } ] ] } ",
  };
  const char alphabet[] = "{}[]\":, \\0123456789.eE+-tfnulrsa/u\x01\x7f\xC3\xA9\xED\xF0\xFF";
  XoshiroRng rng(11);
  Reader r;
  int accepted = 0;
  int refused = 0;
  for (int round = 0; round < 30000; ++round) {
    std::string doc = corpus[rng.NextU32() % (sizeof(corpus) / sizeof(corpus[0]))];
    const uint32_t edits = 1 + rng.NextU32() % 3;
    for (uint32_t e = 0; e < edits && !doc.empty(); ++e) {
      const size_t at = rng.NextU32() % doc.size();
      const char c = alphabet[rng.NextU32() % (sizeof(alphabet) - 1)];
      switch (rng.NextU32() % 3) {
        case 0:
          doc.erase(at, 1);
          break;
        case 1:
          doc.insert(at, 1, c);
          break;
        default:
          doc[at] = c;
          break;
      }
    }
    const bool expected = ReferenceValidator::Valid(doc);
    const Status s = r.Parse(doc);
    ASSERT_EQ(expected, s.ok()) << "document: " << doc << " reader: " << r.error();
    if (s.ok()) {
      ++accepted;
      // Every value of an accepted document can be walked and read.
      for (Value v = r.First(r.Root()); v; v = r.Next(v)) {
        (void)r.Text(v);
        (void)r.StringLength(v);
        (void)r.GetNumber(v);
      }
    } else {
      ++refused;
    }
  }
  EXPECT_GT(accepted, 1000);  // the mutations exercise both sides
  EXPECT_GT(refused, 1000);
}

TEST(JsonReader, RefusesNulBytes) {
  Reader r;
  EXPECT_EQ(Errc::kInvalidArgument, r.Parse(std::string_view("[1]\0", 4)).code());
  EXPECT_EQ(Errc::kInvalidArgument, r.Parse(std::string_view("[\"a\0b\"]", 7)).code());
  EXPECT_EQ(Errc::kInvalidArgument, r.Parse(std::string_view("1\0", 2)).code());
}

TEST(JsonReader, ReportsTooManyTokensDistinctly) {
  Reader r;
  // One array plus kMaxTokens - 1 items fills the token array exactly.
  std::string full = "[";
  for (size_t i = 0; i + 1 < kMaxTokens; ++i) {
    full += i == 0 ? "0" : ",0";
  }
  full += "]";
  ASSERT_TRUE(r.Parse(full).ok());
  EXPECT_EQ(kMaxTokens - 1, r.Count(r.Root()));
  const std::string over = full.substr(0, full.size() - 1) + ",0]";
  EXPECT_EQ(Errc::kResourceExhausted, r.Parse(over).code());
  EXPECT_FALSE(r.Root().valid());
}

TEST(JsonReader, ReadsDeepNestingWithinTheTokenLimit) {
  const size_t depth = kMaxTokens - 1;  // arrays, plus the innermost number
  std::string text(depth, '[');
  text += "7";
  text += std::string(depth, ']');
  Reader r;
  ASSERT_TRUE(r.Parse(text).ok());
  Value v = r.Root();
  for (size_t i = 0; i < depth; ++i) {
    ASSERT_TRUE(r.IsArray(v));
    ASSERT_EQ(1u, r.Count(v));
    v = r.First(v);
  }
  EXPECT_EQ(7, r.GetInteger(v).value());
  // One level more does not fit.
  const std::string deeper = "[" + text + "]";
  EXPECT_EQ(Errc::kResourceExhausted, r.Parse(deeper).code());
}

TEST(JsonReader, HandlesOfAnOlderDocumentAreInvalid) {
  Reader r;
  ASSERT_TRUE(r.Parse(R"({"a":"x"})").ok());
  const Value a = r.Find(r.Root(), "a");
  ASSERT_TRUE(r.IsString(a));
  ASSERT_TRUE(r.Parse(R"({"a":"y"})").ok());
  EXPECT_EQ(Type::kInvalid, r.TypeOf(a));
  EXPECT_FALSE(r.StringEquals(a, "x"));
  ASSERT_TRUE(r.IsString(r.Find(r.Root(), "a")));
  EXPECT_EQ(Errc::kInvalidArgument, r.Parse("{").code());
  EXPECT_FALSE(r.Root().valid());
}

TEST(JsonReader, QueriesOnInvalidValuesAnswerNo) {
  Reader r;
  const Value none;
  EXPECT_EQ(Type::kInvalid, r.TypeOf(none));
  EXPECT_EQ(0u, r.Count(none));
  EXPECT_FALSE(r.First(none).valid());
  EXPECT_FALSE(r.Find(none, "a").valid());
  EXPECT_FALSE(r.GetBool(none).ok());
  EXPECT_FALSE(r.GetNumber(none).ok());
  EXPECT_FALSE(r.StringLength(none).ok());
  EXPECT_EQ("", r.Text(none));
  ASSERT_TRUE(r.Parse("[true]").ok());
  EXPECT_FALSE(r.GetNumber(r.First(r.Root())).ok());
  EXPECT_FALSE(r.GetBool(r.Root()).ok());
}

TEST(JsonReader, ReportsWhereItStopped) {
  Reader r;
  ASSERT_FALSE(r.Parse("[1, 2, tru]").ok());
  EXPECT_STREQ("invalid literal", r.error());
  EXPECT_EQ(7u, r.error_offset());
  ASSERT_FALSE(r.Parse("[1,,2]").ok());
  EXPECT_STREQ("misplaced separator", r.error());
}

}  // namespace
}  // namespace evc::json
