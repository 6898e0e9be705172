#include "harness/learnings.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>

namespace swarm::harness {

namespace {

constexpr size_t max_learnings = 10;
constexpr size_t max_bytes = 1000;

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

void keep(std::vector<std::string>& out, std::string_view text) {
  text = trim(text);
  if (text.empty() || out.size() >= max_learnings) return;
  std::string s{text.substr(0, max_bytes)};
  if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(std::move(s));
}

// The line without Markdown decoration: "## ", "**", leading "> ".
std::string_view undecorated(std::string_view line) {
  line = trim(line);
  while (!line.empty() && (line.front() == '#' || line.front() == '>' || line.front() == '*'))
    line.remove_prefix(1);
  line = trim(line);
  while (!line.empty() && line.back() == '*') line.remove_suffix(1);
  return trim(line);
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

// "RESULT:", "NOTES:", "## Next steps": a new section ends ours.
bool is_section_start(std::string_view raw) {
  auto t = trim(raw);
  if (!t.empty() && t.front() == '#') return true;
  auto u = undecorated(raw);
  auto colon = u.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 40) return false;
  return std::all_of(u.begin(), u.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
    return std::isupper(static_cast<unsigned char>(c)) || c == ' ' || c == '_';
  });
}

// The text of a bullet or numbered item; the line itself otherwise.
std::string_view item_text(std::string_view line) {
  line = trim(line);
  if (line.size() >= 2 && (line[0] == '-' || line[0] == '*' || line[0] == '+') && line[1] == ' ')
    return trim(line.substr(2));
  size_t digits = 0;
  while (digits < line.size() && std::isdigit(static_cast<unsigned char>(line[digits]))) ++digits;
  if (digits > 0 && digits + 1 < line.size() && (line[digits] == '.' || line[digits] == ')') &&
      line[digits + 1] == ' ')
    return trim(line.substr(digits + 2));
  return line;
}

void from_sections(std::string_view text, std::vector<std::string>& out, int depth);

void from_json_line(std::string_view line, std::vector<std::string>& out, int depth) {
  auto t = trim(line);
  if (t.size() < 2 || t.front() != '{' || t.back() != '}') return;
  boost::json::error_code ec;
  auto v = boost::json::parse(boost::json::string_view{t.data(), t.size()}, ec);
  if (ec || !v.is_object()) return;
  const auto& o = v.get_object();
  if (auto* l = o.if_contains("learnings"); l != nullptr && l->is_array())
    for (const auto& x : l->get_array())
      if (x.is_string()) keep(out, std::string_view{x.get_string().data(), x.get_string().size()});
  if (auto* r = o.if_contains("result"); r != nullptr && r->is_string() && depth < 2)
    from_sections(std::string_view{r->get_string().data(), r->get_string().size()}, out,
                  depth + 1);
}

void from_sections(std::string_view text, std::vector<std::string>& out, int depth) {
  auto lines = lines_of(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    from_json_line(lines[i], out, depth);
    auto head = undecorated(lines[i]);
    if (!starts_with_ci(head, "LEARNINGS")) continue;
    auto rest = trim(head.substr(9));
    if (rest.empty() || rest.front() != ':') {
      if (!rest.empty()) continue; // "learnings are ..." in prose
    } else {
      rest.remove_prefix(1);
      while (!rest.empty() && rest.front() == '*') rest.remove_prefix(1);
      keep(out, rest);
    }
    bool any = !trim(rest).empty();
    for (size_t j = i + 1; j < lines.size(); ++j) {
      auto line = trim(lines[j]);
      if (line.empty()) {
        if (any) break;
        continue;
      }
      if (is_section_start(lines[j])) break;
      keep(out, item_text(line));
      any = true;
      i = j;
    }
  }
}

} // namespace

std::vector<std::string> extract_learnings(std::string_view output) {
  std::vector<std::string> out;
  from_sections(output, out, 0);
  return out;
}

} // namespace swarm::harness
