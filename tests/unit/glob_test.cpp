// Glob patterns for reservations: normalisation, syntax errors, dir prefixes, a matrix
// of overlaps, and a brute-force cross-check of matches/overlaps/witness against a
// small recursive reference matcher over every short path.

#include "actors/reservations/glob.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

using namespace swarm;
using namespace swarm::globs;

namespace {

pattern compiled(const std::string& raw) {
  auto p = compile(raw);
  INFO(raw << ": " << (p ? std::string() : p.error().message));
  REQUIRE(p.has_value());
  return *p;
}

error compile_error(const std::string& raw) {
  auto p = compile(raw);
  INFO(raw);
  REQUIRE_FALSE(p.has_value());
  return p.error();
}

error normalize_error(const std::string& raw) {
  auto n = normalize(raw);
  INFO(raw);
  REQUIRE_FALSE(n.has_value());
  return n.error();
}

bool is_path(const std::string& s) {
  auto n = normalize(s);
  return n && *n == s;
}

// ---- the reference: expand braces as text, then match recursively, rule by rule

size_t class_end(const std::string& p, size_t i) { // index of the closing ']'
  size_t j = i + 1;
  if (p[j] == '!' || p[j] == '^') ++j;
  if (p[j] == ']') ++j;
  while (p[j] != ']')
    ++j;
  return j;
}

std::vector<std::string> expand(const std::string& s) {
  size_t i = 0;
  while (i < s.size() && s[i] != '{')
    i = s[i] == '[' ? class_end(s, i) + 1 : i + 1;
  if (i == s.size()) return {s};
  std::vector<std::string> parts;
  size_t j = i + 1, from = i + 1;
  for (int depth = 0; j < s.size(); ++j) {
    if (s[j] == '[') {
      j = class_end(s, j);
    } else if (s[j] == '{') {
      ++depth;
    } else if (s[j] == '}') {
      if (depth-- == 0) break;
    } else if (s[j] == ',' && depth == 0) {
      parts.push_back(s.substr(from, j - from));
      from = j + 1;
    }
  }
  parts.push_back(s.substr(from, j - from));
  std::vector<std::string> out;
  for (const auto& part : parts)
    for (auto& e : expand(s.substr(0, i) + part + s.substr(j + 1)))
      out.push_back(std::move(e));
  return out;
}

bool in_class(const std::string& p, size_t i, unsigned char c) {
  size_t j = i + 1;
  const bool negate = p[j] == '!' || p[j] == '^';
  if (negate) ++j;
  bool in = false;
  for (bool first = true; first || p[j] != ']'; first = false) {
    if (j + 2 < p.size() && p[j + 1] == '-' && p[j + 2] != ']') {
      in |= static_cast<unsigned char>(p[j]) <= c &&
            c <= static_cast<unsigned char>(p[j + 2]);
      j += 3;
    } else {
      in |= static_cast<unsigned char>(p[j]) == c;
      j += 1;
    }
  }
  return c != '/' && in != negate;
}

bool ref_match(const std::string& p, size_t i, const std::string& s, size_t j) {
  if (i == p.size()) return j == s.size();
  if (p[i] == '*') {
    size_t run = 0;
    while (i + run < p.size() && p[i + run] == '*')
      ++run;
    const bool at_end = i + run == p.size();
    const bool whole =
        run == 2 && (i == 0 || p[i - 1] == '/') && (at_end || p[i + run] == '/');
    if (whole && at_end) return j < s.size(); // one or more segments: the rest
    if (whole) {                              // zero or more whole directories
      if (ref_match(p, i + 3, s, j)) return true;
      for (size_t k = j; k < s.size(); ++k)
        if (s[k] == '/' && ref_match(p, i + 3, s, k + 1)) return true;
      return false;
    }
    for (size_t k = j;; ++k) { // any run of non-'/' characters
      if (ref_match(p, i + run, s, k)) return true;
      if (k == s.size() || s[k] == '/') return false;
    }
  }
  if (j == s.size()) return false;
  if (p[i] == '?') return s[j] != '/' && ref_match(p, i + 1, s, j + 1);
  if (p[i] == '[')
    return in_class(p, i, static_cast<unsigned char>(s[j])) &&
           ref_match(p, class_end(p, i) + 1, s, j + 1);
  return p[i] == s[j] && ref_match(p, i + 1, s, j + 1);
}

bool ref_matches(const std::vector<std::string>& alternatives, const std::string& path) {
  for (const auto& alt : alternatives)
    if (ref_match(alt, 0, path, 0)) return true;
  return false;
}

// Every path of up to `max_len` bytes over `alphabet`.
std::vector<std::string> all_paths(const std::string& alphabet, size_t max_len) {
  std::vector<std::string> out, level{""};
  for (size_t len = 1; len <= max_len; ++len) {
    std::vector<std::string> next;
    for (const auto& s : level)
      for (char c : alphabet)
        next.push_back(s + c);
    for (const auto& s : next)
      if (is_path(s)) out.push_back(s);
    level = std::move(next);
  }
  return out;
}

void check_overlap(const std::string& a, const std::string& b, bool expected) {
  const pattern pa = compiled(a);
  const pattern pb = compiled(b);
  INFO(a << "  vs  " << b);
  CHECK(overlaps(pa, pb) == expected);
  CHECK(overlaps(pb, pa) == expected);
  const auto w = witness(pa, pb);
  CHECK(w.has_value() == expected);
  if (w) {
    INFO("witness " << *w);
    CHECK(is_path(*w));
    CHECK(matches(pa, *w));
    CHECK(matches(pb, *w));
  }
}

} // namespace

TEST_CASE("globs: normalize cleans a relative path", "[globs]") {
  CHECK(*normalize("./a//b/") == "a/b");
  CHECK(*normalize("a\\b") == "a/b");
  CHECK(*normalize("a/./b") == "a/b");
  CHECK(*normalize("a/x/../b") == "a/b");
  CHECK(*normalize("a/x/y/../../b") == "a/b");
  CHECK(*normalize("src/*.c") == "src/*.c");
  CHECK(*normalize("a/~b/c:d") == "a/~b/c:d");
  CHECK(*normalize("...") == "...");
}

TEST_CASE("globs: normalize refuses paths outside the repository, and says why",
          "[globs]") {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"/etc/x", "absolute"},
      {"C:\\x", "drive"},
      {"c:x", "drive"},
      {"~/x", "home directory"},
      {"~", "home directory"},
      {"../x", "leaves the repository"},
      {"a/../../x", "leaves the repository"},
      {"", "empty path"},
      {".", "repository root"},
      {"a/..", "repository root"},
      {std::string("a\0b", 3), "control character 0x00 at byte offset 1"},
      {"ab\ncd", "control character 0x0a at byte offset 2"},
      {"src/*/../x", "glob syntax"},
      {"{a,b}/../x", "glob syntax"},
  };
  for (const auto& [raw, says] : cases) {
    const error e = normalize_error(raw);
    INFO(raw << " -> " << e.message);
    CHECK(e.code == errc::refused);
    CHECK(e.message.find(says) != std::string::npos);
  }
}

TEST_CASE("globs: syntax errors name the offset and the problem", "[globs]") {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"src/[ab", "unclosed '[' at offset 4"},
      {"src/{a,b", "unclosed '{' at offset 4"},
      {"a{b,{c,d}", "unclosed '{' at offset 1"},
      {"[/]", "'/' inside '[...]' at offset 1"},
      {"x[a-/]", "'/' inside '[...]' at offset 4"},
      {"[]", "empty class at offset 0"},
      {"[!]", "empty class at offset 0"},
      {"[z-a]", "reversed range 'z-a' at offset 1"},
      {std::string(4097, 'a'), "too long"},
  };
  for (const auto& [raw, says] : cases) {
    const error e = compile_error(raw);
    INFO(raw.substr(0, 40) << " -> " << e.message);
    CHECK(e.code == errc::bad_request);
    CHECK(e.message.find(says) != std::string::npos);
  }
  CHECK(compile_error("/abs/*.c").code == errc::refused);
  CHECK(compile(std::string(4096, 'a')).has_value());
}

TEST_CASE("globs: brace expansion is capped at 1024 alternatives", "[globs]") {
  std::string ten, eleven;
  for (int i = 0; i < 10; ++i)
    ten += "{a,b}";
  eleven = ten + "{a,b}";
  const pattern p = compiled(ten); // 1024 alternatives: the general (sparse) NFA
  CHECK(p.states() > 64);
  CHECK(matches(p, "abababbbaa"));
  CHECK_FALSE(matches(p, "abababbba"));
  CHECK_FALSE(matches(p, "abababbbac"));
  CHECK(overlaps(p, compiled("*a")));
  CHECK(overlaps(p, p));
  CHECK_FALSE(overlaps(compiled(ten + "x"), compiled(ten + "y")));
  CHECK_FALSE(overlaps(p, compiled("??????????c")));
  const error e = compile_error(eleven);
  CHECK(e.code == errc::bad_request);
  CHECK(e.message.find("more than 1024 alternatives") != std::string::npos);
  CHECK(compile_error("{a,{b,c}}{a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z}"
                      "{a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z}{a,b}")
            .message.find("1024") != std::string::npos);
  const error big = compile_error("{a,b}{a,b}{a,b}{a,b}{a,b}" + std::string(4000, 'x'));
  CHECK(big.message.find("bytes") != std::string::npos);
}

TEST_CASE("globs: dir_prefix and literal", "[globs]") {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"src/api/*.py", "src/api/"},
      {"src/a*/x", "src/"},
      {"*.c", ""},
      {"{a,b}/x", ""},
      {"src/{a,b}.c", "src/"},
      {"src/x.c", "src/"},
      {"x.c", ""},
      {"src/**", "src/"},
      {"**", ""},
      {"a/b/{c/d,c/e}/f", "a/b/c/"},
      {"a/b/{c/d,c/e}", "a/b/c/"},
      {"src/[ab]/x", "src/"},
  };
  for (const auto& [raw, prefix] : cases) {
    INFO(raw);
    CHECK(compiled(raw).dir_prefix() == prefix);
  }
  CHECK(compiled("src/x.c").literal());
  CHECK(compiled("a]b,c}").literal());
  CHECK(matches(compiled("a]b,c}"), "a]b,c}"));
  CHECK_FALSE(compiled("src/*.c").literal());
  CHECK_FALSE(compiled("{a}").literal());
  CHECK_FALSE(compiled("a?").literal());
  CHECK_FALSE(compiled("[a]").literal());
  CHECK(compiled("./src//x.c/").text() == "src/x.c");
}

TEST_CASE("globs: matches", "[globs]") {
  const pattern py = compiled("src/api/**/*.py");
  CHECK(matches(py, "src/api/x.py"));
  CHECK(matches(py, "src/api/v1/handlers/x.py"));
  CHECK(matches(py, "src/api/.py"));
  CHECK_FALSE(matches(py, "src/api/x.pyc"));
  CHECK_FALSE(matches(py, "src/apix.py"));
  CHECK_FALSE(matches(py, "src/x.py"));
  CHECK_FALSE(matches(compiled("src/**"), "src"));
  CHECK(matches(compiled("src/**"), "src/a/b"));
  CHECK(matches(compiled("src/{lib,include/x}/*.h"), "src/include/x/y.h"));
  CHECK(matches(compiled("[[]x[*]"), "[x*"));
  CHECK_FALSE(matches(compiled("*"), "a/b"));
}

TEST_CASE("globs: overlap matrix (both orders, with a checked witness)", "[globs]") {
  struct row {
    const char* a;
    const char* b;
    bool overlap;
  };
  const std::vector<row> rows{
      // glob vs path
      {"src/*.c", "src/x.c", true},
      {"src/*.c", "src/a/x.c", false},
      {"src/*.c", "src/.c", true},
      {"*", "a", true},
      {"*", "a/b", false},
      {"a/*/b", "a/b", false},
      {"a/*/b", "a/x/b", true},
      {"?", "ab", false},
      {"src/x.c", "src/x.c", true},
      {"src/x.c", "src/y.c", false},
      // the common string must be a path
      {"a/[.]", "a/?", false},
      {"a/[.][.]", "a/??", false},
      {"a/[.][.]?", "a/..?", true},
      {"a/*", "a/.", false},
      {"*/b", "[.]/b", false},
      {"*/b", ".*/b", true},
      {"?:x", "[a-z]:x", false},
      {"?:x", "*:x", true},
      {"?x", "[~]x", false},
      {"a/?x", "a/[~]x", true},
      {"?", "[! -~\x80-\xff]", false},
      {"?", "[! -~]", true},
      // classes
      {"?", "[!a]", true},
      {"[ab]", "[!ab]", false},
      {"[a-c]", "[!b]", true},
      {"[a-c]x", "bx", true},
      {"[!a-c]x", "bx", false},
      {"[^a]", "a", false},
      {"[^a]", "b", true},
      {"[]]", "]", true},
      {"[!]]", "]", false},
      {"[!]]", "a", true},
      {"[]a]", "a", true},
      {"[-a]", "-", true},
      {"[a-]", "-", true},
      {"[a-c]", "-", false},
      {"[a-c][a-c]", "[!a][!c]", true},
      {"[a][b]", "[!a]?", false},
      // braces
      {"{a,b}/x", "b/x", true},
      {"{a,b}/x", "c/x", false},
      {"src/{lib,include/x}/*.h", "src/include/x/y.h", true},
      {"src/{lib,include/x}/*.h", "src/include/y.h", false},
      {"src/{lib,include/x}/*.h", "src/*/*/*.h", true},
      {"{a,{b,c}d}", "cd", true},
      {"{a,{b,c}d}", "c", false},
      {"{,x}a", "a", true},
      {"{,x}a", "xa", true},
      {"{,x}a", "xxa", false},
      {"a/{,b}", "a", false},
      {"a/{,b}", "a/b", true},
      {"{a}", "a", true},
      {"{a,b}*", "c*", false},
      {"{a,b}*", "*b", true},
      {"{a,b}.{c,h}", "*.cpp", false},
      // ** at the start
      {"**/x.c", "x.c", true},
      {"**/x.c", "a/b/x.c", true},
      {"**/x.c", "a/bx.c", false},
      {"**/*.c", "src/**", true},
      // ** in the middle
      {"a/**/b", "a/b", true},
      {"a/**/b", "a/x/b", true},
      {"a/**/b", "a/x/y/b", true},
      {"a/**/b", "a/xb", false},
      {"a/**/b", "ab", false},
      {"a/**/b", "a/*/c", false},
      {"a/**/**/b", "a/b", true},
      // ** at the end
      {"src/**", "src", false},
      {"src/**", "src/a", true},
      {"src/**", "src/a/b", true},
      {"src/**", "srcx/a", false},
      {"src/**", "src/*", true},
      {"a/**", "b/**", false},
      // ** alone
      {"**", "a", true},
      {"**", "a/b/c", true},
      {"**", "*", true},
      {"**", "**", true},
      // ** that is not a whole segment is *
      {"a**b", "ab", true},
      {"a**b", "axxb", true},
      {"a**b", "a/b", false},
      {"**.c", "x.c", true},
      {"**.c", "a/x.c", false},
      {"a/**b", "a/x/b", false},
      {"a**/b", "ax/y/b", false},
      {"***", "a/b", false},
      {"***", "a", true},
      // braces putting ** at a segment boundary
      {"{**/,}x", "a/x", true},
      {"{**/,}x", "x", true},
      {"{**/,}x", "y", false},
      {"{*,a}*", "a/b", true}, // expands to ** or a*
      // glob vs glob
      {"src/**", "**/*.py", true},
      {"src/**/*.py", "src/*.c", false},
      {"src/**/*.py", "*/api/*.py", true},
      {"**/a", "**/b", false},
      {"**/a/**", "**/b", true},
      {"*/*", "*", false},
      {"*/*", "**", true},
      {"a/*", "a/**", true},
      {"a/*/*", "a/*", false},
      {"*a*", "*b*", true},
      {"*a", "*b", false},
      {"a*", "*b", true},
  };
  for (const auto& r : rows)
    check_overlap(r.a, r.b, r.overlap);
}

TEST_CASE("globs: brute force against a reference matcher over every short path",
          "[globs]") {
  const std::vector<std::string> paths = all_paths("ab./", 6);
  REQUIRE(paths.size() > 500);
  const std::vector<std::string> tokens{"a",    "b",   ".",    "/",         "*",
                                        "?",    "**",  "[ab]", "[!a]",      "{a,b/}",
                                        "{,a}", "[.]", "**/",  "{a,{b,.}}", "{**/,b}"};
  std::mt19937 rng(20240517);
  std::vector<pattern> patterns;
  std::vector<std::vector<std::string>> expanded;
  std::vector<std::vector<uint64_t>> matched; // by the reference: bit k for paths[k]
  size_t mismatches = 0;
  while (patterns.size() < 250) {
    std::string raw;
    const size_t n = 1 + rng() % 5;
    for (size_t k = 0; k < n; ++k)
      raw += tokens[rng() % tokens.size()];
    auto p = compile(raw);
    if (!p) continue; // e.g. '/' first, or '..' leaving the repository
    const auto alternatives = expand(p->text());
    std::vector<uint64_t> row((paths.size() + 63) / 64);
    for (size_t k = 0; k < paths.size(); ++k) {
      const bool want = ref_matches(alternatives, paths[k]);
      row[k / 64] |= uint64_t{want} << (k % 64);
      // The general simulation is slow in Debug builds: a third of the paths will do.
      if (matches(*p, paths[k]) != want ||
          (k % 3 == 0 && detail_matches_general(*p, paths[k]) != want)) {
        ++mismatches;
        FAIL_CHECK("matches(" << p->text() << ", " << paths[k] << ") should be " << want);
      }
    }
    patterns.push_back(std::move(*p));
    expanded.push_back(alternatives);
    matched.push_back(std::move(row));
  }
  CHECK(mismatches == 0);

  size_t overlapping = 0;
  for (int pair = 0; pair < 4000; ++pair) {
    const size_t i = rng() % patterns.size();
    const size_t j = rng() % patterns.size();
    const pattern& p = patterns[i];
    const pattern& q = patterns[j];
    bool short_witness = false;
    for (size_t w = 0; w < matched[i].size(); ++w)
      short_witness |= (matched[i][w] & matched[j][w]) != 0;
    const bool pq = overlaps(p, q);
    const auto w = witness(p, q);
    INFO(p.text() << "  vs  " << q.text());
    if (pq != overlaps(q, p) || w.has_value() != pq || (short_witness && !pq))
      FAIL_CHECK("overlaps disagrees: overlaps=" << pq << " reversed=" << overlaps(q, p)
                                                 << " witness=" << w.has_value()
                                                 << " short witness=" << short_witness);
    if (w &&
        !(is_path(*w) && ref_matches(expanded[i], *w) && ref_matches(expanded[j], *w)))
      FAIL_CHECK("bad witness " << *w);
    overlapping += pq;
  }
  // The sample is not degenerate: both answers occur often.
  CHECK(overlapping > 400);
  CHECK(overlapping < 3600);
}

TEST_CASE("globs: dir_prefixes, file_names, suffix and slashes", "[globs]") {
  struct row {
    const char* raw;
    std::vector<std::string> prefixes, names;
    const char* suffix;
  };
  const std::vector<row> rows{
      {"src/x.c", {"src/"}, {"x.c"}, "x.c"},
      {"x.c", {""}, {"x.c"}, "x.c"},
      {"{api,core}/x/*.ts", {"api/x/", "core/x/"}, {}, ".ts"},
      {"{a,a/b}/*.c", {"a/"}, {}, ".c"},
      {"**/Makefile", {""}, {"Makefile"}, "Makefile"},
      {"src/**/config.h", {"src/"}, {"config.h"}, "config.h"},
      {"docs/**/*.md", {"docs/"}, {}, ".md"},
      {"src/{b,a}.c", {"src/"}, {"a.c", "b.c"}, ".c"},
      {"{x,y}", {""}, {"x", "y"}, ""},
      {"{top1,top2}/x/y.ts", {"top1/x/", "top2/x/"}, {"y.ts"}, "y.ts"},
      {"a/{b/,c}", {"a/"}, {"c"}, "c"}, // "a/b/" matches nothing
      {"src/**", {"src/"}, {}, ""},
      {"**", {""}, {}, ""},
      {"*.{py,pyc}", {""}, {}, ""},
      {"a/*/b{,.h}", {"a/"}, {"b", "b.h"}, ""},
      {"{**/,}x", {""}, {"x"}, "x"},
      {"a/b*", {"a/"}, {}, ""},
      {"a/[bc]", {"a/"}, {}, ""},
  };
  for (const auto& r : rows) {
    INFO(r.raw);
    const pattern p = compiled(r.raw);
    CHECK(p.dir_prefixes() == r.prefixes);
    CHECK(p.file_names() == r.names);
    CHECK(p.suffix() == r.suffix);
  }
  const auto slashes = [](const char* raw) {
    const pattern p = compiled(raw);
    return std::make_pair(p.min_slashes(), p.max_slashes());
  };
  CHECK(slashes("src/x.c") == std::make_pair(1u, 1u));
  CHECK(slashes("src/*.c") == std::make_pair(1u, 1u));
  CHECK(slashes("{a,b/c}") == std::make_pair(0u, 1u));
  CHECK(slashes("src/**/*.c") == std::make_pair(1u, unbounded_slashes));
  CHECK(slashes("**/x") == std::make_pair(0u, unbounded_slashes));
  CHECK(slashes("a/**") == std::make_pair(1u, unbounded_slashes));
  CHECK(slashes("a/{b/,c}") == std::make_pair(1u, 1u)); // "a/b/" matches nothing
}

TEST_CASE("globs: prefixes, file names, suffixes and quick rejects are exact "
          "necessary conditions",
          "[globs]") {
  // Over every short path: each path a pattern matches (by the reference) starts with
  // one of its dir_prefixes, ends with its suffix, has one of its file names and as
  // many '/' as it allows; two patterns that share a path pass detail_may_overlap and
  // overlap.
  const std::vector<std::string> paths = all_paths("ab./", 6);
  const std::vector<std::string> tokens{"a",       "b",      ".",      "/",       "*",
                                        "**",      "**/",    "[ab]",   "?",       "{a,b}",
                                        "{a/,b/}", "{ab,b}", "{a,.b}", "{a/b,b}", "{,a}"};
  std::mt19937 rng(314159);
  std::vector<pattern> patterns;
  std::vector<std::vector<uint64_t>> matched;
  size_t failures = 0;
  while (patterns.size() < 200) {
    std::string raw;
    for (size_t k = 0, n = 1 + rng() % 5; k < n; ++k)
      raw += tokens[rng() % tokens.size()];
    auto p = compile(raw);
    if (!p) continue;
    const auto alternatives = expand(p->text());
    std::vector<uint64_t> row((paths.size() + 63) / 64);
    for (size_t k = 0; k < paths.size(); ++k) {
      const std::string& path = paths[k];
      const bool want = ref_matches(alternatives, path);
      row[k / 64] |= uint64_t{want} << (k % 64);
      if (matches(*p, path) != want) {
        ++failures;
        FAIL_CHECK("matches(" << p->text() << ", " << path << ") should be " << want);
      }
      if (!want) continue;
      const auto& prefixes = p->dir_prefixes();
      const bool prefixed =
          std::any_of(prefixes.begin(), prefixes.end(),
                      [&](const std::string& d) { return path.rfind(d, 0) == 0; });
      const bool suffixed = path.size() >= p->suffix().size() &&
                            path.compare(path.size() - p->suffix().size(),
                                         std::string::npos, p->suffix()) == 0;
      const auto& names = p->file_names();
      const std::string name = path.substr(path.rfind('/') + 1);
      const bool named =
          names.empty() || std::find(names.begin(), names.end(), name) != names.end();
      const auto slashes =
          static_cast<uint32_t>(std::count(path.begin(), path.end(), '/'));
      const bool deep = p->min_slashes() <= slashes && slashes <= p->max_slashes();
      if (!prefixed || !suffixed || !named || !deep) {
        ++failures;
        FAIL_CHECK(p->text() << " matches " << path << ": prefix " << prefixed
                             << ", suffix " << suffixed << ", name " << named
                             << ", slashes " << deep);
      }
    }
    patterns.push_back(std::move(*p));
    matched.push_back(std::move(row));
  }
  size_t rejected = 0;
  for (size_t i = 0; i < patterns.size(); ++i)
    for (size_t j = 0; j < patterns.size(); ++j) {
      bool shared = false;
      for (size_t w = 0; w < matched[i].size(); ++w)
        shared |= (matched[i][w] & matched[j][w]) != 0;
      const bool may = detail_may_overlap(patterns[i], patterns[j]);
      rejected += !may;
      if (shared && (!may || !overlaps(patterns[i], patterns[j]))) {
        ++failures;
        FAIL_CHECK(patterns[i].text() << " and " << patterns[j].text()
                                      << " share a path, yet may_overlap " << may);
      }
      if (!may && overlaps(patterns[i], patterns[j])) {
        ++failures;
        FAIL_CHECK(patterns[i].text() << " and " << patterns[j].text()
                                      << " overlap, yet may_overlap is false");
      }
    }
  CHECK(failures == 0);
  CHECK(rejected > 1000); // the quick rejects do reject
}
