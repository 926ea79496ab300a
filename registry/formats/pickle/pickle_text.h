// Parsing of protocol 0's text arguments (INT, LONG, FLOAT, STRING, UNICODE lines).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mv::formats::pickle {

// A decimal integer with an optional sign (and, for LONG, a trailing 'L'). Sets *big when
// it does not fit in int64 (then *v is unspecified). False when not a number.
bool ParseIntText(std::string_view s, int64_t* v, bool* big);

// A Python float repr ("1.5", "-inf", "nan", "1e-05"). False when not a number.
bool ParseFloatText(std::string_view s, double* v);

// A quoted Python 2 str repr ('abc', "a\'b", '\x00'). False when unquoted or a bad escape.
bool DecodeStringRepr(std::string_view s, std::string* out);

// raw-unicode-escape: \uXXXX and \UXXXXXXXX become UTF-8; other bytes are Latin-1 code
// points. False on a bad escape or a code point above U+10FFFF.
bool DecodeRawUnicodeEscape(std::string_view s, std::string* out);

// LONG1/LONG4 payload (little-endian two's complement). Sets *big when wider than int64.
void DecodeLongBytes(std::string_view bytes, int64_t* v, bool* big);

}  // namespace mv::formats::pickle
