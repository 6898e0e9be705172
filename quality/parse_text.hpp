#pragma once
// What the parsers of quality/parsers.hpp share: lines without colour codes, numbers,
// and the bookkeeping of a parsed_output. Internal to quality/; plain C++, any thread.

#include "quality/parsers.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swarm::quality::detail {

// `text` without ANSI escape sequences (colours, cursor moves) and carriage returns.
std::string plain_text(std::string_view text);

// The lines of `text` (no '\n'); a last line without one counts too.
std::vector<std::string_view> lines_of(std::string_view text);

// `s` without leading and trailing spaces and tabs.
std::string_view trimmed(std::string_view s);

bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);

// A decimal number of at most 9 digits and nothing else; nullopt otherwise.
std::optional<uint32_t> number(std::string_view digits);

// Counts `d` and keeps it while fewer than max_diagnostics are kept.
void add_diagnostic(parsed_output& out, diagnostic d);

// Sorts failing_tests and keeps each name once.
void settle_names(parsed_output& out);

} // namespace swarm::quality::detail
