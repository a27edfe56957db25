// Internal to sim/rego: the Rego lexer. Turns source text into a flat token vector that the parser
// (parser.cpp) walks with save/restore. Keywords are not decided here: every word is a `word` token,
// because which words are keywords depends on the module's dialect and its `future.keywords` imports,
// which the parser tracks. Whitespace and comments are dropped, but each token records whether
// whitespace (`ws_before`) or a newline (`nl_before`) preceded it: Rego uses newlines to separate body
// literals, and a ref or call continues only when `.`, `[` or `(` follows without whitespace.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace coco::rego::detail {

enum class Tok : std::uint8_t {
  eof,
  word,        // identifier or keyword: [A-Za-z_][A-Za-z0-9_]*
  number,      // digits [. digits] [e [+-] digits] (a leading '-' or '.' is a separate token)
  string,      // "..." (decoded into Token::str)
  raw_string,  // `...` (contents in Token::str)
  lbrace,
  rbrace,
  lbrack,
  rbrack,
  lparen,
  rparen,
  dot,
  comma,
  semicolon,
  colon,
  assign,  // :=
  unify,   // =
  eq,      // ==
  neq,     // !=
  lt,
  lte,
  gt,
  gte,
  add,
  sub,
  mul,
  quo,
  rem,
  amp,  // &
  bar,  // |
};

struct Token {
  Tok kind = Tok::eof;
  bool ws_before = false;  // whitespace or a comment between the previous token and this one
  bool nl_before = false;  // a newline between the previous token and this one
  int line = 1;            // 1-based
  int col = 1;             // 1-based, in bytes
  std::string_view text;   // the source text of the token (a view into the lexed text)
  std::string str;         // string / raw_string: the decoded value
};

// Printable name of a token kind for error messages ("}", "ident", "string", ...).
std::string_view tok_name(Tok t);

// Formats OPA's parse error text: "<file>:<line>:<col>: rego_parse_error: <what>".
Error parse_error(std::string_view file, int line, int col, std::string_view what);

// Lexes the whole text. The returned tokens end with one Tok::eof token. The text must outlive the
// tokens (Token::text views into it). Errors (rego.rego_parse_error): illegal characters, NUL bytes,
// invalid UTF-8, a byte-order mark other than at the start, unterminated strings, bad escapes,
// malformed numbers.
Result<std::vector<Token>> lex(std::string_view file, std::string_view text);

// Decodes the inside of a double-quoted Rego string (without the quotes) as Go's JSON decoder does:
// \" \\ \/ \b \f \n \r \t and \uXXXX (surrogate pairs combined, lone surrogates become U+FFFD),
// written as UTF-8. Returns false when the escapes are malformed or a raw control character appears
// alongside an escape.
bool decode_string(std::string_view inner, std::string& out);

}  // namespace coco::rego::detail
