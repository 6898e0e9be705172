// Glob compilation (brace expansion, then a Glushkov NFA per alternative), matching
// (bit-parallel NFA simulation) and exact overlap (a product search with the
// automaton of valid paths). See glob.hpp for the rules.

#include "actors/reservations/glob.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <unordered_set>
#include <utility>

namespace swarm::globs {

using detail::byteset;
using detail::nfa;
using detail::position;

namespace {

constexpr uint32_t start_marker = UINT32_MAX; // the virtual start while building

bool has(const byteset& s, uint8_t b) {
  return (s[b >> 6] >> (b & 63)) & 1;
}
void add(byteset& s, uint8_t b) {
  s[b >> 6] |= uint64_t{1} << (b & 63);
}
bool empty(const byteset& s) {
  return !(s[0] | s[1] | s[2] | s[3]);
}
byteset operator&(const byteset& a, const byteset& b) {
  return {a[0] & b[0], a[1] & b[1], a[2] & b[2], a[3] & b[3]};
}
byteset complement(const byteset& s) {
  return {~s[0], ~s[1], ~s[2], ~s[3]};
}
byteset only(uint8_t b) {
  byteset s{};
  add(s, b);
  return s;
}
const byteset not_slash_set = complement(only('/'));

bool is_control(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}
bool is_letter(unsigned char c) {
  return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
bool has_glob_syntax(std::string_view s) {
  return s.find_first_of("*?[]{}") != std::string_view::npos;
}
bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string quoted(std::string_view s) {
  return "'" + std::string(s) + "'";
}
std::string at(size_t offset) {
  return " at offset " + std::to_string(offset);
}

// ---- the automaton of valid paths (what normalize() can return), over byte classes

enum path_state : uint8_t { p_start, p_letter1, p_seg_start, p_dot, p_dotdot, p_other };
constexpr int path_states = 6;
constexpr uint8_t p_dead = 0xff;
// clang-format off
enum byte_class : uint8_t {
  c_slash, c_dot, c_colon, c_tilde, c_letter, c_other, c_invalid
};
// clang-format on
constexpr int valid_classes = 6; // every class but c_invalid

byte_class class_of(unsigned char c) {
  if (is_control(c) || c == '\\') return c_invalid;
  if (c == '/') return c_slash;
  if (c == '.') return c_dot;
  if (c == ':') return c_colon;
  if (c == '~') return c_tilde;
  return is_letter(c) ? c_letter : c_other;
}

// p_letter1: the path so far is one letter, so ':' would make it a drive. p_dot and
// p_dotdot: the segment so far is "." or "..", which may not end there.
// clang-format off
constexpr uint8_t D = p_dead, L1 = p_letter1, SS = p_seg_start, DT = p_dot, DD = p_dotdot,
                  OT = p_other;
constexpr uint8_t path_delta[path_states][valid_classes] = {
    //             '/'  '.'  ':'  '~'  letter  other
    /* start   */ { D,   DT,  OT,  D,   L1,     OT },
    /* letter1 */ { SS,  OT,  D,   OT,  OT,     OT },
    /* seg     */ { D,   DT,  OT,  OT,  OT,     OT },
    /* dot     */ { D,   DD,  OT,  OT,  OT,     OT },
    /* dotdot  */ { D,   OT,  OT,  OT,  OT,     OT },
    /* other   */ { SS,  OT,  OT,  OT,  OT,     OT },
};
// clang-format on
bool path_accepting(uint8_t s) {
  return s == p_letter1 || s == p_other;
}

// A byte of a non-empty set, a readable one when there is one.
uint8_t example(const byteset& s) {
  for (const uint8_t c : {'x', 'a', '0', '_'})
    if (has(s, c)) return c;
  for (int w = 0; w < 4; ++w)
    if (s[w]) return static_cast<uint8_t>(64 * w + __builtin_ctzll(s[w]));
  return 0;
}

// From a path state, a state one byte leads to and the bytes that do. '/' always
// leads somewhere of its own, so a move is either '/' alone or has no '/'.
struct path_move {
  uint8_t next;
  byteset bytes;
  bool slash;      // the move is by '/'
  uint8_t example; // one of `bytes`
};

// Dead ends left out; at most three moves per state, since only a path's first bytes
// tell letters from other characters.
const std::array<std::vector<path_move>, path_states>& path_moves() {
  static const auto moves = [] {
    std::array<std::vector<path_move>, path_states> out;
    for (int s = 0; s < path_states; ++s) {
      for (int c = 0; c < 256; ++c) {
        const byte_class k = class_of(static_cast<unsigned char>(c));
        if (k == c_invalid || path_delta[s][k] == p_dead) continue;
        auto it = std::find_if(out[s].begin(), out[s].end(), [&](const path_move& m) {
          return m.next == path_delta[s][k];
        });
        if (it == out[s].end())
          it = out[s].insert(it, {path_delta[s][k], byteset{}, c == '/', 0});
        add(it->bytes, static_cast<uint8_t>(c));
      }
      for (auto& m : out[s])
        m.example = example(m.bytes);
    }
    return out;
  }();
  return moves;
}

// ---- parsing: braces are expanded while parsing, classes become byte sets

struct atom {
  enum kind_t : uint8_t { byte, question, star, set };
  kind_t kind = byte;
  uint8_t value = 0;
  uint16_t set_index = 0;
  bool is_slash() const { return kind == byte && value == '/'; }
};
using alternative = std::vector<atom>;
struct alternatives {
  std::vector<alternative> list;
  size_t bytes = 0; // atoms over all alternatives
};

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

// ---- the NFA: a Glushkov automaton over the trie of the alternatives

// A step of a brace-free alternative once its stars are read: one position, or a
// form of `*` / `**`.
struct factor {
  enum kind_t : uint8_t {
    one,  // a byte, `?` or a class
    star, // `*`: [^/]*
    rest, // `**` alone or `/**` at the end: .+ (one or more segments)
    dirs, // `**/`: (.*/)? (zero or more whole directories)
  };
  kind_t kind = one;
  position pos; // kind == one

  bool operator==(const factor& o) const {
    return kind == o.kind && pos.kind == o.pos.kind && pos.value == o.pos.value &&
           pos.set_index == o.pos.set_index;
  }
};

position to_position(const atom& a) {
  switch (a.kind) {
  case atom::question:
    return {position::not_slash, 0, 0};
  case atom::set:
    return {position::set, 0, a.set_index};
  default:
    return {position::byte, a.value, 0};
  }
}

// Whether a run of stars is `**` is decided here, on the expanded text.
std::vector<factor> factors_of(const alternative& alt) {
  std::vector<factor> out;
  for (size_t k = 0; k < alt.size();) {
    if (alt[k].kind != atom::star) {
      out.push_back({factor::one, to_position(alt[k++])});
      continue;
    }
    size_t run = 0;
    while (k + run < alt.size() && alt[k + run].kind == atom::star)
      ++run;
    const bool segment_start = k == 0 || alt[k - 1].is_slash();
    const bool at_end = k + run == alt.size();
    const bool whole = run == 2 && segment_start && (at_end || alt[k + run].is_slash());
    if (whole && !at_end) {
      k += run + 1;                                                  // with its '/'
      if (!out.empty() && out.back().kind == factor::dirs) continue; // `**/**/` is `**/`
      out.push_back({factor::dirs, {}});
    } else {
      out.push_back({whole ? factor::rest : factor::star, {}});
      k += run;
    }
  }
  return out;
}

// Alternatives sharing a prefix share its states (`{a,b}{a,b}...` stays linear in size,
// and the overlap search does not pair up every alternative with every other). States
// are numbered depth first, so every move goes forward.
class nfa_builder {
public:
  explicit nfa_builder(nfa& m) : m_(m) { trie_.emplace_back(); }

  void add(const alternative& alt) {
    uint32_t node = 0;
    for (const factor& f : factors_of(alt)) {
      uint32_t next = 0;
      for (uint32_t c : trie_[node].children)
        if (trie_[c].f == f) next = c;
      if (next == 0) {
        next = static_cast<uint32_t>(trie_.size());
        trie_.push_back({f, {}, false});
        trie_[node].children.push_back(next);
      }
      node = next;
    }
    trie_[node].end = true;
  }

  void finish() {
    // Depth first from the root; each node with the states its factor is entered from.
    std::vector<std::pair<uint32_t, std::vector<uint32_t>>> todo;
    todo.push_back({0, {start_marker}});
    while (!todo.empty()) {
      auto [node, last] = std::move(todo.back());
      todo.pop_back();
      if (node != 0) last = place(trie_[node].f, std::move(last));
      if (trie_[node].end)
        for (uint32_t s : last)
          if (s != start_marker) m_.final[s] = 1;
      const auto& children = trie_[node].children;
      for (auto c = children.rbegin(); c != children.rend(); ++c)
        todo.push_back({*c, last});
    }

    follow_.push_back(std::move(first_)); // the start is state n
    m_.follow_begin.assign(1, 0);
    for (auto& f : follow_) {
      std::sort(f.begin(), f.end());
      f.erase(std::unique(f.begin(), f.end()), f.end());
      m_.follow.insert(m_.follow.end(), f.begin(), f.end());
      m_.follow_begin.push_back(static_cast<uint32_t>(m_.follow.size()));
    }
  }

private:
  struct trie_node {
    factor f;
    std::vector<uint32_t> children;
    bool end = false; // an alternative ends here
  };

  // Adds the factor's states, entered from `last`; returns the states the next factor
  // is entered from.
  std::vector<uint32_t> place(const factor& f, std::vector<uint32_t> last) {
    switch (f.kind) {
    case factor::one: {
      const uint32_t p = add_position(f.pos);
      link(last, {p});
      return {p};
    }
    case factor::rest: {
      const uint32_t e = add_position({position::any, 0, 0});
      link(last, {e});
      follow_[e].push_back(e);
      return {e};
    }
    case factor::dirs: {
      const uint32_t any = add_position({position::any, 0, 0});
      const uint32_t slash = add_position({position::byte, '/', 0});
      link(last, {any, slash});
      follow_[any] = {any, slash};
      last.push_back(slash); // or skipped
      return last;
    }
    case factor::star: {
      const uint32_t t = add_position({position::not_slash, 0, 0});
      link(last, {t});
      follow_[t].push_back(t);
      last.push_back(t); // or skipped
      return last;
    }
    }
    return last;
  }

  uint32_t add_position(position p) {
    m_.positions.push_back(p);
    m_.final.push_back(0);
    follow_.emplace_back();
    return static_cast<uint32_t>(m_.positions.size() - 1);
  }
  void link(const std::vector<uint32_t>& from, std::initializer_list<uint32_t> to) {
    for (uint32_t f : from) {
      auto& v = f == start_marker ? first_ : follow_[f];
      v.insert(v.end(), to);
    }
  }

  nfa& m_;
  std::vector<trie_node> trie_; // [0] is the root (no factor)
  std::vector<std::vector<uint32_t>> follow_;
  std::vector<uint32_t> first_;
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

bool comparable(std::string_view x, std::string_view y) {
  return starts_with(x, y) || starts_with(y, x);
}

// Whether `s` is a path (what normalize() can return).
bool is_path(std::string_view s) {
  uint8_t state = p_start;
  for (const char c : s) {
    const byte_class k = class_of(static_cast<unsigned char>(c));
    if (k == c_invalid || (state = path_delta[state][k]) == p_dead) return false;
  }
  return path_accepting(state);
}

// A path matching both globs found by a few guesses (a prefix of one, then a file
// name of either or "x" and a suffix), or "". Cheaper than the product search when
// they overlap, as globs over the same tree mostly do.
std::string guessed_witness(const pattern& a, const pattern& b) {
  constexpr size_t max_guesses = 8;
  std::vector<std::string> tails;
  for (const pattern* p : {&a, &b}) {
    for (size_t i = 0; i < p->file_names().size() && i < 2; ++i)
      tails.push_back(p->file_names()[i]);
    if (p->file_names().empty()) tails.push_back("x" + p->suffix());
  }
  size_t guesses = 0;
  std::string w;
  for (const auto& ka : a.dir_prefixes())
    for (const auto& kb : b.dir_prefixes()) {
      if (!comparable(ka, kb)) continue;
      const std::string& k = ka.size() > kb.size() ? ka : kb;
      for (const auto& t : tails) {
        if (guesses++ == max_guesses) return {};
        w.assign(k).append(t);
        // matches() speaks of paths only: w must be one, checked once both match.
        if (matches(a, w) && matches(b, w) && is_path(w)) return w;
      }
    }
  return {};
}

} // namespace

// Cheap necessary conditions for a path matching both: it starts with a prefix of
// each, so one of those extends the other; it has as many '/' as both allow; it ends
// with both suffixes, so one ends the other; its last segment is a name of each that
// lists names, and ends with the other's suffix (which has no '/').
bool detail_may_overlap(const pattern& a, const pattern& b) {
  constexpr size_t max_prefix_pairs = 256; // beyond, the common prefixes only
  const auto& pa = a.dir_prefixes();
  const auto& pb = b.dir_prefixes();
  if (pa.size() * pb.size() <= max_prefix_pairs) {
    const bool some = std::any_of(pa.begin(), pa.end(), [&](const std::string& x) {
      return std::any_of(pb.begin(), pb.end(),
                         [&](const std::string& y) { return comparable(x, y); });
    });
    if (!some) return false;
  } else if (!comparable(a.dir_prefix(), b.dir_prefix())) {
    return false;
  }
  if (a.min_slashes() > b.max_slashes() || b.min_slashes() > a.max_slashes())
    return false;
  if (!ends_with(a.suffix(), b.suffix()) && !ends_with(b.suffix(), a.suffix()))
    return false;
  const auto& na = a.file_names();
  const auto& nb = b.file_names();
  const auto ending = [](const std::vector<std::string>& names, std::string_view s) {
    return std::any_of(names.begin(), names.end(),
                       [&](const std::string& n) { return ends_with(n, s); });
  };
  if (!na.empty() && !nb.empty()) {
    for (size_t i = 0, j = 0; i < na.size() && j < nb.size();) {
      if (na[i] == nb[j]) return true;
      na[i] < nb[j] ? ++i : ++j;
    }
    return false;
  }
  if (!na.empty()) return ending(na, b.suffix());
  if (!nb.empty()) return ending(nb, a.suffix());
  return true;
}

namespace {

// ---- simulation

bool accepts(const nfa& m, const position& p, uint8_t c) {
  switch (p.kind) {
  case position::byte:
    return p.value == c;
  case position::not_slash:
    return c != '/';
  case position::any:
    return true;
  case position::set:
    return has(m.sets[p.set_index], c);
  }
  return false;
}

byteset set_of(const nfa& m, const position& p) {
  switch (p.kind) {
  case position::byte:
    return only(p.value);
  case position::not_slash:
    return not_slash_set;
  case position::any:
    return complement(byteset{});
  case position::set:
    return m.sets[p.set_index];
  }
  return {};
}

template <class F> void for_each_follower(const nfa& m, uint32_t s, F&& f) {
  for (uint32_t k = m.follow_begin[s]; k < m.follow_begin[s + 1]; ++k)
    f(m.follow[k]);
}

// The states active after reading `s` from the states `cur`; empty once nothing
// matches.
std::vector<uint32_t> run_general(const nfa& m, std::vector<uint32_t> cur,
                                  std::string_view s) {
  std::vector<uint32_t> next;
  std::vector<uint32_t> seen(m.states(), UINT32_MAX);
  for (uint32_t i = 0; i < s.size() && !cur.empty(); ++i) {
    const auto c = static_cast<uint8_t>(s[i]);
    next.clear();
    for (uint32_t from : cur)
      for_each_follower(m, from, [&](uint32_t t) {
        if (seen[t] != i && accepts(m, m.positions[t], c)) {
          seen[t] = i;
          next.push_back(t);
        }
      });
    cur.swap(next);
  }
  return cur;
}

bool matches_general(const nfa& m, std::string_view rest) {
  auto end = run_general(m, m.after_prefix, rest);
  return std::any_of(end.begin(), end.end(), [&](uint32_t s) { return m.final[s] != 0; });
}

// The bit-parallel form of `m`, when it has at most 64 states.
std::optional<nfa::bits> bit_parallel(const nfa& m) {
  const size_t n = m.positions.size();
  if (n + 1 > 64) return std::nullopt;
  nfa::bits b;
  for (uint32_t s = 0; s <= n; ++s) {
    const uint64_t bit = uint64_t{1} << s;
    uint64_t jump = 0;
    bool loops_on_all = false;
    for_each_follower(m, s, [&](uint32_t t) {
      if (t == s) {
        b.loops |= bit;
        loops_on_all = m.positions[s].kind == position::any;
      } else if (t > s && t - s <= b.shift.size()) {
        b.shift[t - s - 1] |= bit;
      } else {
        jump |= uint64_t{1} << t; // the start, a branch of the trie, or backwards
      }
    });
    if (jump) b.jumps.push_back({bit, jump});
    if (s < n && m.final[s]) b.final |= bit;
    if (s < n && m.final[s] && loops_on_all) b.absorbing |= bit;
  }
  for (uint32_t s : m.after_prefix)
    b.after_prefix |= uint64_t{1} << s;

  // Bytes that every position treats alike share a class.
  std::array<uint64_t, 256> by_byte{};
  for (uint32_t s = 0; s < n; ++s) {
    const position& p = m.positions[s];
    if (p.kind == position::byte) {
      by_byte[p.value] |= uint64_t{1} << s;
      continue;
    }
    for (int c = 0; c < 256; ++c)
      if (accepts(m, p, static_cast<uint8_t>(c))) by_byte[c] |= uint64_t{1} << s;
  }
  for (int c = 0; c < 256; ++c) {
    auto it = std::find(b.accepting.begin(), b.accepting.end(), by_byte[c]);
    if (it == b.accepting.end()) it = b.accepting.insert(it, by_byte[c]);
    b.byte_class[c] = static_cast<uint8_t>(it - b.accepting.begin());
  }
  return b;
}

bool matches_bits(const nfa::bits& b, std::string_view rest) {
  uint64_t active = b.after_prefix;
  for (const char c : rest) {
    if (active & b.absorbing) return true;
    uint64_t next = active & b.loops;
    next |= (active & b.shift[0]) << 1;
    next |= (active & b.shift[1]) << 2;
    next |= (active & b.shift[2]) << 3;
    next |= (active & b.shift[3]) << 4;
    for (const auto& [from, to] : b.jumps)
      if (active & from) next |= to;
    active = next & b.accepting[b.byte_class[static_cast<uint8_t>(c)]];
    if (!active) return false;
  }
  return (active & b.final) != 0;
}

// ---- overlap: breadth-first search of NFA(a) x NFA(b) x the valid-path automaton

class product_search {
public:
  product_search(const nfa& a, const nfa& b) : a_(a), b_(b), sb_(b.states()) {
    const uint64_t total = uint64_t{a.states()} * sb_ * path_states;
    if (total <= (uint64_t{1} << 27)) dense_.assign((total + 63) / 64, 0);
  }

  // A shortest common path (its bytes when `spell`), or nullopt.
  std::optional<std::string> run(bool spell) {
    const auto start_a = static_cast<uint32_t>(a_.states() - 1);
    const auto start_b = static_cast<uint32_t>(b_.states() - 1);
    visit(start_a, start_b, p_start);
    queue_.push_back({start_a, start_b, p_start, 0, 0});
    for (size_t head = 0; head < queue_.size(); ++head) {
      const node x = queue_[head];
      bool found = false;
      for_each_follower(a_, x.a, [&](uint32_t t) {
        if (found) return;
        for_each_follower(b_, x.b, [&](uint32_t u) {
          if (found) return;
          for_each_move(t, u, x.s, [&](uint8_t byte, uint8_t s) {
            if (found || !visit(t, u, s)) return;
            queue_.push_back({t, u, s, byte, static_cast<uint32_t>(head)});
            found = a_.final[t] && b_.final[u] && path_accepting(s);
          });
        });
      });
      if (found) return spell ? spelled(queue_.size() - 1) : std::string();
    }
    return std::nullopt;
  }

private:
  struct node {
    uint32_t a, b;
    uint8_t s, byte;
    uint32_t parent;
  };

  bool visit(uint32_t a, uint32_t b, uint8_t s) {
    const uint64_t key = (uint64_t{a} * sb_ + b) * path_states + s;
    if (dense_.empty()) return sparse_.insert(key).second;
    uint64_t& word = dense_[key >> 6];
    const uint64_t bit = uint64_t{1} << (key & 63);
    if (word & bit) return false;
    word |= bit;
    return true;
  }

  // Calls f(byte, next path state) for each move from path state `s` by a byte that
  // both positions accept (one example byte per move).
  template <class F> void for_each_move(uint32_t t, uint32_t u, uint8_t s, F&& f) const {
    const position& pt = a_.positions[t];
    const position& pu = b_.positions[u];
    const auto by = [&](uint8_t c) {
      if (byte_class k = class_of(c); k != c_invalid && path_delta[s][k] != p_dead)
        f(c, path_delta[s][k]);
    };
    if (pt.kind == position::byte) {
      if (accepts(b_, pu, pt.value)) by(pt.value);
    } else if (pu.kind == position::byte) {
      if (accepts(a_, pt, pu.value)) by(pu.value);
    } else if (pt.kind != position::set && pu.kind != position::set) {
      const bool slash = pt.kind == position::any && pu.kind == position::any;
      for (const path_move& m : path_moves()[s])
        if (slash || !m.slash) f(m.example, m.next);
    } else {
      const byteset common = set_of(a_, pt) & set_of(b_, pu);
      for (const path_move& m : path_moves()[s]) {
        const byteset in = common & m.bytes;
        if (!empty(in)) f(example(in), m.next);
      }
    }
  }

  std::string spelled(size_t k) const {
    std::string out;
    for (; k != 0; k = queue_[k].parent)
      out.push_back(static_cast<char>(queue_[k].byte));
    std::reverse(out.begin(), out.end());
    return out;
  }

  const nfa& a_;
  const nfa& b_;
  const uint64_t sb_;
  std::vector<uint64_t> dense_; // visited (a, b, s), when small enough
  std::unordered_set<uint64_t> sparse_;
  std::vector<node> queue_;
};

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
  nfa_builder build(m);
  for (const auto& alt : alts->list)
    build.add(alt);
  build.finish();

  // The literal prefix common to every alternative, cut after its last '/'.
  std::string common;
  for (size_t k = 0; k < alts->list.size(); ++k) {
    const alternative& alt = alts->list[k];
    size_t n = 0;
    while (
        n < alt.size() && alt[n].kind == atom::byte &&
        (k == 0 || (n < common.size() && common[n] == static_cast<char>(alt[n].value))))
      ++n;
    if (k == 0)
      for (size_t i = 0; i < n; ++i)
        common.push_back(static_cast<char>(alt[i].value));
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

bool matches(const pattern& p, std::string_view path) {
  if (p.literal_) return path == p.text_;
  // A path never ends with '/', so it must go on past the prefix.
  if (path.size() <= p.dir_prefix_.size() || !starts_with(path, p.dir_prefix_) ||
      !ends_with(path, p.suffix_))
    return false;
  const std::string_view rest = path.substr(p.dir_prefix_.size());
  return p.nfa_->fast ? matches_bits(*p.nfa_->fast, rest)
                      : matches_general(*p.nfa_, rest);
}

bool detail_matches_general(const pattern& p, std::string_view path) {
  if (p.literal_) return path == p.text_;
  if (path.size() <= p.dir_prefix_.size() || !starts_with(path, p.dir_prefix_))
    return false;
  return matches_general(*p.nfa_, path.substr(p.dir_prefix_.size()));
}

std::optional<std::string> witness(const pattern& a, const pattern& b) {
  if (!detail_may_overlap(a, b)) return std::nullopt;
  if (a.literal_ || b.literal_) {
    const pattern& lit = a.literal_ ? a : b;
    const pattern& other = a.literal_ ? b : a;
    if (matches(other, lit.text_)) return lit.text_;
    return std::nullopt;
  }
  return product_search(*a.nfa_, *b.nfa_).run(true);
}

bool overlaps(const pattern& a, const pattern& b) {
  if (a.literal_) return matches(b, a.text_);
  if (b.literal_) return matches(a, b.text_);
  if (!detail_may_overlap(a, b)) return false;
  if (!guessed_witness(a, b).empty()) return true;
  return product_search(*a.nfa_, *b.nfa_).run(false).has_value();
}

} // namespace swarm::globs
