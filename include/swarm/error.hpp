#pragma once
// swarm's error vocabulary: one code enum, an error value and a small expected<T>.
//
// Errors are values at every boundary: no exception crosses an actor or the public
// API. Codes are stable and snake_case on the wire (the control protocol, `--json`
// output); each maps to a CLI exit code (1 refused or failed, 2 bad usage).
// Inside the engine `errc` is also a CAF error category; this header stays free of CAF
// so embedding programs never see it.

#include <swarm/export.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace swarm {

// persisted in replies and scripts — never renumber, never reuse a name.
enum class errc : uint8_t {
  bad_request = 1,     // malformed command or arguments (exit 2)
  unknown_op = 2,      // the command does not exist (exit 2)
  invalid_plan = 3,    // a plan failed to parse or validate; nothing was loaded
  not_found = 4,       // no such task, agent or file
  not_claimant = 5,    // the task is not claimed by this agent under this attempt
  invalid_state = 6,   // the operation does not apply to the object's current state
  database_locked = 7, // another engine holds the database
  storage_error = 8,   // SQLite failed (disk full, corrupt file, ...)
  io_error = 9,        // a file or socket operation failed
  timeout = 10,        // the engine did not answer in time
  shutting_down = 11,  // the engine is stopping and takes no new work
  schema_too_new = 12, // the database was written by a newer swarm
  replay_mismatch = 13,// projections differ from the journal's replay
  engine_unavailable = 14, // no engine could be reached or opened
  internal = 15,       // a bug: please report it with the message
  refused = 16,        // well-formed but not allowed: a self-dependency, a cycle, a
                       // value out of range, a task too deep
  unauthorized = 17,   // no or wrong credentials (an HTTP request without the token)
  forbidden = 18,      // a valid credential that may not do this: acting as an agent
                       // whose token it is not (README "Identity")
  merge_conflict = 19, // a task's work does not merge into the integration branch:
                       // the message names the files and the commits that changed them
};

// The wire name of a code ("not_found"); "unknown" for a value outside the enum.
SWARM_API const char* to_string(errc code) noexcept;
// Inverse of to_string; nullopt for an unknown name.
SWARM_API std::optional<errc> parse_errc(std::string_view name) noexcept;
// The CLI exit code for an error: 2 for bad usage, 1 for everything else.
SWARM_API int exit_code(errc code) noexcept;

struct SWARM_API error {
  errc code = errc::internal;
  std::string message; // says what was wrong, where, and what to do next

  // "not_found: no task 'sw-12ab.3'"
  std::string to_string() const;
};

inline error make_error(errc code, std::string message) {
  return error{code, std::move(message)};
}

// A value or an error, shaped like std::expected (C++23): has_value(), value(),
// operator*, operator->, error() and value_or(). Deliberately tiny: enough for the
// public API.
template <class T>
class [[nodiscard]] expected {
public:
  expected(T value) : data_(std::in_place_index<0>, std::move(value)) {}
  expected(swarm::error err) : data_(std::in_place_index<1>, std::move(err)) {}

  bool has_value() const noexcept { return data_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  // REQUIRES: has_value()
  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::get<0>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The value, or `fallback` when there is none.
  template <class U>
  T value_or(U&& fallback) const& {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }
  template <class U>
  T value_or(U&& fallback) && {
    return has_value() ? std::move(value()) : static_cast<T>(std::forward<U>(fallback));
  }

  // REQUIRES: !has_value()
  const swarm::error& error() const& { return std::get<1>(data_); }
  swarm::error&& error() && { return std::get<1>(std::move(data_)); }

private:
  std::variant<T, swarm::error> data_;
};

template <>
class [[nodiscard]] expected<void> {
public:
  expected() = default;
  expected(swarm::error err) : err_(std::move(err)) {}

  bool has_value() const noexcept { return !err_.has_value(); }
  explicit operator bool() const noexcept { return has_value(); }
  // REQUIRES: !has_value()
  const swarm::error& error() const& { return *err_; }
  swarm::error&& error() && { return std::move(*err_); }

private:
  std::optional<swarm::error> err_;
};

} // namespace swarm
