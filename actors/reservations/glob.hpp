#pragma once
// Glob patterns over repository-relative paths, for advisory file reservations.
// Plain C++ (no CAF). A compiled pattern is immutable: any thread may read it; the
// ReservationRegistry actor owns the ones it stores. Implemented in glob_parse.cpp
// (normalize, compile), glob_match.cpp (the NFA, matches) and glob_overlap.cpp
// (overlaps, witness), which share glob_internal.hpp.
//
// Paths. A path is what normalize() returns: non-empty segments separated by single
// '/', no leading or trailing '/', no segment "." or "..", no control character
// (0x00-0x1f, 0x7f), no '\', not starting with '~' or a drive ("C:"). matches() and
// overlaps() are statements about such paths only.
//
// Patterns (case-sensitive bytes; no escape character — '\' is a path separator):
// * `*` matches any run, possibly empty, of characters other than '/'.
// * `?` matches exactly one character other than '/'.
// * `[...]` matches one character other than '/': ranges `a-z`, negation by a leading
//   `!` or `^`, a `]` right after the opening (or after the negation) is literal, a
//   `-` first or last is literal. A '/' written inside is a syntax error; a range
//   spanning '/' simply never matches it. To match a literal `*`, `?`, `[` or `{`,
//   put it in a class: `[[]`.
// * `{a,b,c}` alternatives; they nest and may contain any syntax and '/'. Braces are
//   expanded first (like a shell), then each alternative is a brace-free glob, so the
//   rules below apply to the expanded text: `{**/,}x` is `**/x` or `x`. An alternative
//   that is not a path matches nothing through it (`a/{,b}` gives `a/`, so it matches
//   only `a/b`). `{a}` is one alternative, `{,x}` includes the empty one. Outside
//   braces `,` and `}` are ordinary characters.
// * `**` as a whole segment (exactly two stars between start or '/' and end or '/'):
//   `**/` at the start or `/**/` in the middle matches zero or more whole directories
//   (`a/**/b` matches `a/b`, `a/x/b`, `a/x/y/b`); `/**` at the end matches one or more
//   segments below (`src/**` matches `src/a` and `src/a/b`, not `src` — gitignore's
//   rule); `**` alone matches every path. Any other run of stars (`a**b`, `**.c`,
//   `***`) is `*`.
//
// Invariants of a pattern: text() is normalised and at most max_pattern_bytes long;
// its braces expand to at most max_alternatives alternatives totalling at most
// max_expanded_bytes; literal() patterns match exactly text().

#include <swarm/error.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swarm::globs {

inline constexpr std::size_t max_pattern_bytes = 4096;
inline constexpr std::size_t max_alternatives = 1024;
inline constexpr std::size_t max_expanded_bytes = 65536;
inline constexpr uint32_t unbounded_slashes = UINT32_MAX;

// Normalises a repository-relative path or pattern: backslashes become '/', repeated
// '/' collapse, "." segments drop, "x/.." pairs cancel, a trailing '/' is dropped.
// errc::refused (saying what and what to do) for an empty result, an absolute path
// (leading '/', a drive "C:", a leading '~'), a ".." that leaves the repository or
// would cancel a segment with glob syntax (`*/..`: ambiguous), a control character
// (the message gives its byte offset).
expected<std::string> normalize(std::string_view raw);

namespace detail {

using byteset = std::array<uint64_t, 4>; // bit b of word b/64: byte b is accepted

// One NFA position (Glushkov construction): a state entered by reading one byte from
// the set it stands for.
struct position {
  enum kind_t : uint8_t { byte, not_slash, any, set };
  kind_t kind = byte;
  uint8_t value = 0;      // kind == byte
  uint16_t set_index = 0; // kind == set: into nfa::sets
};

// The union of a pattern's brace-free alternatives as one NFA (alternatives share
// the states of a common prefix). States are the positions plus a virtual start,
// index positions.size().
struct nfa {
  std::vector<position> positions;
  std::vector<byteset> sets;
  std::vector<uint32_t> follow_begin; // follow of s: follow[follow_begin[s] .. [s+1])
  std::vector<uint32_t> follow;
  std::vector<uint8_t> final; // per position: a path may end here
  // The active states once dir_prefix is read: matching starts there.
  std::vector<uint32_t> after_prefix;
  // With at most 64 states (the common case) the same automaton, bit-parallel: bit s
  // is state s. On a byte, state s moves to s + k + 1 when shift[k] holds s, to
  // itself when in `loops`, to the states of `to` for each jump whose `from` holds s;
  // then only the states whose set holds the byte survive:
  // accepting[byte_class[byte]].
  struct bits {
    std::array<uint8_t, 256> byte_class{};
    std::vector<uint64_t> accepting; // per byte class
    std::array<uint64_t, 4> shift{};
    std::vector<std::pair<uint64_t, uint64_t>> jumps; // (from, to): the start, branches
    uint64_t loops = 0, final = 0;
    uint64_t absorbing = 0; // final, looping on every byte: the path matches
    uint64_t after_prefix = 0;
  };
  std::optional<bits> fast;

  std::size_t states() const { return positions.size() + 1; }
};

} // namespace detail

class pattern {
public:
  const std::string& text() const { return text_; } // normalised
  bool literal() const { return literal_; } // no glob syntax: matches exactly text()
  // The longest literal directory prefix every matching path starts with: "" or ends
  // with '/'. "src/api/*.py" -> "src/api/", "src/a*/x" -> "src/", "*.c" -> "",
  // "{a,b}/x" -> "", "src/{a,b}.c" -> "src/", literal "src/x.c" -> "src/".
  const std::string& dir_prefix() const { return dir_prefix_; }
  // The literal directory prefix of each alternative, sorted, leaving out any that
  // extends another: every matching path starts with one of them. "{api,core}/x/*.ts"
  // -> "api/x/", "core/x/"; "{a,a/b}/*.c" -> "a/"; "**/x" -> ""; literal "src/x.c" ->
  // "src/".
  const std::vector<std::string>& dir_prefixes() const { return dir_prefixes_; }
  // When the last segment of every alternative is literal ("**/Makefile",
  // "src/{a,b}/x.h", "src/{a,b}.c", a literal): those names, sorted and distinct — the
  // last segment of a matching path is one of them. Empty when some last segment has
  // glob syntax ("src/*.c", "src/**"). Alternatives that end with '/' match nothing and
  // are left out here and in suffix().
  const std::vector<std::string>& file_names() const { return file_names_; }
  // Bytes every matching path ends with: the literal end of each alternative's last
  // segment, in common; "" when there is none. "docs/**/*.md" -> ".md",
  // "src/{a,b}.c" -> ".c", "**/Makefile" -> "Makefile", "src/**" -> "".
  const std::string& suffix() const { return suffix_; }
  // How many '/' a matching path has: at least min_slashes(), at most max_slashes()
  // (unbounded_slashes when `**` allows any number). "src/*.c" -> 1 and 1,
  // "src/**/*.c" -> 1 and unbounded, "{a,b/c}" -> 0 and 1.
  uint32_t min_slashes() const { return min_slashes_; }
  uint32_t max_slashes() const { return max_slashes_; }
  // NFA states (positions + start); 0 for a literal. For diagnostics and tests.
  std::size_t states() const { return nfa_ ? nfa_->states() : 0; }

private:
  pattern() = default;
  friend expected<pattern> compile(std::string_view raw);
  friend bool matches(const pattern& p, std::string_view normalised_path);
  friend bool overlaps(const pattern& a, const pattern& b);
  friend std::optional<std::string> witness(const pattern& a, const pattern& b);
  friend bool detail_matches_general(const pattern& p, std::string_view path);

  std::string text_;
  std::string dir_prefix_;
  std::vector<std::string> dir_prefixes_;
  std::vector<std::string> file_names_;
  std::string suffix_;
  uint32_t min_slashes_ = 0, max_slashes_ = 0;
  bool literal_ = false;
  std::shared_ptr<const detail::nfa> nfa_; // null for a literal; shared by copies
};

// normalize() then parse. errc::bad_request naming the offset (in the normalised text)
// and the problem: unclosed '[' or '{', an empty class, '/' in a class, a reversed
// range, more than max_alternatives alternatives or max_expanded_bytes of them, a
// pattern longer than max_pattern_bytes. errc::refused as normalize().
expected<pattern> compile(std::string_view raw);

// Whether the path matches. REQUIRES: normalised_path is a path (see above); anything
// else gives an unspecified answer. A literal compare for literals; for globs the
// dir_prefix and the suffix are compared, then the NFA is run over the rest
// (bit-parallel when small).
bool matches(const pattern& p, std::string_view normalised_path);

// Whether some path matches both. Exact, and symmetric. Cheap necessary conditions
// first (detail_may_overlap), then a few guessed paths, then a product search.
bool overlaps(const pattern& a, const pattern& b);

// A shortest path matching both (e.g. to show in a conflict), or nullopt when they do
// not overlap. Breadth-first search of NFA(a) x NFA(b) x the automaton of valid paths.
std::optional<std::string> witness(const pattern& a, const pattern& b);

// matches() through the general (sparse) simulation even for a small NFA. For tests.
bool detail_matches_general(const pattern& p, std::string_view path);

// The cheap necessary conditions overlaps() checks first (prefixes, number of
// segments, suffixes, file names): false means no path matches both. For tests.
bool detail_may_overlap(const pattern& a, const pattern& b);

} // namespace swarm::globs
