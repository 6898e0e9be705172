#pragma once
// A public type's JSON shape, written once: one `shape(f, x)` function per type names
// each key once, in the order it is written, and serves both directions — shape_writer
// builds the object (value_from), shape_reader decodes it through a field_reader
// (from_json), so the two can never disagree on a key.
//
//   f("key", v)                     written always; read with v's current value as the
//                                   fallback when missing
//   f.required("key", v)            read: missing is a problem
//   f.named("key", e, parse, unknown)  an enum as its name (parse_<enum>; unknown(name)
//                                   is the problem's message); an optional enum is ""
//                                   when unset, both ways
//   f.compact("key", d)             a double written as an integer when whole
//   f.out("key", value)             written only: computed values ("expires_in_ms")
//   f.flat(x)                       another type's keys, flat in this object
//   f.within("key", fn)             a nested object whose keys fn(g) names with g
//   f.custom("key", v, encode, decode)  encode(v) -> json::value (null: omitted);
//                                   decode(field_reader&, key, v)
//
// Values by type: strings, bool, integers, doubles, std::vector<std::string>,
// swarm::timestamp (unix µs) and std::chrono::milliseconds (ms), std::optional of these,
// of double and of a type with its own shape (omitted when unset; missing or null reads
// unset), and any type with its own JSON shape (nested objects, arrays of
// them, enums with their own from_json). Internal to src/json_*.cpp; plain C++, any thread.

#include "src/json_fields.hpp"
#include "src/time_units.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace swarm {

namespace shape_detail {
template <class T> struct is_vector : std::false_type {};
template <class T> struct is_vector<std::vector<T>> : std::true_type {};
template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};
template <class T> struct is_optional_object : std::false_type {};
template <class T> struct is_optional_object<std::optional<T>> : std::is_class<T> {};
} // namespace shape_detail

class shape_writer {
public:
  explicit shape_writer(boost::json::object& o) : o_(o) {}

  template <class T> void operator()(const char* key, const T& v) {
    if constexpr (shape_detail::is_optional<T>::value) {
      if (v) put(key, value(*v));
    } else {
      put(key, value(v));
    }
  }
  template <class T> void required(const char* key, const T& v) { (*this)(key, v); }
  template <class E, class Parse, class Unknown>
  void named(const char* key, const E& e, Parse, Unknown) {
    put(key, to_string(e));
  }
  template <class E, class Parse, class Unknown>
  void named(const char* key, const std::optional<E>& e, Parse, Unknown) {
    put(key, e ? to_string(*e) : "");
  }
  void compact(const char* key, double d) { put(key, json_number(d)); }
  template <class T> void out(const char* key, const T& v) { put(key, value(v)); }
  template <class T> void flat(const T& x) {
    auto v = boost::json::value_from(x, o_.storage());
    for (auto& kv : v.as_object())
      o_[kv.key()] = std::move(kv.value());
  }
  template <class Fn> void within(const char* key, Fn fn) {
    shape_writer inner{o_[key].emplace_object()};
    fn(inner);
  }
  template <class T, class Encode, class Decode>
  void custom(const char* key, const T& v, Encode encode, Decode) {
    auto encoded = encode(v);
    if (!encoded.is_null()) put(key, std::move(encoded));
  }

private:
  // A shape names each key once: placed, never looked up and replaced.
  template <class V> void put(const char* key, V&& v) { o_.emplace(key, std::forward<V>(v)); }

  template <class T> boost::json::value value(const T& v) const {
    if constexpr (std::is_same_v<T, timestamp>)
      return to_us(v);
    else if constexpr (std::is_same_v<T, std::chrono::milliseconds>)
      return v.count();
    else
      return boost::json::value_from(v, o_.storage());
  }

  boost::json::object& o_;
};

// How many keys a shape writes at most: write_shape reserves them, so the object is
// sized once rather than grown and rehashed key by key.
class shape_counter {
public:
  size_t keys = 0;
  template <class T> void operator()(const char*, const T&) { ++keys; }
  template <class T> void required(const char*, const T&) { ++keys; }
  template <class E, class Parse, class Unknown> void named(const char*, const E&, Parse, Unknown) {
    ++keys;
  }
  void compact(const char*, double) { ++keys; }
  template <class T> void out(const char*, const T&) { ++keys; }
  template <class T> void flat(const T&) {} // rare; the object grows for these
  template <class Fn> void within(const char*, Fn) { ++keys; }
  template <class T, class Encode, class Decode>
  void custom(const char*, const T&, Encode, Decode) {
    ++keys;
  }
};

class shape_reader {
public:
  explicit shape_reader(field_reader& r) : r_(r) {}

  template <class T> void operator()(const char* key, T& v) { read(key, v); }
  void required(const char* key, std::string& v) { v = r_.required_text(key); }
  template <class E, class Parse, class Unknown>
  void named(const char* key, E& e, Parse parse, Unknown unknown) {
    e = r_.named(key, e, parse, unknown);
  }
  // "" (or none) is unset.
  template <class E, class Parse, class Unknown>
  void named(const char* key, std::optional<E>& e, Parse parse, Unknown unknown) {
    if (r_.text(key).empty())
      e.reset();
    else
      e = r_.named(key, E{}, parse, unknown);
  }
  void compact(const char* key, double& d) { d = r_.number(key, d); }
  template <class T> void out(const char*, const T&) {}
  template <class T> void flat(T& x) { x = r_.as<T>(); }
  template <class Fn> void within(const char* key, Fn fn) {
    auto nested = r_.within(key);
    shape_reader inner{nested};
    fn(inner);
  }
  template <class T, class Encode, class Decode>
  void custom(const char* key, T& v, Encode, Decode decode) {
    decode(r_, key, v);
  }

private:
  template <class T> void read(const char* key, T& v) {
    using shape_detail::is_optional;
    using shape_detail::is_vector;
    if constexpr (std::is_same_v<T, std::string>)
      v = r_.text(key, v);
    else if constexpr (std::is_same_v<T, bool>)
      v = r_.flag(key, v);
    else if constexpr (std::is_same_v<T, uint32_t>)
      v = r_.count(key, v);
    else if constexpr (std::is_same_v<T, uint64_t>)
      v = r_.has(key) ? r_.natural(key) : v;
    else if constexpr (std::is_integral_v<T>)
      v = static_cast<T>(r_.integer(key, v));
    else if constexpr (std::is_same_v<T, double>)
      v = r_.number(key, v);
    else if constexpr (std::is_same_v<T, timestamp>)
      v = r_.moment(key, v);
    else if constexpr (std::is_same_v<T, std::chrono::milliseconds>)
      v = r_.millis(key, v);
    else if constexpr (std::is_same_v<T, std::vector<std::string>>)
      v = r_.texts(key);
    else if constexpr (is_vector<T>::value)
      v = r_.list<typename T::value_type>(key);
    else if constexpr (std::is_same_v<T, std::optional<std::string>>)
      v = r_.optional_text(key);
    else if constexpr (std::is_same_v<T, std::optional<bool>>)
      v = r_.optional_flag(key);
    else if constexpr (std::is_same_v<T, std::optional<uint32_t>>)
      v = r_.optional_count(key);
    else if constexpr (std::is_same_v<T, std::optional<std::vector<std::string>>>)
      v = r_.optional_texts(key);
    else if constexpr (std::is_same_v<T, std::optional<double>>)
      v = r_.has(key) ? std::optional<double>{r_.number(key, 0)} : std::nullopt;
    else if constexpr (std::is_same_v<T, std::optional<std::chrono::milliseconds>>)
      v = r_.has(key) ? std::optional<std::chrono::milliseconds>{r_.millis(key)}
                      : std::nullopt;
    else if constexpr (shape_detail::is_optional_object<T>::value)
      v = r_.has(key) ? T{r_.object<typename T::value_type>(key)} : std::nullopt;
    else if constexpr (is_optional<T>::value)
      static_assert(!is_optional<T>::value, "no reading for this optional");
    else if constexpr (std::is_enum_v<T>)
      v = r_.decoded(key, v); // an enum with its own from_json (task_state)
    else
      v = r_.object<T>(key);
  }

  field_reader& r_;
};

// The value_from and from_json of a type with a `shape` function.
template <class T> void write_shape(boost::json::value& jv, const T& x) {
  // The counter and the writer only read: shape serves both ways.
  shape_counter n;
  shape(n, const_cast<T&>(x));
  auto& o = jv.emplace_object();
  o.reserve(n.keys);
  shape_writer w{o};
  shape(w, const_cast<T&>(x));
}

template <class T> expected<T> read_shape(const boost::json::value& v) {
  field_reader r{v};
  T x;
  shape_reader s{r};
  shape(s, x);
  return r.finish(std::move(x));
}

// Defines T's value_from and from_json (declared in <swarm/json.hpp>) by its shape.
#define SWARM_JSON_BY_SHAPE(T)                                                        \
  void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv,         \
                  const T& x) {                                                       \
    write_shape(jv, x);                                                               \
  }                                                                                   \
  expected<T> from_json(json_to<T>, const boost::json::value& v) {                    \
    return read_shape<T>(v);                                                          \
  }

} // namespace swarm
