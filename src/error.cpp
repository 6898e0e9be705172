#include "src/enum_names.hpp"

#include <swarm/error.hpp>

namespace swarm {

namespace {

constexpr detail::enum_names<errc, 19> errc_names{{
    {errc::bad_request, "bad_request"},
    {errc::unknown_op, "unknown_op"},
    {errc::invalid_plan, "invalid_plan"},
    {errc::not_found, "not_found"},
    {errc::not_claimant, "not_claimant"},
    {errc::invalid_state, "invalid_state"},
    {errc::database_locked, "database_locked"},
    {errc::storage_error, "storage_error"},
    {errc::io_error, "io_error"},
    {errc::timeout, "timeout"},
    {errc::shutting_down, "shutting_down"},
    {errc::schema_too_new, "schema_too_new"},
    {errc::replay_mismatch, "replay_mismatch"},
    {errc::engine_unavailable, "engine_unavailable"},
    {errc::internal, "internal"},
    {errc::refused, "refused"},
    {errc::unauthorized, "unauthorized"},
    {errc::forbidden, "forbidden"},
    {errc::merge_conflict, "merge_conflict"},
}};

} // namespace

const char* to_string(errc code) noexcept {
  return detail::name_of(errc_names, code);
}

std::optional<errc> parse_errc(std::string_view name) noexcept {
  return detail::value_of(errc_names, name);
}

int exit_code(errc code) noexcept {
  return code == errc::bad_request || code == errc::unknown_op ? 2 : 1;
}

std::string error::to_string() const {
  std::string out = swarm::to_string(code);
  out += ": ";
  out += message;
  return out;
}

} // namespace swarm
