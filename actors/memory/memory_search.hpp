#pragma once
// The ranking half of a memory search, as plain functions (no CAF, no SQLite): turning
// a query into an FTS5 expression, and the vector and full-text candidate lists into
// scored hits (ranking.hpp has the formula). The MemoryStore gathers the lists.

#include <swarm/types.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace swarm::memory {

// Any word of the query (OR), each quoted, so no character of the query is FTS5
// syntax; empty when the query has no word.
std::string fts_match(const std::string& query);

// The same, leaving out words that are in more than max(64, 5 %) of the `total`
// memories (`frequency` says in how many a word is): bm25 gives them next to no weight,
// yet ranking them costs a pass over most of the index. At most the 16 rarest words
// are kept; when every word is that common, the 3 rarest are.
std::string fts_match(const std::string& query,
                      const std::function<uint64_t(const std::string&)>& frequency,
                      uint64_t total);

struct scored_hit {
  uint64_t num = 0;
  double score = 0;
  double relevance = 0;
  double similarity = 0;    // cosine, when the vector list has it
  uint32_t vector_rank = 0; // 1-based; 0: not in the vector list
  uint32_t text_rank = 0;
};

// What the store knows of a candidate for the final score.
struct candidate_facts {
  double importance = 0.5;
  int64_t age_us = 0;
};

// vector: (num, cosine) best first; text: (num, bm25) best (lowest) first; both already
// filtered. Relevance is the mode's similarity (cosine, -bm25, or the RRF sum) divided
// by its best value in the lists, so 0..1; score = memory_score(relevance, importance,
// age). The k best by score, ties to the lower number.
std::vector<scored_hit> rank_candidates(
    search_mode mode, const std::vector<std::pair<uint64_t, float>>& vector,
    const std::vector<std::pair<uint64_t, double>>& text,
    const std::function<candidate_facts(uint64_t)>& facts, size_t k);

} // namespace swarm::memory
