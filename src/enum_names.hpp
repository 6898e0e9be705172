#pragma once
// The one way an enum gets its names: a constexpr table, and lookups over it both ways.
// Each enum's to_string and parse_<name> are a line over its table, so a name is
// spelled once. Two forms:
//   enum_names  {value, "name"} pairs, for the public enums (src/names.cpp,
//               src/error.cpp);
//   dense_names names[i] is the name of value i, names[0] unused, for enums numbered
//               1, 2, 3... (persistence::event_kind, strategies::ready_order).
// Internal (not installed); plain C++, no state: any thread. Lookups are linear.

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

template <size_t N> using dense_names = std::array<const char*, N>;

// The name of `v`; `fallback` out of range and for 0.
template <class E, size_t N>
constexpr const char* name_at(const dense_names<N>& names, E v,
                              const char* fallback = "unknown") noexcept {
  const auto i = static_cast<size_t>(v);
  return i > 0 && i < N ? names[i] : fallback;
}

// The value named `name` (never 0).
template <class E, size_t N>
constexpr std::optional<E> value_at(const dense_names<N>& names,
                                    std::string_view name) noexcept {
  for (size_t i = 1; i < N; ++i)
    if (name == names[i]) return static_cast<E>(i);
  return std::nullopt;
}

} // namespace swarm::detail
