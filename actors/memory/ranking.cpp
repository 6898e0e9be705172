#include "actors/memory/ranking.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace swarm::memory {

std::vector<ranked> fuse_rrf(const std::vector<std::vector<uint64_t>>& lists, size_t k) {
  std::unordered_map<uint64_t, float> score;
  for (const auto& list : lists)
    for (size_t rank = 0; rank < list.size(); ++rank)
      score[list[rank]] += 1.0f / static_cast<float>(k + rank + 1);
  std::vector<ranked> out;
  out.reserve(score.size());
  for (const auto& [id, s] : score)
    out.push_back({id, s});
  std::sort(out.begin(), out.end(), [](const ranked& a, const ranked& b) {
    return a.score != b.score ? a.score > b.score : a.id < b.id;
  });
  return out;
}

float memory_score(float relevance, float importance, int64_t age_us,
                   int64_t half_life_us) {
  const float imp = std::clamp(importance, 0.0f, 1.0f);
  const double age = static_cast<double>(std::max<int64_t>(0, age_us));
  const double half = static_cast<double>(std::max<int64_t>(1, half_life_us));
  const float recency = static_cast<float>(std::pow(0.5, age / half));
  return relevance * (0.70f + 0.20f * imp + 0.10f * recency);
}

} // namespace swarm::memory
