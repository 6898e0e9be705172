#pragma once
// Reading a JSON object field by field without exceptions: the decoders of
// <swarm/json.hpp> and the command handlers (actors/control/) both use it, so a bad
// argument reads the same wherever it is caught.
//
// A field_reader keeps the first problem it meets (errc::bad_request naming the field,
// in the command protocol's words: "missing argument 'id'", "argument 'to' must be an
// array of strings") and from then on still answers every read — with the fallback —
// so a decoder reads straight down its fields and checks once at the end:
//
//   field_reader r{v};
//   d.from = r.required_text("from");
//   d.to = r.texts("to");
//   return r.finish(std::move(d));
//
// Null reads as missing. Not thread-safe; lives for one decode.

#include <swarm/error.hpp>
#include <swarm/json.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace swarm {

class field_reader {
public:
  // A value that is not an object reads as an empty one, and is the first problem.
  // REQUIRES: `v` outlives the reader.
  explicit field_reader(const boost::json::value& v);

  bool has(const char* name) const { return field(name) != nullptr; }
  // The field as it stands; nullptr when missing or null.
  const boost::json::value* raw(const char* name) const { return field(name); }

  std::string text(const char* name, std::string fallback = {});
  std::optional<std::string> optional_text(const char* name);
  std::string required_text(const char* name);
  bool flag(const char* name, bool fallback = false);
  std::optional<bool> optional_flag(const char* name);
  std::vector<std::string> texts(const char* name);
  std::optional<std::vector<std::string>> optional_texts(const char* name);
  std::optional<int64_t> optional_integer(const char* name);
  int64_t integer(const char* name, int64_t fallback = 0);
  // A non-negative integer; missing is a problem too.
  uint32_t count(const char* name);
  std::optional<uint32_t> optional_count(const char* name);
  uint32_t count(const char* name, uint32_t fallback);
  // A non-negative integer of the full range; missing: 0.
  uint64_t natural(const char* name);
  // Any number; `must_be` ends the message ("argument 'x' must be <must_be>").
  double number(const char* name, double fallback, const char* must_be = "a number");
  // Times: the wire carries integers with the unit in the key. A duration in whole
  // milliseconds (`ttl_ms`) and a moment in unix microseconds (`until_us`).
  std::chrono::milliseconds millis(const char* name, std::chrono::milliseconds fallback = {});
  timestamp moment(const char* name, timestamp fallback = {});

  // An enum named by text: `parse` (a parse_<enum>) reads it; a name it does not know
  // is a problem, `unknown(name)` its message (it lists the valid names). Missing or
  // null: the fallback.
  template <class E, class Parse, class Unknown>
  E named(const char* name, E fallback, Parse parse, Unknown unknown) {
    auto text = optional_text(name);
    if (!text) return fallback;
    if (auto v = parse(*text)) return *v;
    fail(unknown(*text));
    return fallback;
  }

  // A nested value decoded by from_json<T>; its problem is this reader's.
  template <class T> T object(const char* name) {
    const auto* v = field(name);
    if (v == nullptr) return T{};
    if (!v->is_object()) {
      fail(std::string{"argument '"} + name + "' must be an object");
      return T{};
    }
    return keep(from_json<T>(*v));
  }
  template <class T> std::vector<T> list(const char* name) {
    std::vector<T> out;
    const auto* v = field(name);
    if (v == nullptr) return out;
    if (!v->is_array()) {
      fail(std::string{"argument '"} + name + "' must be an array");
      return out;
    }
    for (const auto& x : v->get_array())
      out.push_back(keep(from_json<T>(x)));
    return out;
  }
  // A field of any kind decoded by from_json<T>; missing: the fallback.
  template <class T> T decoded(const char* name, T fallback) {
    const auto* v = field(name);
    return v == nullptr ? std::move(fallback) : keep(from_json<T>(*v));
  }
  // The whole object decoded as T: for a type that carries another's keys flat.
  // REQUIRES: not a reader from within().
  template <class T> T as() { return keep(from_json<T>(*whole_)); }

  // A reader of the nested object `name` whose problems are this reader's; missing
  // reads as an empty object. REQUIRES: this reader outlives it.
  field_reader within(const char* name);

  // Records a problem the caller found (the first one is kept).
  void fail(std::string message);
  const std::optional<error>& problem() const { return problem_; }

  // `value`, or the first problem.
  template <class T> expected<T> finish(T value) {
    if (problem_) return *problem_;
    return expected<T>(std::move(value));
  }

private:
  field_reader(const boost::json::object& o, field_reader* parent)
      : whole_(nullptr), object_(&o), parent_(parent) {}
  const boost::json::value* field(const char* name) const;
  template <class T> T keep(expected<T> r) {
    if (r) return std::move(*r);
    fail(std::move(r).error().message);
    return T{};
  }

  const boost::json::value* whole_;
  const boost::json::object* object_;
  field_reader* parent_ = nullptr; // within(): problems go there
  std::optional<error> problem_;
};

// Which keys of one object the field_readers of this thread asked for while the log
// lives: the command protocol (actors/control/) refuses an argument its op did not
// read, whichever decoders and readers the op's handler used — the names come from the
// reads themselves, so they cannot drift from them. Only reads of that very object
// count (not of objects nested in it). One log per thread at a time; it must outlive
// no reader it is asked about.
class field_log {
public:
  // REQUIRES: no other field_log lives on this thread; `v` outlives the log.
  explicit field_log(const boost::json::value& v);
  ~field_log();
  field_log(const field_log&) = delete;
  field_log& operator=(const field_log&) = delete;

  // The object's keys no reader asked for, in the object's order.
  std::vector<std::string> unread() const;
  // Every name asked for, sorted.
  std::vector<std::string> asked() const;

private:
  friend class field_reader;
  // Called by every read: records `name` when `o` is the logged object.
  static void note(const boost::json::object* o, const char* name);

  const boost::json::object* object_;
  std::vector<std::string> asked_;
};

// Writing helpers of the encoders.

// Whole numbers as integers ("450", not "4.5E2"), others as doubles.
boost::json::value json_number(double d);
// Milliseconds from now (the system clock) until `expires_us`; 0 once it is past.
int64_t ms_left(int64_t expires_us);

} // namespace swarm
