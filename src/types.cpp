#include <swarm/types.hpp>

#include <array>
#include <string>

namespace swarm {

namespace {

constexpr std::array<const char*, 8> state_names = {
  "unknown", "pending", "ready", "claimed", "completed", "failed", "blocked", "cancelled",
};
constexpr std::array<const char*, 4> dependency_names = {
  "unknown", "blocks", "related", "discovered-from",
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

const char* to_string(dependency_kind k) noexcept {
  auto i = static_cast<size_t>(k);
  return i < dependency_names.size() ? dependency_names[i] : "unknown";
}

std::optional<dependency_kind> parse_dependency_kind(std::string_view name) noexcept {
  std::string n(name);
  for (char& c : n)
    if (c == '_') c = '-';
  for (size_t i = 1; i < dependency_names.size(); ++i)
    if (n == dependency_names[i])
      return static_cast<dependency_kind>(i);
  return std::nullopt;
}

const std::vector<std::string>& mail_types() {
  static const std::vector<std::string> types = {
    "task.help_needed",     "task.handoff",          "task.claimed",
    "task.completed",       "task.failed",           "task.progress",
    "task.files_changed",   "task.file_conflict",    "file.lock_request",
    "file.lock_granted",    "file.lock_denied",      "coordination.sync",
    "info.discovery",       "agent.started",         "agent.stopped",
    "agent.intent.announce", "agent.intent.complete", "agent.workspace.declare",
    "reservation.conflict", "reservation.released",  "reservation.granted",
    "reservation.renewed",  "system.shutdown",
    "custom",
  };
  return types;
}

} // namespace swarm
