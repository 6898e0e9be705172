// Whether two globs overlap (some path matches both), and a shortest such path: cheap
// necessary conditions on what every matching path looks like, a few guessed paths,
// then an exact breadth-first search of NFA(a) x NFA(b) x the automaton of valid paths.
// See glob.hpp for the rules.

#include "actors/reservations/glob_internal.hpp"

#include <algorithm>
#include <array>
#include <unordered_set>
#include <utility>

namespace swarm::globs {

using namespace detail;

namespace {

bool comparable(std::string_view x, std::string_view y) {
  return starts_with(x, y) || starts_with(y, x);
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

// ---- overlap: breadth-first search of NFA(a) x NFA(b) x the valid-path automaton

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
