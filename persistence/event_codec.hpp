#pragma once
// The two halves of the event codec, driven by one `fields(f, body)` function per body
// struct (event_format.cpp), which names each JSON key once, in the stored order:
//
//   f("key", v)                 always written; a missing key reads as the default
//   f.required("key", v)        always written; a missing key is an error
//   f.unless_default("key", v)  written only when v is not the default
//   f("key", optional)          written when set; read when present
//
// A value of the wrong type is always an error. Values: strings, integers, bool,
// double, task_state (as its name), vectors of these, and nested structs with their
// own `fields`. Internal to persistence/event_*.cpp; plain C++, any thread.

#include <swarm/types.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace swarm::persistence {

// JSON stored as it is in an event body: a value of another component's own shape.
struct json_text {
  std::string text; // one JSON value; empty is null
};

template <class T> struct is_vector : std::false_type {};
template <class T> struct is_vector<std::vector<T>> : std::true_type {};

// Writes the object straight into a string. Task events are most of the journal, and
// building a json::object per event only to serialize it showed in profiles. The text
// is what boost::json::serialize writes for the same object (strings escaped as it does,
// doubles formatted by it), so a journal reads the same whichever of the two wrote it.
class json_writer {
public:
  json_writer() {
    out_.reserve(256);
    out_ += '{';
  }

  template <class T> void operator()(const char* key, const T& v) {
    name(key);
    value(v);
  }
  template <class T> void operator()(const char* key, const std::optional<T>& v) {
    if (v) (*this)(key, *v);
  }
  template <class T> void required(const char* key, const T& v) { (*this)(key, v); }
  template <class T> void unless_default(const char* key, const T& v) {
    if (!(v == T{})) (*this)(key, v);
  }

  std::string finish() && {
    out_ += '}';
    return std::move(out_);
  }

private:
  void name(const char* key) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += '"';
    out_ += key;
    out_ += "\":";
  }

  template <class T> void value(const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      out_ += v ? "true" : "false";
    } else if constexpr (std::is_integral_v<T>) {
      if constexpr (std::is_signed_v<T>)
        out_ += std::to_string(static_cast<int64_t>(v));
      else
        out_ += std::to_string(static_cast<uint64_t>(v));
    } else if constexpr (std::is_floating_point_v<T>) {
      real(static_cast<double>(v));
    } else if constexpr (std::is_enum_v<T>) {
      quoted(to_string(v));
    } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
      quoted(v);
    } else if constexpr (std::is_same_v<T, json_text>) {
      out_ += v.text.empty() ? std::string_view{"null"} : std::string_view{v.text};
    } else if constexpr (is_vector<T>::value) {
      out_ += '[';
      for (size_t i = 0; i < v.size(); ++i) {
        if (i > 0) out_ += ',';
        value(v[i]);
      }
      out_ += ']';
    } else {
      out_ += '{';
      first_ = true;
      fields(*this, const_cast<T&>(v)); // the writer only reads: fields serves both ways
      first_ = false;
      out_ += '}';
    }
  }

  void quoted(std::string_view v);
  void real(double v);

  std::string out_;
  bool first_ = true;
};

// Reads the fields of a struct from a JSON object; the first problem stops it and is
// kept as text for the caller's error ("field 'id' is not a string").
class json_reader {
public:
  explicit json_reader(const boost::json::object& o) : o_(o) {}

  template <class T> void operator()(const char* key, T& v) {
    if (auto* j = find(key)) read(key, *j, v);
  }
  template <class T> void operator()(const char* key, std::optional<T>& v) {
    if (auto* j = find(key)) read(key, *j, v.emplace());
  }
  template <class T> void required(const char* key, T& v) {
    if (auto* j = find(key))
      read(key, *j, v);
    else if (problem_.empty())
      problem_ = std::string{"missing field '"} + key + "'";
  }
  template <class T> void unless_default(const char* key, T& v) { (*this)(key, v); }

  // Empty when every field read well.
  const std::string& problem() const { return problem_; }

private:
  const boost::json::value* find(const char* key) const {
    return problem_.empty() ? o_.if_contains(key) : nullptr;
  }

  template <class T> void read(const char* key, const boost::json::value& j, T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      if (j.is_bool())
        v = j.get_bool();
      else
        wrong(key, "a boolean");
    } else if constexpr (std::is_integral_v<T>) {
      if (j.is_int64())
        v = static_cast<T>(j.get_int64());
      else if (j.is_uint64())
        v = static_cast<T>(j.get_uint64());
      else
        wrong(key, "an integer");
    } else if constexpr (std::is_floating_point_v<T>) {
      if (j.is_double())
        v = static_cast<T>(j.get_double());
      else if (j.is_int64())
        v = static_cast<T>(j.get_int64());
      else if (j.is_uint64())
        v = static_cast<T>(j.get_uint64());
      else
        wrong(key, "a number");
    } else if constexpr (std::is_same_v<T, task_state>) {
      auto s = j.is_string() ? parse_task_state(j.get_string()) : std::nullopt;
      if (s)
        v = *s;
      else
        wrong(key, "a task state");
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (j.is_string())
        v.assign(j.get_string().data(), j.get_string().size());
      else
        wrong(key, "a string");
    } else if constexpr (std::is_same_v<T, json_text>) {
      v.text = j.is_null() ? std::string{} : boost::json::serialize(j);
    } else if constexpr (is_vector<T>::value) {
      if (!j.is_array()) return wrong(key, "an array");
      v.clear();
      v.reserve(j.get_array().size());
      for (const auto& x : j.get_array()) {
        read(key, x, v.emplace_back());
        if (!problem_.empty()) return;
      }
    } else {
      if (!j.is_object()) return wrong(key, "an object");
      json_reader inner{j.get_object()};
      fields(inner, v);
      if (!inner.problem_.empty())
        problem_ = std::string{"in field '"} + key + "': " + inner.problem_;
    }
  }

  void wrong(const char* key, const char* what) {
    problem_ = std::string{"field '"} + key + "' is not " + what;
  }

  const boost::json::object& o_;
  std::string problem_;
};

} // namespace swarm::persistence
