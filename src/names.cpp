// The names of the public enums (swarm/types.hpp): each table spells a name once, and
// to_string and parse_<enum> are lookups over it (src/enum_names.hpp).

#include "src/enum_names.hpp"

#include <swarm/types.hpp>

#include <cctype>

namespace swarm {

namespace {

using detail::enum_names;
using detail::name_of;
using detail::value_of;

char dash(char c) {
  return c == '_' ? '-' : c;
}
char upper(char c) {
  return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
}

constexpr enum_names<task_state, 7> task_states{{
    {task_state::pending, "pending"},
    {task_state::ready, "ready"},
    {task_state::claimed, "claimed"},
    {task_state::completed, "completed"},
    {task_state::failed, "failed"},
    {task_state::blocked, "blocked"},
    {task_state::cancelled, "cancelled"},
}};

constexpr enum_names<dependency_kind, 3> dependency_kinds{{
    {dependency_kind::blocks, "blocks"},
    {dependency_kind::related, "related"},
    {dependency_kind::discovered_from, "discovered-from"},
}};

constexpr enum_names<claim_strategy, 5> claim_strategies{{
    {claim_strategy::first_fit, "first-fit"},
    {claim_strategy::best_fit, "best-fit"},
    {claim_strategy::round_robin, "round-robin"},
    {claim_strategy::load_balanced, "load-balanced"},
    {claim_strategy::graph_prioritized, "graph-prioritized"},
}};

constexpr enum_names<agent_state, 4> agent_states{{
    {agent_state::idle, "idle"},
    {agent_state::busy, "busy"},
    {agent_state::stuck, "stuck"},
    {agent_state::offline, "offline"},
}};

constexpr enum_names<run_state, 3> run_states{{
    {run_state::idle, "idle"},
    {run_state::running, "running"},
    {run_state::finished, "finished"},
}};

constexpr enum_names<mail_category, 5> mail_categories{{
    {mail_category::none, ""},
    {mail_category::handoff, "HANDOFF"},
    {mail_category::blocked, "BLOCKED"},
    {mail_category::decision, "DECISION"},
    {mail_category::info, "INFO"},
}};

constexpr enum_names<mail_importance, 4> mail_importances{{
    {mail_importance::low, "low"},
    {mail_importance::normal, "normal"},
    {mail_importance::high, "high"},
    {mail_importance::urgent, "urgent"},
}};

constexpr enum_names<copy_state, 3> copy_states{{
    {copy_state::unread, "unread"},
    {copy_state::read, "read"},
    {copy_state::acked, "acked"},
}};

constexpr enum_names<reservation_type, 4> reservation_types{{
    {reservation_type::edit, "edit"},
    {reservation_type::read, "read"},
    {reservation_type::create, "create"},
    {reservation_type::delete_, "delete"},
}};

constexpr enum_names<memory_kind, 3> memory_kinds{{
    {memory_kind::episodic, "episodic"},
    {memory_kind::working, "working"},
    {memory_kind::procedural, "procedural"},
}};

constexpr enum_names<search_mode, 3> search_modes{{
    {search_mode::vector, "vector"},
    {search_mode::text, "text"},
    {search_mode::hybrid, "hybrid"},
}};

} // namespace

const char* to_string(task_state s) noexcept {
  return name_of(task_states, s);
}
std::optional<task_state> parse_task_state(std::string_view name) noexcept {
  return value_of(task_states, name);
}

const char* to_string(dependency_kind k) noexcept {
  return name_of(dependency_kinds, k);
}
std::optional<dependency_kind> parse_dependency_kind(std::string_view name) noexcept {
  return value_of(dependency_kinds, name, dash);
}

const char* to_string(claim_strategy s) noexcept {
  return name_of(claim_strategies, s);
}
std::optional<claim_strategy> parse_claim_strategy(std::string_view name) noexcept {
  return value_of(claim_strategies, name, dash);
}

const char* to_string(agent_state s) noexcept {
  return name_of(agent_states, s);
}
std::optional<agent_state> parse_agent_state(std::string_view name) noexcept {
  return value_of(agent_states, name);
}

const char* to_string(run_state s) noexcept {
  return name_of(run_states, s);
}
std::optional<run_state> parse_run_state(std::string_view name) noexcept {
  return value_of(run_states, name);
}

const char* to_string(mail_category c) noexcept {
  return name_of(mail_categories, c);
}
std::optional<mail_category> parse_mail_category(std::string_view name) noexcept {
  return value_of(mail_categories, name, upper);
}

const char* to_string(mail_importance i) noexcept {
  return name_of(mail_importances, i);
}
std::optional<mail_importance> parse_mail_importance(std::string_view name) noexcept {
  return value_of(mail_importances, name);
}

const char* to_string(copy_state s) noexcept {
  return name_of(copy_states, s);
}
std::optional<copy_state> parse_copy_state(std::string_view name) noexcept {
  return value_of(copy_states, name);
}

const char* to_string(reservation_type t) noexcept {
  return name_of(reservation_types, t);
}
std::optional<reservation_type> parse_reservation_type(std::string_view name) noexcept {
  return value_of(reservation_types, name);
}

const char* to_string(memory_kind k) noexcept {
  return name_of(memory_kinds, k);
}
std::optional<memory_kind> parse_memory_kind(std::string_view name) noexcept {
  return value_of(memory_kinds, name);
}

const char* to_string(search_mode m) noexcept {
  return name_of(search_modes, m);
}
std::optional<search_mode> parse_search_mode(std::string_view name) noexcept {
  return value_of(search_modes, name);
}

const std::vector<std::string>& mail_types() {
  static const std::vector<std::string> types = {
      "task.help_needed",      "task.handoff",          "task.claimed",
      "task.completed",        "task.failed",           "task.progress",
      "task.files_changed",    "task.file_conflict",    "file.lock_request",
      "file.lock_granted",     "file.lock_denied",      "coordination.sync",
      "info.discovery",        "agent.started",         "agent.stopped",
      "agent.intent.announce", "agent.intent.complete", "agent.workspace.declare",
      "reservation.conflict",  "reservation.released",  "reservation.granted",
      "reservation.renewed",   "system.shutdown",       "system.budget",
      "custom",
  };
  return types;
}

} // namespace swarm
