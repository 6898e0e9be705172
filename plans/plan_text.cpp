// Small text helpers shared by the plan front-ends: trimming, title normalisation,
// list splitting and the priority / estimate value grammars.

#include "plans/plan_builder.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace swarm::plans::detail {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Minutes per unit of an estimate; 0 for an unknown unit. A day is a working day.
double minutes_per(std::string_view unit) {
  std::string u;
  for (char c : unit)
    u += ascii_lower(c);
  if (u == "m" || u == "min" || u == "mins" || u == "minute" || u == "minutes") return 1;
  if (u == "h" || u == "hr" || u == "hrs" || u == "hour" || u == "hours") return 60;
  if (u == "d" || u == "day" || u == "days") return 8 * 60;
  return 0;
}

} // namespace

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

std::string_view strip_bom(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  return text;
}

std::string normalise_title(std::string_view title) {
  title = trim(title);
  std::string out;
  out.reserve(title.size());
  bool space = false;
  for (char c : title) {
    if (is_space(c)) {
      space = true;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += ascii_lower(c);
  }
  return out;
}

std::vector<std::string> split_list(std::string_view value) {
  std::vector<std::string> out;
  auto flush = [&out](std::string_view item) {
    item = trim(item);
    if (item.size() >= 2 && item.front() == '"' && item.back() == '"')
      item = trim(item.substr(1, item.size() - 2));
    if (!item.empty()) out.emplace_back(item);
  };
  bool quoted = false;
  int braces = 0;
  size_t start = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '"')
      quoted = !quoted;
    else if (!quoted && c == '{')
      ++braces;
    else if (!quoted && c == '}' && braces > 0)
      --braces;
    else if (!quoted && braces == 0 && c == ',') {
      flush(value.substr(start, i - start));
      start = i + 1;
    }
  }
  flush(value.substr(start));
  return out;
}

std::optional<int> parse_priority(std::string_view text) {
  text = trim(text);
  if (!text.empty() && (text.front() == 'P' || text.front() == 'p'))
    text.remove_prefix(1);
  if (text.size() != 1 || !is_digit(text[0])) return std::nullopt;
  int p = text[0] - '0';
  if (p < min_priority || p > max_priority) return std::nullopt;
  return p;
}

std::optional<uint32_t> parse_estimate(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  double total = 0;
  bool first = true;
  size_t i = 0;
  auto skip_spaces = [&] {
    while (i < text.size() && is_space(text[i]))
      ++i;
  };
  while (true) {
    skip_spaces();
    if (i == text.size()) break;
    // A number: digits, optionally a fraction ("1.5h").
    size_t start = i;
    while (i < text.size() && is_digit(text[i]))
      ++i;
    if (i < text.size() && text[i] == '.') {
      ++i;
      while (i < text.size() && is_digit(text[i]))
        ++i;
    }
    std::string_view number = text.substr(start, i - start);
    if (number.empty() || number == "." || number.size() > 12) return std::nullopt;
    double value = 0, scale = 1; // by hand: strtod would follow the C locale
    bool fraction = false;
    for (char c : number) {
      if (c == '.') {
        fraction = true;
        continue;
      }
      if (fraction) scale /= 10;
      value = fraction ? value + (c - '0') * scale : value * 10 + (c - '0');
    }
    skip_spaces();
    start = i;
    while (i < text.size() && is_alpha(text[i]))
      ++i;
    std::string_view unit = text.substr(start, i - start);
    double per = 1;
    if (unit.empty()) {
      // A bare number is minutes, and only on its own ("90", not "1h 30").
      skip_spaces();
      if (!first || i != text.size()) return std::nullopt;
    } else if ((per = minutes_per(unit)) == 0) {
      return std::nullopt;
    }
    total += value * per;
    first = false;
  }
  total = std::round(total);
  if (total > std::numeric_limits<uint32_t>::max()) return std::nullopt;
  return static_cast<uint32_t>(total);
}

bool valid_prefix(std::string_view prefix) {
  if (prefix.empty() || !(prefix[0] >= 'a' && prefix[0] <= 'z')) return false;
  for (char c : prefix)
    if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '_')) return false;
  return true;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::pair<size_t, size_t> line_column(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column; // count characters, not UTF-8 continuation bytes
    }
  }
  return {line, column};
}

} // namespace swarm::plans::detail
