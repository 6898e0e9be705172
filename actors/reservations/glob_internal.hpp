#pragma once
// Internals shared by the three parts of the glob implementation, and by nothing else:
// glob_parse.cpp (normalize, brace expansion, classes, compile), glob_match.cpp (the
// NFA: building and simulating it, matches) and glob_overlap.cpp (the product search
// behind overlaps and witness). Plain C++ (no CAF): stateless functions and constant
// tables, so any thread may use them. See glob.hpp for the rules.
//
// The small helpers stay inline here: the simulation and the product search call them
// per byte.

#include "actors/reservations/glob.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace swarm::globs::detail {

inline bool has(const byteset& s, uint8_t b) {
  return (s[b >> 6] >> (b & 63)) & 1;
}
inline void add(byteset& s, uint8_t b) {
  s[b >> 6] |= uint64_t{1} << (b & 63);
}
inline bool empty(const byteset& s) {
  return !(s[0] | s[1] | s[2] | s[3]);
}
inline byteset operator&(const byteset& a, const byteset& b) {
  return {a[0] & b[0], a[1] & b[1], a[2] & b[2], a[3] & b[3]};
}
inline byteset complement(const byteset& s) {
  return {~s[0], ~s[1], ~s[2], ~s[3]};
}
inline byteset only(uint8_t b) {
  byteset s{};
  add(s, b);
  return s;
}
inline const byteset not_slash_set = complement(only('/'));

inline bool is_control(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}
inline bool is_letter(unsigned char c) {
  return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
inline bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}
inline bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// ---- the automaton of valid paths (what normalize() can return), over byte classes

enum path_state : uint8_t { p_start, p_letter1, p_seg_start, p_dot, p_dotdot, p_other };
inline constexpr int path_states = 6;
inline constexpr uint8_t p_dead = 0xff;
// clang-format off
enum byte_class : uint8_t {
  c_slash, c_dot, c_colon, c_tilde, c_letter, c_other, c_invalid
};
// clang-format on
inline constexpr int valid_classes = 6; // every class but c_invalid

inline byte_class class_of(unsigned char c) {
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
inline constexpr uint8_t D = p_dead, L1 = p_letter1, SS = p_seg_start, DT = p_dot,
                         DD = p_dotdot, OT = p_other;
inline constexpr uint8_t path_delta[path_states][valid_classes] = {
    //             '/'  '.'  ':'  '~'  letter  other
    /* start   */ { D,   DT,  OT,  D,   L1,     OT },
    /* letter1 */ { SS,  OT,  D,   OT,  OT,     OT },
    /* seg     */ { D,   DT,  OT,  OT,  OT,     OT },
    /* dot     */ { D,   DD,  OT,  OT,  OT,     OT },
    /* dotdot  */ { D,   OT,  OT,  OT,  OT,     OT },
    /* other   */ { SS,  OT,  OT,  OT,  OT,     OT },
};
// clang-format on
inline bool path_accepting(uint8_t s) {
  return s == p_letter1 || s == p_other;
}

// Whether `s` is a path (what normalize() can return).
inline bool is_path(std::string_view s) {
  uint8_t state = p_start;
  for (const char c : s) {
    const byte_class k = class_of(static_cast<unsigned char>(c));
    if (k == c_invalid || (state = path_delta[state][k]) == p_dead) return false;
  }
  return path_accepting(state);
}

// ---- a parsed pattern: its braces expanded into brace-free alternatives (the parser
// in glob_parse.cpp makes them; the NFA builder and compile() read them)

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

// ---- the NFA: a Glushkov automaton over the trie of the alternatives (glob_match.cpp)

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

// Whether a run of stars is `**` is decided here, on the expanded text.
std::vector<factor> factors_of(const alternative& alt);

// Adds the alternatives to `m`, whose sets the parser filled: positions, follow lists
// and final states. Alternatives sharing a prefix share its states.
void build_nfa(nfa& m, const std::vector<alternative>& list);

// The states active after reading `s` from the states `cur`; empty once nothing
// matches.
std::vector<uint32_t> run_general(const nfa& m, std::vector<uint32_t> cur,
                                  std::string_view s);

// The bit-parallel form of `m`, when it has at most 64 states.
std::optional<nfa::bits> bit_parallel(const nfa& m);

inline bool accepts(const nfa& m, const position& p, uint8_t c) {
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

template <class F> void for_each_follower(const nfa& m, uint32_t s, F&& f) {
  for (uint32_t k = m.follow_begin[s]; k < m.follow_begin[s + 1]; ++k)
    f(m.follow[k]);
}

} // namespace swarm::globs::detail
