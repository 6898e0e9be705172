#include "quality/parse_text.hpp"

#include <algorithm>

namespace swarm::quality::detail {

std::string plain_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r') continue;
    if (c != '\x1b') {
      out += c;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '[') {
      // CSI: parameters and intermediates, then one final byte in @..~.
      size_t j = i + 2;
      while (j < text.size() && (text[j] < 0x40 || text[j] > 0x7E))
        ++j;
      i = j;
    } else if (i + 1 < text.size() && text[i + 1] == ']') {
      // OSC (terminal links): up to BEL or ESC backslash.
      size_t j = i + 2;
      while (j < text.size() && text[j] != '\a' &&
             !(text[j] == '\x1b' && j + 1 < text.size() && text[j + 1] == '\\'))
        ++j;
      i = j < text.size() && text[j] == '\x1b' ? j + 1 : j;
    } else {
      ++i; // a two-byte escape
    }
  }
  return out;
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t at = 0;
  while (at < text.size()) {
    const auto end = std::min(text.find('\n', at), text.size());
    lines.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return lines;
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::optional<uint32_t> number(std::string_view digits) {
  if (digits.empty() || digits.size() > 9) return std::nullopt;
  uint32_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<uint32_t>(c - '0');
  }
  return n;
}

void add_diagnostic(parsed_output& out, diagnostic d) {
  (d.level == severity::error ? out.errors : out.warnings)++;
  if (out.diagnostics.size() < max_diagnostics) out.diagnostics.push_back(std::move(d));
}

void settle_names(parsed_output& out) {
  auto& names = out.failing_tests;
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
}

} // namespace swarm::quality::detail
