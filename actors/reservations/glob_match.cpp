// The NFA of a glob: a Glushkov automaton built over the trie of the brace-free
// alternatives, its bit-parallel form, and matching a path (the simulation). See
// glob.hpp for the rules and the layout of detail::nfa.

#include "actors/reservations/glob_internal.hpp"

#include <algorithm>
#include <utility>

namespace swarm::globs {

using namespace detail;

namespace {

constexpr uint32_t start_marker = UINT32_MAX; // the virtual start while building

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

} // namespace

std::vector<factor> detail::factors_of(const alternative& alt) {
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

void detail::build_nfa(nfa& m, const std::vector<alternative>& list) {
  nfa_builder build(m);
  for (const auto& alt : list)
    build.add(alt);
  build.finish();
}

// ---- simulation

std::vector<uint32_t> detail::run_general(const nfa& m, std::vector<uint32_t> cur,
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

std::optional<nfa::bits> detail::bit_parallel(const nfa& m) {
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

namespace {

bool matches_general(const nfa& m, std::string_view rest) {
  auto end = run_general(m, m.after_prefix, rest);
  return std::any_of(end.begin(), end.end(), [&](uint32_t s) { return m.final[s] != 0; });
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

} // namespace

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

} // namespace swarm::globs
