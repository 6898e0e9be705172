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

// The words worth ranking by, rarest first (`frequency` says in how many memories a
// word is), as the same kind of expression. FTS5 scores every memory that holds any word
// of it (about 0.8 µs each on a 200k-memory store here), so the cost of a search is
// the sum of its words' frequencies, and that is what is bounded:
// - a word in more than max(64, 5 %) of the `total` memories is left out: bm25 gives it
//   next to no weight;
// - words are kept, rarest first, while their frequencies add up to at most `postings`
//   (an estimate: `frequency` counts whole words, FTS5 matches stems);
// - at most 16 words.
// When no word fits, `at_least_one` keeps the rarest anyway (a text search, which must
// match something); otherwise the expression is empty (a hybrid search: its vector half
// answers alone).
std::string fts_match(const std::string& query,
                      const std::function<uint64_t(const std::string&)>& frequency,
                      uint64_t total, uint64_t postings, bool at_least_one);

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
