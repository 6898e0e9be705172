#include "src/json_fields.hpp"

#include "src/clock.hpp"

#include "src/time_units.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

namespace swarm {

namespace {

const boost::json::object& empty_object() {
  static const boost::json::object none;
  return none;
}

std::string must_be(const char* name, const char* what) {
  return std::string{"argument '"} + name + "' must be " + what;
}

} // namespace

field_reader::field_reader(const boost::json::value& v)
    : whole_(&v), object_(v.if_object()) {
  if (object_ == nullptr) {
    object_ = &empty_object();
    fail("the value is not a JSON object");
  }
}

const boost::json::value* field_reader::field(const char* name) const {
  field_log::note(object_, name);
  const auto* v = object_->if_contains(name);
  return v == nullptr || v->is_null() ? nullptr : v;
}

void field_reader::fail(std::string message) {
  if (parent_ != nullptr)
    parent_->fail(std::move(message));
  else if (!problem_)
    problem_ = error{errc::bad_request, std::move(message)};
}

field_reader field_reader::within(const char* name) {
  const auto* v = field(name);
  if (v != nullptr && !v->is_object()) fail(must_be(name, "an object"));
  const auto* o = v != nullptr ? v->if_object() : nullptr;
  return field_reader{o != nullptr ? *o : empty_object(), this};
}

std::optional<std::string> field_reader::optional_text(const char* name) {
  const auto* v = field(name);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    fail(must_be(name, "a string"));
    return std::nullopt;
  }
  return std::string{v->get_string()};
}

std::string field_reader::text(const char* name, std::string fallback) {
  auto t = optional_text(name);
  return t ? std::move(*t) : std::move(fallback);
}

std::string field_reader::required_text(const char* name) {
  if (field(name) == nullptr) fail(std::string{"missing argument '"} + name + "'");
  return text(name);
}

std::optional<bool> field_reader::optional_flag(const char* name) {
  const auto* v = field(name);
  if (v == nullptr) return std::nullopt;
  if (!v->is_bool()) {
    fail(must_be(name, "true or false"));
    return std::nullopt;
  }
  return v->get_bool();
}

bool field_reader::flag(const char* name, bool fallback) {
  return optional_flag(name).value_or(fallback);
}

std::optional<std::vector<std::string>> field_reader::optional_texts(const char* name) {
  const auto* v = field(name);
  if (v == nullptr) return std::nullopt;
  std::vector<std::string> out;
  const auto* a = v->if_array();
  if (a != nullptr)
    for (const auto& x : *a) {
      if (!x.is_string()) {
        a = nullptr;
        break;
      }
      out.emplace_back(x.get_string());
    }
  if (a == nullptr) {
    fail(must_be(name, "an array of strings"));
    return std::nullopt;
  }
  return out;
}

std::vector<std::string> field_reader::texts(const char* name) {
  auto t = optional_texts(name);
  return t ? std::move(*t) : std::vector<std::string>{};
}

std::optional<int64_t> field_reader::optional_integer(const char* name) {
  const auto* v = field(name);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() &&
      v->get_uint64() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return static_cast<int64_t>(v->get_uint64());
  fail(must_be(name, "an integer"));
  return std::nullopt;
}

int64_t field_reader::integer(const char* name, int64_t fallback) {
  return optional_integer(name).value_or(fallback);
}

std::chrono::milliseconds field_reader::millis(const char* name,
                                              std::chrono::milliseconds fallback) {
  return std::chrono::milliseconds{integer(name, fallback.count())};
}

timestamp field_reader::moment(const char* name, timestamp fallback) {
  return from_us(integer(name, to_us(fallback)));
}

uint64_t field_reader::natural(const char* name) {
  const auto* v = field(name);
  if (v == nullptr) return 0;
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() >= 0) return static_cast<uint64_t>(v->get_int64());
  fail(must_be(name, "a non-negative integer"));
  return 0;
}

uint32_t field_reader::count(const char* name) {
  if (field(name) == nullptr) {
    fail(must_be(name, "a non-negative integer"));
    return 0;
  }
  // A count beyond 32 bits is taken modulo, as it always was: the engine checks ranges.
  return static_cast<uint32_t>(natural(name));
}

std::optional<uint32_t> field_reader::optional_count(const char* name) {
  if (field(name) == nullptr) return std::nullopt;
  return count(name);
}

uint32_t field_reader::count(const char* name, uint32_t fallback) {
  return optional_count(name).value_or(fallback);
}

double field_reader::number(const char* name, double fallback, const char* must) {
  const auto* v = field(name);
  if (v == nullptr) return fallback;
  if (v->is_double()) return v->get_double();
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  fail(must_be(name, must));
  return fallback;
}

namespace {
thread_local field_log* current_log = nullptr;
} // namespace

field_log::field_log(const boost::json::value& v) : object_(v.if_object()) {
  current_log = this;
}

field_log::~field_log() {
  current_log = nullptr;
}

void field_log::note(const boost::json::object* o, const char* name) {
  auto* log = current_log;
  if (log == nullptr || log->object_ != o) return;
  if (std::find(log->asked_.begin(), log->asked_.end(), name) == log->asked_.end())
    log->asked_.emplace_back(name);
}

std::vector<std::string> field_log::unread() const {
  std::vector<std::string> out;
  if (object_ == nullptr) return out;
  for (const auto& kv : *object_) {
    const std::string key{kv.key()};
    if (std::find(asked_.begin(), asked_.end(), key) == asked_.end()) out.push_back(key);
  }
  return out;
}

std::vector<std::string> field_log::asked() const {
  auto out = asked_;
  std::sort(out.begin(), out.end());
  return out;
}

boost::json::value json_number(double d) {
  if (std::abs(d) < 9e15 && d == std::floor(d)) return static_cast<int64_t>(d);
  return d;
}

int64_t ms_left(int64_t expires_us) {
  const int64_t now = clock_now_us();
  return expires_us > now ? (expires_us - now) / 1000 : 0;
}

} // namespace swarm
