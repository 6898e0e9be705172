// Fuzz target, differential: globs::overlaps() against brute force. The input is two
// patterns over a small alphabet (each byte picks a symbol; a 0xff byte ends the first
// pattern). Every path over {a, b, '/'} of up to max_path bytes is tried against both:
// a path both match means the verdict must be "overlap"; and a verdict of "overlap"
// must come with a witness that both match (and none without). matches() itself is
// checked against its general simulation on every path tried.
#include "actors/reservations/glob.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace {

using namespace swarm;

constexpr char symbols[] = {'a', 'b', '/', '*', '?', '[', ']', '!', '-',
                            '{', '}', ',', 'a', 'b', '*', '/'};
constexpr size_t max_pattern = 24;
constexpr size_t max_path = 7;

// Every normalised path over {a, b, /} of 1..max_path bytes.
const std::vector<std::string>& small_paths() {
  static const std::vector<std::string> paths = [] {
    std::vector<std::string> out;
    std::vector<std::string> level{""};
    for (size_t n = 1; n <= max_path; ++n) {
      std::vector<std::string> next;
      for (const auto& p : level)
        for (char c : {'a', 'b', '/'}) next.push_back(p + c);
      for (const auto& p : next)
        if (auto norm = globs::normalize(p); norm && *norm == p) out.push_back(p);
      level = std::move(next);
    }
    return out;
  }();
  return paths;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string raw[2];
  int which = 0;
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0xff && which == 0) {
      which = 1;
      continue;
    }
    if (raw[which].size() < max_pattern) raw[which] += symbols[data[i] % sizeof symbols];
  }
  auto a = globs::compile(raw[0]);
  auto b = globs::compile(raw[1]);
  if (!a || !b) return 0;
  const bool verdict = globs::overlaps(*a, *b);
  const bool reverse = globs::overlaps(*b, *a);
  const std::string pair = "'" + a->text() + "' and '" + b->text() + "'";
  fuzz::require(verdict == reverse, "overlaps is symmetric: " + pair);
  const auto shown = globs::witness(*a, *b);
  fuzz::require(shown.has_value() == verdict, "a witness exactly when they overlap: " + pair);
  if (shown)
    fuzz::require(globs::matches(*a, *shown) && globs::matches(*b, *shown),
                  "the witness '" + *shown + "' matches both: " + pair);
  for (const auto& path : small_paths()) {
    const bool in_a = globs::matches(*a, path);
    const bool in_b = globs::matches(*b, path);
    fuzz::require(in_a == globs::detail_matches_general(*a, path),
                  "matches agrees with the general simulation: '" + a->text() + "' on '" +
                      path + "'");
    if (in_a && in_b)
      fuzz::require(verdict, "'" + path + "' matches both, yet no overlap: " + pair);
  }
  return 0;
}
