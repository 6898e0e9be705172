#pragma once
// FNV-1a, the one byte hash of swarm, in 32 and 64 bits.
//
// Unlike std::hash it is the same on every platform, run and standard library, so its
// values may be persisted or shown: plan task ids, builtin embeddings, mail export file
// names and the mock agent's seeds all depend on it — never change what it computes.
// Not for anything an adversary chooses the input of. Header-only, no dependencies:
// every layer may include it, and so may the mock agent (its own executable).

#include <cstdint>
#include <string_view>

namespace swarm {

template <class UInt> struct fnv1a_params;

template <> struct fnv1a_params<uint32_t> {
  static constexpr uint32_t offset_basis = 2166136261u;
  static constexpr uint32_t prime = 16777619u;
};

template <> struct fnv1a_params<uint64_t> {
  static constexpr uint64_t offset_basis = 14695981039346656037ull;
  static constexpr uint64_t prime = 1099511628211ull;
};

// The FNV-1a hash of `bytes`, continuing from `seed`: a fresh hash starts from the
// offset basis, and hashing b from the hash of a gives the hash of a followed by b.
template <class UInt>
constexpr UInt fnv1a(std::string_view bytes,
                     UInt seed = fnv1a_params<UInt>::offset_basis) {
  UInt h = seed;
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= fnv1a_params<UInt>::prime;
  }
  return h;
}

constexpr uint32_t fnv1a_32(std::string_view bytes,
                            uint32_t seed = fnv1a_params<uint32_t>::offset_basis) {
  return fnv1a<uint32_t>(bytes, seed);
}

constexpr uint64_t fnv1a_64(std::string_view bytes,
                            uint64_t seed = fnv1a_params<uint64_t>::offset_basis) {
  return fnv1a<uint64_t>(bytes, seed);
}

} // namespace swarm
