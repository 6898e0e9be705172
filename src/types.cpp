#include <swarm/types.hpp>

#include <array>

namespace swarm {

namespace {

constexpr std::array<const char*, 7> state_names = {
  "unknown", "pending", "ready", "claimed", "completed", "failed", "blocked",
};

} // namespace

const char* to_string(task_state s) noexcept {
  auto i = static_cast<size_t>(s);
  return i < state_names.size() ? state_names[i] : "unknown";
}

std::optional<task_state> parse_task_state(std::string_view name) noexcept {
  for (size_t i = 1; i < state_names.size(); ++i)
    if (name == state_names[i])
      return static_cast<task_state>(i);
  return std::nullopt;
}

} // namespace swarm
