#pragma once
// The one splitter of command lines into words, as a POSIX shell quotes them but with no
// shell ever run: the model adapters' and the external embedder's command:<template>.
// Plain C++, pure.
//
// Whitespace (space, tab, newline, carriage return) separates words; '...' keeps
// everything literally; "..." keeps everything but lets a backslash escape " \ $ ` and
// newline; outside quotes a backslash escapes any character; backslash-newline joins
// lines; '' or "" is an empty word. Nothing is expanded: $, *, ~ and braces stay as
// written, for the caller to interpret (or not).

#include <swarm/error.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace swarm::harness {

struct shell_word {
  std::string text;
  // The 1-based column in the input of each character of `text`, so a caller that finds
  // something wrong inside a word can say where.
  std::vector<size_t> columns;
};

// The words of `text`. errc::bad_request "command template: <what> at column N" for an
// unbalanced ' or " (N: the opening quote) or a trailing backslash (N: the backslash).
// Blank text gives no words: the caller says what an empty command means for it.
expected<std::vector<shell_word>> split_shell_words(std::string_view text);

} // namespace swarm::harness
