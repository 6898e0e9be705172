#include <swarm/error.hpp>

#include <array>

namespace swarm {

namespace {

constexpr std::array<const char*, 17> errc_names = {
  "unknown",         "bad_request",   "unknown_op",         "invalid_plan",
  "not_found",       "not_claimant",  "invalid_state",      "database_locked",
  "storage_error",   "io_error",      "timeout",            "shutting_down",
  "schema_too_new",  "replay_mismatch", "engine_unavailable", "internal",
  "refused",
};

} // namespace

const char* to_string(errc code) noexcept {
  auto i = static_cast<size_t>(code);
  return i < errc_names.size() ? errc_names[i] : "unknown";
}

std::optional<errc> parse_errc(std::string_view name) noexcept {
  for (size_t i = 1; i < errc_names.size(); ++i)
    if (name == errc_names[i])
      return static_cast<errc>(i);
  return std::nullopt;
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
