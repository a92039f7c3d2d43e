#pragma once
// utf8_text: text from elsewhere (a parser's message, a peer's status, a
// process's output) made fit for a protobuf string field, which must be valid
// UTF-8 or the whole message fails to decode. Status applies valid_utf8 to
// every message it is given, so each one is valid at its source.
#include <cstddef>
#include <string>
#include <string_view>

namespace ember {

// True if text is well-formed UTF-8 (no overlong forms, surrogates, or code
// points above U+10FFFF).
bool is_valid_utf8(std::string_view text);

// text unchanged if valid; otherwise each byte that starts no well-formed
// character becomes U+FFFD, so a cut character reads as one replacement mark.
std::string valid_utf8(std::string text);

// At most max_bytes of text, cut on a character boundary (a character that
// would be cut is left out whole). Expects valid UTF-8; bytes after an invalid
// one are cut as single bytes.
std::string truncate_utf8(std::string_view text, std::size_t max_bytes);

}  // namespace ember
