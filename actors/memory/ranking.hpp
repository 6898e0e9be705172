#pragma once
// How memory search ranks: reciprocal-rank fusion of the vector and full-text result
// lists, then one documented score that mixes relevance with importance and recency.
// Plain C++, pure functions.
//
//   rrf(d)       = Σ over lists containing d of 1 / (k + rank(d)),  rank from 1, k = 60
//                  (equal sums are settled by the cosine similarity: + 1e-8 × cosine)
//   relevance(d) = rrf(d) / max rrf over the results            (0..1; single mode: the
//                  mode's own similarity, normalised the same way)
//   recency(d)   = 0.5 ^ (age / half_life)                       (half-life 7 days; age
//                  in whole hours, so the moments between two memories' storing never
//                  reorder results of equal relevance)
//   score(d)     = relevance × (0.70 + 0.20 × importance + 0.10 × recency)
//
// Relevance dominates: importance and recency reorder results of similar relevance but
// never lift an irrelevant memory above a relevant one by more than 30 %.

#include <cstddef>
#include <cstdint>

namespace swarm::memory {

constexpr size_t rrf_k = 60;
constexpr int64_t default_half_life_us = 7LL * 24 * 3600 * 1'000'000;

// What a list contributes to rrf(d) for a memory at 1-based `rank` in it.
inline double rrf_term(uint32_t rank) {
  return 1.0 / static_cast<double>(rrf_k + rank);
}

// The final score of a memory. importance is clamped to 0..1; a negative age counts as 0.
float memory_score(float relevance, float importance, int64_t age_us,
                   int64_t half_life_us = default_half_life_us);

} // namespace swarm::memory
