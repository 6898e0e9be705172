// Task ids: "<prefix>-<hex>" for roots, "<parent>.<n>" below them. A root's hex is a
// prefix of the FNV-1a hash of its normalised title, so the same plan text always
// yields the same ids, and editing one root's title leaves the others' ids alone
// (as long as the root count stays in the same band of root_id_length).

#include "plans/plan_builder.hpp"

#include "src/hash.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace swarm::plans {

namespace detail {

uint64_t mix64(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

std::string root_hash_hex(std::string_view normalised_title, unsigned occurrence) {
  std::string key(normalised_title);
  key += '\x1f';
  key += std::to_string(occurrence);
  uint64_t h = mix64(fnv1a_64(key));
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4)
    hex[static_cast<size_t>(i)] = digits[h & 0xf];
  return hex;
}

namespace {

// The shortest prefix of `hex` (at least `min_length` digits) that `taken` does not
// hold; after all of `hex`, `hex` with a counter appended. Shared by plans and by
// roots added one at a time, so both lengthen alike.
template <class Taken>
std::string first_free(const std::string& hex, unsigned min_length, const Taken& taken) {
  for (size_t len = min_length; len <= hex.size(); ++len) {
    std::string candidate = hex.substr(0, len);
    if (!taken(candidate)) return candidate;
  }
  // Two equal 64-bit hashes: vanishingly rare, but still give a unique id.
  for (unsigned n = 0;; ++n) {
    std::string candidate = hex + std::to_string(n);
    if (!taken(candidate)) return candidate;
  }
}

} // namespace

unsigned root_id_length(size_t roots) {
  // Beyond 2^32 roots all 16 digits are needed (n(n-1)/2 > 16^15 / 100), and
  // n(n-1) would overflow.
  if (roots > UINT32_MAX) return max_root_id_length;
  const uint64_t n = roots;
  const uint64_t pairs = n < 2 ? 0 : n * (n - 1) / 2;
  // pairs / 16^L <= 1/100  <=>  pairs <= floor(16^L / 100), all in integers.
  for (unsigned len = min_root_id_length; len < max_root_id_length; ++len)
    if (pairs <= (uint64_t{1} << (4 * len)) / 100) return len;
  return max_root_id_length;
}

std::vector<std::string> unique_prefixes(const std::vector<std::string>& hex,
                                         unsigned min_length) {
  std::vector<std::string> out;
  out.reserve(hex.size());
  std::unordered_set<std::string> taken;
  taken.reserve(hex.size() * 2);
  auto is_taken = [&](const std::string& candidate) {
    return taken.count(candidate) > 0;
  };
  for (const auto& h : hex) {
    std::string id = first_free(h, min_length, is_taken);
    taken.insert(id);
    out.push_back(std::move(id));
  }
  return out;
}

std::vector<std::string> assign_root_ids(std::string_view prefix,
                                         const std::vector<std::string_view>& titles) {
  std::unordered_map<std::string_view, unsigned> seen;
  seen.reserve(titles.size());
  std::vector<std::string> hex;
  hex.reserve(titles.size());
  for (auto title : titles)
    hex.push_back(root_hash_hex(title, seen[title]++));
  auto ids = unique_prefixes(hex, root_id_length(titles.size()));
  for (auto& id : ids)
    id.insert(0, std::string(prefix) + "-");
  return ids;
}

} // namespace detail

std::string root_id(std::string_view prefix, std::string_view title, unsigned occurrence,
                    unsigned length) {
  auto hex = detail::root_hash_hex(detail::normalise_title(title), occurrence);
  length = std::max(1u, std::min(length, static_cast<unsigned>(hex.size())));
  return std::string(prefix) + "-" + hex.substr(0, length);
}

std::string new_root_id(std::string_view prefix, std::string_view title,
                        size_t roots_existing,
                        const std::function<bool(std::string_view)>& taken) {
  const auto hex = detail::root_hash_hex(detail::normalise_title(title), 0);
  const std::string head = std::string(prefix) + "-";
  const size_t roots = roots_existing < SIZE_MAX ? roots_existing + 1 : roots_existing;
  return head + detail::first_free(hex, detail::root_id_length(roots),
                                   [&](const std::string& candidate) {
                                     return taken && taken(head + candidate);
                                   });
}

bool looks_like_task_id(std::string_view text) {
  // ^[a-z][a-z0-9_]*-[0-9a-z]+(\.[0-9]+)*$
  auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  size_t i = 0, n = text.size();
  if (i == n || !lower(text[i])) return false;
  while (i < n && (lower(text[i]) || digit(text[i]) || text[i] == '_'))
    ++i;
  if (i == n || text[i] != '-') return false;
  size_t start = ++i;
  while (i < n && (lower(text[i]) || digit(text[i])))
    ++i;
  if (i == start) return false;
  while (i < n) {
    if (text[i] != '.') return false;
    start = ++i;
    while (i < n && digit(text[i]))
      ++i;
    if (i == start) return false;
  }
  return true;
}

} // namespace swarm::plans
