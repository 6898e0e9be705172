#pragma once
// The one way an enum of the public API gets its names: a constexpr table of
// {value, "name"} pairs, and lookups over it both ways. Each enum's to_string and
// parse_<name> (src/names.cpp, src/error.cpp) are a line over its table, so a name is
// spelled once. Internal (not installed); plain C++, no state: any thread.
//
// Lookups are linear: the tables hold a handful of names.

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace swarm::detail {

template <class E> struct enum_name {
  E value;
  const char* name;
};

template <class E, size_t N> using enum_names = std::array<enum_name<E>, N>;

// The name of `v`; `fallback` for a value the table lacks (a cast out of range).
template <class E, size_t N>
constexpr const char* name_of(const enum_names<E, N>& table, E v,
                              const char* fallback = "unknown") noexcept {
  for (const auto& e : table)
    if (e.value == v) return e.name;
  return fallback;
}

// The value whose name equals `name` once each of its characters went through `fold`
// (e.g. '_' -> '-' or upper-casing, for the spellings a parser tolerates).
template <class E, size_t N, class Fold>
constexpr std::optional<E> value_of(const enum_names<E, N>& table, std::string_view name,
                                    Fold fold) noexcept {
  for (const auto& e : table) {
    std::string_view n{e.name};
    if (n.size() != name.size()) continue;
    size_t i = 0;
    while (i < n.size() && fold(name[i]) == n[i])
      ++i;
    if (i == n.size()) return e.value;
  }
  return std::nullopt;
}

template <class E, size_t N>
constexpr std::optional<E> value_of(const enum_names<E, N>& table,
                                    std::string_view name) noexcept {
  return value_of(table, name, [](char c) { return c; });
}

} // namespace swarm::detail
