// Parsing a glob: normalising the text, expanding braces into brace-free alternatives
// (classes become byte sets), the shape every matching path has, and compile(), which
// hands the alternatives to the NFA builder (glob_match.cpp). Every message a user sees
// for a bad pattern is written here. See glob.hpp for the rules.

#include "actors/reservations/glob_internal.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <utility>

namespace swarm::globs {

using namespace detail;

namespace {

bool has_glob_syntax(std::string_view s) {
  return s.find_first_of("*?[]{}") != std::string_view::npos;
}

std::string quoted(std::string_view s) {
  return "'" + std::string(s) + "'";
}
std::string at(size_t offset) {
  return " at offset " + std::to_string(offset);
}

// ---- parsing: braces are expanded while parsing, classes become byte sets

class parser {
public:
  parser(std::string_view text, std::vector<byteset>& sets) : text_(text), sets_(sets) {}

  expected<alternatives> parse() {
    size_t i = 0;
    return sequence(i, false);
  }

private:
  // Parses up to the end, or inside braces up to the next top-level ',' or '}'.
  expected<alternatives> sequence(size_t& i, bool in_braces) {
    alternatives cur;
    cur.list.emplace_back();
    while (i < text_.size()) {
      const char c = text_[i];
      if (in_braces && (c == ',' || c == '}')) break;
      if (c == '{') {
        auto group = braces(i);
        if (!group) return group.error();
        auto joined = product(cur, *group, i);
        if (!joined) return joined.error();
        cur = std::move(*joined);
        continue;
      }
      atom a;
      if (c == '[') {
        auto k = klass(i);
        if (!k) return k.error();
        a = *k;
      } else {
        a.kind = c == '*' ? atom::star : c == '?' ? atom::question : atom::byte;
        a.value = static_cast<uint8_t>(c);
        ++i;
      }
      for (auto& alt : cur.list)
        alt.push_back(a);
      cur.bytes += cur.list.size();
      if (cur.bytes > max_expanded_bytes) return too_big(i);
    }
    return cur;
  }

  // REQUIRES: text_[i] == '{'. Leaves i after the matching '}'.
  expected<alternatives> braces(size_t& i) {
    const size_t open = i++;
    alternatives group;
    for (;;) {
      auto one = sequence(i, true);
      if (!one) return one.error();
      for (auto& alt : one->list)
        group.list.push_back(std::move(alt));
      group.bytes += one->bytes;
      if (group.list.size() > max_alternatives) return too_many(open);
      if (group.bytes > max_expanded_bytes) return too_big(open);
      if (i >= text_.size())
        return make_error(errc::bad_request, "unclosed '{'" + at(open) +
                                                 ": close it with '}' (to match a '{' "
                                                 "itself write '[{]')");
      if (text_[i++] == '}') return group;
    }
  }

  expected<alternatives> product(const alternatives& a, const alternatives& b,
                                 size_t where) {
    if (a.list.size() * b.list.size() > max_alternatives) return too_many(where);
    const size_t bytes = a.list.size() * b.bytes + b.list.size() * a.bytes;
    if (bytes > max_expanded_bytes) return too_big(where);
    alternatives out;
    out.bytes = bytes;
    out.list.reserve(a.list.size() * b.list.size());
    for (const auto& x : a.list)
      for (const auto& y : b.list) {
        out.list.push_back(x);
        out.list.back().insert(out.list.back().end(), y.begin(), y.end());
      }
    return out;
  }

  // REQUIRES: text_[i] == '['. Leaves i after the closing ']'.
  expected<atom> klass(size_t& i) {
    const size_t open = i++;
    bool negate = false;
    if (i < text_.size() && (text_[i] == '!' || text_[i] == '^')) {
      negate = true;
      ++i;
    }
    const size_t body = i;
    byteset s{};
    while (i == body || i >= text_.size() || text_[i] != ']') {
      if (i >= text_.size()) {
        if (i == body + 1 && text_[body] == ']')
          return make_error(errc::bad_request,
                            "empty class" + at(open) +
                                ": a ']' right after '[' (or '[!') is literal, so the "
                                "class never closes; write '[]]' to match ']'");
        return make_error(errc::bad_request,
                          "unclosed '['" + at(open) +
                              ": close the class with ']' (to match a '[' itself write "
                              "'[[]')");
      }
      const auto lo = static_cast<unsigned char>(text_[i]);
      const bool range =
          i + 2 < text_.size() && text_[i + 1] == '-' && text_[i + 2] != ']';
      const auto hi = range ? static_cast<unsigned char>(text_[i + 2]) : lo;
      for (size_t k : {i, range ? i + 2 : i})
        if (text_[k] == '/')
          return make_error(errc::bad_request,
                            "'/' inside '[...]'" + at(k) +
                                ": a class matches one character within a segment; use "
                                "'{a,b/c}' for alternatives that cross directories");
      if (hi < lo)
        return make_error(errc::bad_request, "reversed range '" +
                                                 std::string(text_.substr(i, 3)) + "'" +
                                                 at(i) + ": write it low-high");
      for (unsigned c = lo; c <= hi; ++c)
        add(s, static_cast<uint8_t>(c));
      i += range ? 3 : 1;
    }
    ++i;
    if (negate) s = complement(s);
    sets_.push_back(s & not_slash_set);
    atom a;
    a.kind = atom::set;
    a.set_index = static_cast<uint16_t>(sets_.size() - 1);
    return a;
  }

  error too_many(size_t where) const {
    return make_error(errc::bad_request,
                      "braces" + at(where) + " expand to more than " +
                          std::to_string(max_alternatives) +
                          " alternatives: reserve a directory ('src/**') or split the "
                          "pattern");
  }
  error too_big(size_t where) const {
    return make_error(errc::bad_request, "braces" + at(where) + " expand to more than " +
                                             std::to_string(max_expanded_bytes) +
                                             " bytes: reserve a directory ('src/**') or "
                                             "split the pattern");
  }

  std::string_view text_;
  std::vector<byteset>& sets_;
};

// ---- what every matching path looks like: its prefixes, last segment and end

struct shape {
  std::vector<std::string> prefixes;
  std::vector<std::string> names; // empty unless every last segment is literal
  std::string suffix;
  uint32_t min_slashes = 0, max_slashes = unbounded_slashes;
};

std::string literal_bytes(const alternative& alt, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to; ++i)
    out.push_back(static_cast<char>(alt[i].value));
  return out;
}

// An alternative that is empty or ends with '/' matches no path, so it constrains
// nothing and is left out; when all are, the shape claims nothing beyond `fallback`.
shape shape_of(const std::vector<alternative>& list, const std::string& fallback) {
  shape out;
  out.min_slashes = unbounded_slashes;
  out.max_slashes = 0;
  bool exact_names = true, first = true;
  for (const alternative& alt : list) {
    if (alt.empty() || alt.back().is_slash()) continue;
    // The '/' of a path: one per '/' outside `**/`, any number more by `**`.
    uint32_t slashes = 0;
    bool open = false;
    for (const factor& f : factors_of(alt)) {
      slashes +=
          f.kind == factor::one && f.pos.kind == position::byte && f.pos.value == '/';
      open |= f.kind == factor::rest || f.kind == factor::dirs;
    }
    out.min_slashes = std::min(out.min_slashes, slashes);
    out.max_slashes = std::max(out.max_slashes, open ? unbounded_slashes : slashes);
    size_t n = 0;
    while (n < alt.size() && alt[n].kind == atom::byte)
      ++n;
    std::string literal = literal_bytes(alt, 0, n);
    literal.resize(literal.rfind('/') + 1);
    out.prefixes.push_back(std::move(literal));

    // The literal end of the last segment: bytes other than '/' (a '/' may belong to a
    // `**/` that matches nothing).
    size_t tail = alt.size();
    while (tail > 0 && alt[tail - 1].kind == atom::byte && !alt[tail - 1].is_slash())
      --tail;
    const bool whole_segment = tail == 0 || alt[tail - 1].is_slash();
    std::string end = literal_bytes(alt, tail, alt.size());
    if (first) {
      out.suffix = end;
    } else {
      size_t k = 0;
      while (k < end.size() && k < out.suffix.size() &&
             end[end.size() - 1 - k] == out.suffix[out.suffix.size() - 1 - k])
        ++k;
      out.suffix.erase(0, out.suffix.size() - k);
    }
    first = false;
    if (!whole_segment) exact_names = false;
    if (exact_names) out.names.push_back(std::move(end));
  }
  if (first) return {{fallback}, {}, {}, 0, unbounded_slashes};
  if (!exact_names) out.names.clear();
  std::sort(out.names.begin(), out.names.end());
  out.names.erase(std::unique(out.names.begin(), out.names.end()), out.names.end());
  // Sorted, a prefix comes right before the ones that extend it.
  std::sort(out.prefixes.begin(), out.prefixes.end());
  std::vector<std::string> kept;
  for (auto& p : out.prefixes)
    if (kept.empty() || !starts_with(p, kept.back())) kept.push_back(std::move(p));
  out.prefixes = std::move(kept);
  return out;
}

} // namespace

expected<std::string> normalize(std::string_view raw) {
  if (is_path(raw)) return std::string(raw); // the common case: nothing to clean
  for (size_t i = 0; i < raw.size(); ++i)
    if (is_control(static_cast<unsigned char>(raw[i]))) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned char>(raw[i]));
      return make_error(errc::refused, std::string("control character ") + hex +
                                           " at byte offset " + std::to_string(i) +
                                           ": paths are printable text");
    }
  if (raw.empty())
    return make_error(
        errc::refused,
        "empty path: name a file or directory relative to the repository root");
  const auto absolute = [&](std::string_view s) -> std::optional<std::string> {
    if (s[0] == '/' || s[0] == '\\') return "absolute path ";
    if (s[0] == '~') return "a path starting with '~' (a home directory) ";
    if (s.size() >= 2 && is_letter(s[0]) && s[1] == ':') return "a drive path ";
    return std::nullopt;
  };
  if (auto what = absolute(raw))
    return make_error(errc::refused,
                      *what + quoted(raw) +
                          ": give the path relative to the repository root "
                          "(e.g. 'src/main.c')");
  std::vector<std::string_view> segments;
  for (size_t i = 0; i <= raw.size();) {
    size_t end = raw.find_first_of("/\\", i);
    if (end == std::string_view::npos) end = raw.size();
    const std::string_view seg = raw.substr(i, end - i);
    if (seg == "..") {
      if (segments.empty())
        return make_error(errc::refused,
                          quoted(raw) + " leaves the repository ('..' at byte offset " +
                              std::to_string(i) + "): give a path inside it");
      if (has_glob_syntax(segments.back()))
        return make_error(errc::refused, "'..' at byte offset " + std::to_string(i) +
                                             " follows " + quoted(segments.back()) +
                                             ", which has glob syntax: write the pattern "
                                             "without '..'");
      segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    i = end + 1;
  }
  if (segments.empty())
    return make_error(errc::refused, quoted(raw) +
                                         " is the repository root itself: name a file or "
                                         "directory inside it (or '**' for everything)");
  std::string out;
  out.reserve(raw.size());
  for (const auto& seg : segments) {
    if (!out.empty()) out.push_back('/');
    out.append(seg);
  }
  if (auto what = absolute(out))
    return make_error(errc::refused,
                      quoted(raw) + " normalises to " + *what + quoted(out) +
                          ": give the path relative to the repository root");
  return out;
}

expected<pattern> compile(std::string_view raw) {
  if (raw.size() > max_pattern_bytes)
    return make_error(errc::bad_request,
                      "pattern too long: " + std::to_string(raw.size()) +
                          " bytes, the limit is " + std::to_string(max_pattern_bytes) +
                          " (exceeded" + at(max_pattern_bytes) +
                          "); reserve a directory ('src/**') instead");
  auto text = normalize(raw);
  if (!text) return text.error();
  pattern p;
  p.text_ = std::move(*text);
  p.literal_ = p.text_.find_first_of("*?[{") == std::string::npos;
  if (p.literal_) {
    const size_t cut = p.text_.rfind('/') + 1;
    p.dir_prefix_ = p.text_.substr(0, cut);
    p.dir_prefixes_ = {p.dir_prefix_};
    p.suffix_ = p.text_.substr(cut);
    p.file_names_ = {p.suffix_};
    p.min_slashes_ = p.max_slashes_ =
        static_cast<uint32_t>(std::count(p.text_.begin(), p.text_.end(), '/'));
    return p;
  }

  auto built = std::make_shared<nfa>();
  nfa& m = *built;
  auto alts = parser(p.text_, m.sets).parse();
  if (!alts) return alts.error();
  build_nfa(m, alts->list);

  // The literal prefix common to every alternative, cut after its last '/'.
  std::string common;
  for (size_t k = 0; k < alts->list.size(); ++k) {
    const alternative& alt = alts->list[k];
    size_t n = 0;
    while (
        n < alt.size() && alt[n].kind == atom::byte &&
        (k == 0 || (n < common.size() && common[n] == static_cast<char>(alt[n].value))))
      ++n;
    if (k == 0) common = literal_bytes(alt, 0, n);
    common.resize(n);
  }
  p.dir_prefix_ = common.substr(0, common.rfind('/') + 1);
  shape sh = shape_of(alts->list, p.dir_prefix_);
  p.dir_prefixes_ = std::move(sh.prefixes);
  p.file_names_ = std::move(sh.names);
  p.suffix_ = std::move(sh.suffix);
  p.min_slashes_ = sh.min_slashes;
  p.max_slashes_ = sh.max_slashes;

  const auto start = static_cast<uint32_t>(m.states() - 1);
  m.after_prefix = run_general(m, {start}, p.dir_prefix_);
  m.fast = bit_parallel(m);
  p.nfa_ = std::move(built);
  return p;
}

} // namespace swarm::globs
