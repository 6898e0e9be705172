#include "actors/memory/memory_search.hpp"

#include "actors/memory/embedder.hpp"
#include "actors/memory/ranking.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>

namespace swarm::memory {

namespace {

// Below any difference of two RRF sums (1 / (60 + r) - 1 / (61 + r) > 1e-7 for lists of
// up to 3,000), above the float rounding of the final score (relative ~6e-8; against
// RRF sums of ~0.03 this is ~3e-7).
constexpr double rrf_tie_break = 1e-8;

// The query's words (words_of), each once, in order.
std::vector<std::string> distinct_words(const std::string& query) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (auto& w : words_of(query))
    if (seen.insert(w).second) out.push_back(std::move(w));
  return out;
}

// The first n words ORed, each quoted: words_of keeps only letters, digits and UTF-8
// bytes, so nothing needs escaping inside the quotes.
std::string any_of(const std::vector<std::string>& words, size_t n) {
  std::string out;
  for (size_t i = 0; i < std::min(n, words.size()); ++i)
    out += (out.empty() ? "\"" : " OR \"") + words[i] + "\"";
  return out;
}

} // namespace

std::string fts_match(const std::string& query) {
  return any_of(distinct_words(query), 64); // a query is a question, not a document
}

std::string fts_match(const std::string& query,
                      const std::function<uint64_t(const std::string&)>& frequency,
                      uint64_t total, uint64_t postings, bool at_least_one) {
  std::vector<std::pair<uint64_t, std::string>> words; // (frequency, word)
  for (auto& w : distinct_words(query))
    words.emplace_back(frequency(w), std::move(w));
  std::stable_sort(words.begin(), words.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  const uint64_t common = std::max<uint64_t>(64, total / 20);
  std::vector<std::string> kept;
  uint64_t cost = 0;
  for (const auto& [n, w] : words) {
    if (kept.size() == 16 || n > common || cost + n > postings) break;
    kept.push_back(w);
    cost += n;
  }
  if (kept.empty() && at_least_one && !words.empty()) kept.push_back(words.front().second);
  return any_of(kept, kept.size());
}

std::vector<scored_hit>
rank_candidates(search_mode mode, const std::vector<std::pair<uint64_t, float>>& vector,
                const std::vector<std::pair<uint64_t, double>>& text,
                const std::function<candidate_facts(uint64_t)>& facts, size_t k) {
  std::unordered_map<uint64_t, scored_hit> hits;
  auto hit = [&](uint64_t num) -> scored_hit& {
    auto& h = hits[num];
    h.num = num;
    return h;
  };
  if (mode != search_mode::text)
    for (size_t i = 0; i < vector.size(); ++i) {
      auto& h = hit(vector[i].first);
      h.vector_rank = static_cast<uint32_t>(i + 1);
      h.similarity = vector[i].second;
    }
  if (mode != search_mode::vector)
    for (size_t i = 0; i < text.size(); ++i)
      hit(text[i].first).text_rank = static_cast<uint32_t>(i + 1);

  // The raw relevance of each mode, then normalised by the best.
  double best = 0;
  for (auto& [num, h] : hits) {
    double raw = 0;
    if (mode == search_mode::vector) {
      raw = std::max(0.0, h.similarity);
    } else if (mode == search_mode::text) {
      raw = h.text_rank > 0 ? -text[h.text_rank - 1].second : 0;
    } else {
      if (h.vector_rank > 0) raw += rrf_term(h.vector_rank);
      if (h.text_rank > 0) raw += rrf_term(h.text_rank);
      // Equal sums are common (ranks 1 + 2 against 2 + 1); the cosine settles them,
      // rather than the noise of creation times in the recency factor.
      raw += rrf_tie_break * std::max(0.0, h.similarity);
    }
    h.relevance = std::max(0.0, raw);
    best = std::max(best, h.relevance);
  }
  std::vector<scored_hit> out;
  out.reserve(hits.size());
  for (auto& [num, h] : hits) {
    h.relevance = best > 0 ? h.relevance / best : 0;
    auto f = facts(num);
    h.score = memory_score(static_cast<float>(h.relevance),
                           static_cast<float>(f.importance), f.age_us);
    out.push_back(h);
  }
  std::sort(out.begin(), out.end(), [](const scored_hit& a, const scored_hit& b) {
    return a.score != b.score ? a.score > b.score : a.num < b.num;
  });
  if (out.size() > k) out.resize(k);
  return out;
}

} // namespace swarm::memory
