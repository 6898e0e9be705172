// Sums of model usage (swarm/types.hpp).

#include <swarm/types.hpp>

namespace swarm {

void add_usage(model_usage& total, const model_usage& u) noexcept {
  total.input_tokens += u.input_tokens;
  total.output_tokens += u.output_tokens;
  total.cache_read_tokens += u.cache_read_tokens;
  total.cache_write_tokens += u.cache_write_tokens;
  if (u.cost_usd) total.cost_usd = total.cost_usd.value_or(0) + *u.cost_usd;
  total.runs += u.runs;
}

} // namespace swarm
