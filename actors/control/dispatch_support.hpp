#pragma once
// Internal to actors/control: what the dispatcher's command handlers share — argument
// readers that turn a wrong type into errc::bad_request naming the field, and the
// handler table's shape. Handlers of one area (mail, ...) live in their own file and
// add themselves to the table.

#include "src/time_units.hpp"

#include <swarm/engine.hpp>

#include <boost/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace swarm {

namespace json = boost::json;

inline json::array to_array(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v)
    a.emplace_back(s);
  return a;
}

// Argument readers: a wrong type is bad_request naming the field.
struct args_reader {
  const json::object& args;

  std::optional<std::string> text(const char* name, bool required) const {
    auto* v = args.if_contains(name);
    if (v == nullptr || v->is_null()) {
      if (required)
        throw error{errc::bad_request, std::string{"missing argument '"} + name + "'"};
      return std::nullopt;
    }
    if (!v->is_string())
      throw error{errc::bad_request,
                  std::string{"argument '"} + name + "' must be a string"};
    return std::string{v->get_string()};
  }
  bool flag(const char* name) const {
    auto* v = args.if_contains(name);
    if (v == nullptr || v->is_null()) return false;
    if (!v->is_bool())
      throw error{errc::bad_request,
                  std::string{"argument '"} + name + "' must be true or false"};
    return v->get_bool();
  }
  std::vector<std::string> texts(const char* name) const {
    std::vector<std::string> out;
    auto* v = args.if_contains(name);
    if (v == nullptr || v->is_null()) return out;
    if (!v->is_array())
      throw error{errc::bad_request,
                  std::string{"argument '"} + name + "' must be an array of strings"};
    for (const auto& x : v->get_array()) {
      if (!x.is_string())
        throw error{errc::bad_request,
                    std::string{"argument '"} + name + "' must be an array of strings"};
      out.emplace_back(x.get_string());
    }
    return out;
  }
  std::optional<int64_t> integer(const char* name) const {
    auto* v = args.if_contains(name);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX))
      return static_cast<int64_t>(v->get_uint64());
    throw error{errc::bad_request,
                std::string{"argument '"} + name + "' must be an integer"};
  }
  bool has(const char* name) const {
    auto* v = args.if_contains(name);
    return v != nullptr && !v->is_null();
  }
  uint32_t count(const char* name) const {
    auto* v = args.if_contains(name);
    if (v == nullptr || !(v->is_int64() || v->is_uint64()) ||
        (v->is_int64() && v->get_int64() < 0))
      throw error{errc::bad_request,
                  std::string{"argument '"} + name + "' must be a non-negative integer"};
    return static_cast<uint32_t>(v->is_int64() ? v->get_int64() : v->get_uint64());
  }
};

template <class T> T value_or_throw(expected<T> r) {
  if (!r) throw r.error();
  return std::move(*r);
}

// An enum argument `parse` read (parse_<enum>(name)); bad_request with `message` when
// it knew no such name.
template <class E> E parsed_or_throw(std::optional<E> value, const std::string& message) {
  if (!value) throw error{errc::bad_request, message};
  return *value;
}

using handler = std::function<json::value(engine&, const args_reader&)>;
using handler_table = std::map<std::string, handler>;

// The table plus the mail.* handlers (mail_commands.cpp).
handler_table with_mail_handlers(handler_table table);
// The table plus the reservation.* and lease.* handlers (reservation_commands.cpp).
handler_table with_reservation_handlers(handler_table table);
// The table plus the memory.* handlers (memory_commands.cpp).
handler_table with_memory_handlers(handler_table table);

} // namespace swarm
