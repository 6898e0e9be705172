// The diagnostic formats of quality/parsers.hpp: eslint JSON, gcc, clang, tsc.

#include "quality/parse_text.hpp"
#include "quality/parsers.hpp"

#include "src/enum_names.hpp"

#include <boost/json/parser.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cstdint>

namespace swarm::quality {

using namespace detail;

namespace {

constexpr swarm::detail::enum_names<severity, 2> severities{{
    {severity::warning, "warning"},
    {severity::error, "error"},
}};

// ---- gcc and clang

// "src/a.cpp:12:3" or "src/a.cpp:12" into `d`; false for anything else.
bool compiler_location(std::string_view where, diagnostic& d) {
  const auto last = where.rfind(':');
  if (last == where.npos) return false;
  const auto tail = number(where.substr(last + 1));
  if (!tail) return false;
  const auto before = where.substr(0, last);
  const auto middle = before.rfind(':');
  if (middle != before.npos) {
    if (const auto line = number(before.substr(middle + 1))) {
      if (middle == 0) return false;
      d.file = std::string{before.substr(0, middle)};
      d.line = *line;
      d.column = *tail;
      return true;
    }
  }
  if (before.empty()) return false;
  d.file = std::string{before};
  d.line = *tail;
  return true;
}

// A trailing "[-Wflag]" or "[-Werror=flag]" moved from the message to the rule.
void split_rule(diagnostic& d) {
  auto& m = d.message;
  const auto open = m.rfind(" [-W");
  if (open == m.npos || m.back() != ']') return;
  d.rule = m.substr(open + 2, m.size() - open - 3);
  m.erase(open);
}

std::optional<diagnostic> compiler_line(std::string_view line) {
  static constexpr std::pair<std::string_view, severity> kinds[] = {
      {": fatal error: ", severity::error},
      {": error: ", severity::error},
      {": warning: ", severity::warning},
  };
  for (const auto& [mark, level] : kinds) {
    const auto at = line.find(mark);
    if (at == line.npos) continue;
    diagnostic d;
    if (!compiler_location(line.substr(0, at), d)) continue;
    d.level = level;
    d.message = std::string{line.substr(at + mark.size())};
    split_rule(d);
    return d;
  }
  return std::nullopt;
}

parsed_output compiler_output(std::string_view text, uint32_t& summary_errors,
                              uint32_t& summary_warnings) {
  const auto plain = plain_text(text);
  parsed_output out;
  for (auto line : lines_of(plain)) {
    if (auto d = compiler_line(line)) {
      add_diagnostic(out, std::move(*d));
      continue;
    }
    // clang: "2 warnings and 2 errors generated.", "1 error generated.", ...
    auto t = trimmed(line);
    if (!ends_with(t, " generated.")) continue;
    t.remove_suffix(11);
    uint32_t errors = 0, warnings = 0;
    bool ok = true;
    while (ok && !t.empty()) {
      const auto sep = t.find(" and ");
      const auto part = t.substr(0, sep);
      t = sep == t.npos ? std::string_view{} : t.substr(sep + 5);
      const auto space = part.find(' ');
      const auto n = space == part.npos ? std::nullopt : number(part.substr(0, space));
      const auto word = space == part.npos ? part : part.substr(space + 1);
      if (!n)
        ok = false;
      else if (word == "error" || word == "errors")
        errors += *n;
      else if (word == "warning" || word == "warnings")
        warnings += *n;
      else
        ok = false;
    }
    if (ok) {
      summary_errors += errors;
      summary_warnings += warnings;
    }
  }
  return out;
}

// ---- tsc

// "src/a.ts(3,7)" into `d`.
bool tsc_paren_location(std::string_view where, diagnostic& d) {
  const auto open = where.rfind('(');
  if (open == where.npos || open == 0 || where.back() != ')') return false;
  const auto pos = where.substr(open + 1, where.size() - open - 2);
  const auto comma = pos.find(',');
  const auto l = number(pos.substr(0, comma));
  const auto c = comma == pos.npos ? std::nullopt : number(pos.substr(comma + 1));
  if (!l || !c) return false;
  d.file = std::string{where.substr(0, open)};
  d.line = *l;
  d.column = *c;
  return true;
}

// "error TS2322: msg" (or warning) after the location into `d`.
bool tsc_message(std::string_view rest, diagnostic& d) {
  if (starts_with(rest, "error "))
    d.level = severity::error;
  else if (starts_with(rest, "warning "))
    d.level = severity::warning;
  else
    return false;
  rest = rest.substr(rest.find(' ') + 1);
  const auto colon = rest.find(": ");
  if (!starts_with(rest, "TS") || colon == rest.npos ||
      !number(rest.substr(2, colon - 2)))
    return false;
  d.rule = std::string{rest.substr(0, colon)};
  d.message = std::string{rest.substr(colon + 2)};
  return true;
}

std::optional<diagnostic> tsc_line(std::string_view line) {
  diagnostic d;
  // About no file: "error TS5023: Unknown compiler option 'x'."
  if (tsc_message(line, d)) return d;
  // "src/a.ts(3,7): error TS2322: msg"
  if (const auto at = line.find("): "); at != line.npos) {
    d = {};
    if (tsc_paren_location(line.substr(0, at + 1), d) &&
        tsc_message(line.substr(at + 3), d))
      return d;
  }
  // --pretty: "src/a.ts:3:7 - error TS2322: msg"
  if (const auto at = line.find(" - "); at != line.npos) {
    d = {};
    if (compiler_location(line.substr(0, at), d) && d.column != 0 &&
        tsc_message(line.substr(at + 3), d))
      return d;
  }
  return std::nullopt;
}

// "Found 3 errors." / "Found 1 error in src/a.ts:3" / "Found 2 errors in 2 files."
std::optional<uint32_t> tsc_found(std::string_view line) {
  auto t = trimmed(line);
  if (!starts_with(t, "Found ")) return std::nullopt;
  t.remove_prefix(6);
  const auto space = t.find(' ');
  if (space == t.npos) return std::nullopt;
  const auto word = t.substr(space + 1);
  if (!starts_with(word, "error")) return std::nullopt;
  return number(t.substr(0, space));
}

// ---- eslint

std::string line_col(std::string_view text, size_t offset) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return std::to_string(line) + ":" + std::to_string(col);
}

error eslint_problem(const std::string& where, const std::string& what) {
  return make_error(errc::bad_request, "eslint output: " + where + " " + what);
}

} // namespace

const char* to_string(severity s) noexcept {
  return swarm::detail::name_of(severities, s);
}

std::optional<severity> parse_severity(std::string_view name) noexcept {
  return swarm::detail::value_of(severities, name);
}

std::string to_string(const diagnostic& d) {
  std::string s = d.file;
  if (d.line != 0) s += ":" + std::to_string(d.line);
  if (d.column != 0) s += ":" + std::to_string(d.column);
  if (!s.empty()) s += ": ";
  s += to_string(d.level);
  s += ": " + d.message;
  if (!d.rule.empty()) s += " [" + d.rule + "]";
  return s;
}

parsed_output parse_gcc(std::string_view text) {
  uint32_t errors = 0, warnings = 0;
  return compiler_output(text, errors, warnings);
}

parsed_output parse_clang(std::string_view text) {
  uint32_t errors = 0, warnings = 0;
  auto out = compiler_output(text, errors, warnings);
  out.errors = std::max(out.errors, errors);
  out.warnings = std::max(out.warnings, warnings);
  return out;
}

parsed_output parse_tsc(std::string_view text) {
  const auto plain = plain_text(text);
  parsed_output out;
  uint32_t found = 0;
  for (auto line : lines_of(plain)) {
    if (auto d = tsc_line(line))
      add_diagnostic(out, std::move(*d));
    else if (auto n = tsc_found(line))
      found += *n;
  }
  out.errors = std::max(out.errors, found);
  return out;
}

expected<parsed_output> parse_eslint(std::string_view text) {
  // The array starts a line; an npm banner or a warning may come before it.
  size_t start = text.npos;
  for (size_t at = 0; at < text.size();) {
    const auto first = text.find_first_not_of(" \t", at);
    if (first != text.npos && text[first] == '[') {
      start = first;
      break;
    }
    const auto nl = text.find('\n', at);
    if (nl == text.npos) break;
    at = nl + 1;
  }
  if (start == text.npos)
    return make_error(errc::bad_request,
                      "eslint output: no JSON array (a line starting with '[') in the "
                      "output: run eslint with -f json (format = \"eslint\")");
  boost::json::parser p;
  boost::system::error_code ec;
  const size_t used = p.write_some(text.data() + start, text.size() - start, ec);
  if (ec)
    return eslint_problem("at " + line_col(text, start + used) + ":",
                          "is not valid JSON (" + ec.message() + ")");
  const auto doc = p.release();
  if (!doc.is_array())
    return eslint_problem("at " + line_col(text, start) + ":",
                          "expected an array of file results");
  parsed_output out;
  const auto& files = doc.get_array();
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string at_file = "[" + std::to_string(i) + "]";
    const auto* file = files[i].if_object();
    if (file == nullptr) return eslint_problem(at_file, "must be an object");
    const auto* path = file->if_contains("filePath");
    if (path == nullptr || !path->is_string())
      return eslint_problem(at_file + ".filePath", "must be a string");
    const auto* messages = file->if_contains("messages");
    if (messages == nullptr || !messages->is_array())
      return eslint_problem(at_file + ".messages", "must be an array");
    const auto& list = messages->get_array();
    for (size_t k = 0; k < list.size(); ++k) {
      const std::string at_msg = at_file + ".messages[" + std::to_string(k) + "]";
      const auto* m = list[k].if_object();
      if (m == nullptr) return eslint_problem(at_msg, "must be an object");
      diagnostic d;
      d.file = std::string{path->get_string()};
      const auto* sev = m->if_contains("severity");
      if (sev == nullptr || !sev->is_int64() ||
          (sev->get_int64() != 1 && sev->get_int64() != 2))
        return eslint_problem(at_msg + ".severity", "must be 1 (warning) or 2 (error)");
      d.level = sev->get_int64() == 2 ? severity::error : severity::warning;
      const auto* text_v = m->if_contains("message");
      if (text_v == nullptr || !text_v->is_string())
        return eslint_problem(at_msg + ".message", "must be a string");
      d.message = std::string{text_v->get_string()};
      if (const auto* rule = m->if_contains("ruleId");
          rule != nullptr && rule->is_string())
        d.rule = std::string{rule->get_string()};
      for (auto [key, field] :
           {std::pair{"line", &d.line}, std::pair{"column", &d.column}}) {
        const auto* v = m->if_contains(key);
        if (v == nullptr || v->is_null()) continue;
        if (!v->is_int64() || v->get_int64() < 0 || v->get_int64() > UINT32_MAX)
          return eslint_problem(at_msg + "." + key, "must be a non-negative integer");
        *field = static_cast<uint32_t>(v->get_int64());
      }
      add_diagnostic(out, std::move(d));
    }
  }
  return out;
}

} // namespace swarm::quality
