#include "actors/memory/ranking.hpp"

#include <algorithm>
#include <cmath>

namespace swarm::memory {

float memory_score(float relevance, float importance, int64_t age_us,
                   int64_t half_life_us) {
  constexpr int64_t hour_us = 3600LL * 1'000'000;
  const float imp = std::clamp(importance, 0.0f, 1.0f);
  const double age = static_cast<double>(std::max<int64_t>(0, age_us) / hour_us * hour_us);
  const double half = static_cast<double>(std::max<int64_t>(1, half_life_us));
  const float recency = static_cast<float>(std::pow(0.5, age / half));
  return relevance * (0.70f + 0.20f * imp + 0.10f * recency);
}

} // namespace swarm::memory
