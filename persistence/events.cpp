#include "persistence/events.hpp"

#include "src/clock.hpp"

#include "src/enum_names.hpp"
#include "src/time_units.hpp"

#include <boost/json/array.hpp>

#include <array>
#include <chrono>
#include <cstring>

namespace swarm::persistence {

namespace {

constexpr detail::dense_names<event_kind_limit> kind_names = {
  "unknown",         "engine.started", "plan.loaded",      "task.created",
  "task.claimed",    "task.completed", "task.failed",      "task.released",
  "task.rolled_up",  "task.renewed",   "agent.registered", "agent.stopped",
  "run.started",     "run.finished",   "model.started",    "model.finished",
  "agent.heartbeat", "agent.state",    "task.updated",     "task.cancelled",
  "task.reopened",   "task.deferred",  "dep.added",        "dep.removed",
  "mail.sent",       "mail.read",      "mail.acked",       "mail.followed",
  "reservation.granted", "reservation.renewed", "reservation.released",
  "lease.acquired",  "lease.renewed",  "lease.released",
  "memory.added",    "memory.forgotten", "memory.reinforced", "memory.accessed",
  "memory.reembedded", "memory.embedder",  "run.budget", "quality.snapshot",
  "quality.baseline",
};

} // namespace

const char* to_string(event_kind k) noexcept {
  return detail::name_at(kind_names, k);
}

std::optional<event_kind> parse_event_kind(std::string_view name) noexcept {
  return detail::value_at<event_kind>(kind_names, name);
}

event make_task_created(const task_spec& spec, bool leaf, int64_t ts_us) {
  return make_event(task_created_body{spec, leaf}, ts_us);
}

event make_task_update(event_kind kind, const task& t, std::string agent, int64_t ts_us) {
  task_update_body b;
  b.id = t.spec.id;
  b.state = t.state;
  b.attempts = t.attempts;
  b.agent = std::move(agent);
  b.lease_expires_us = to_us(t.lease_expires);
  b.result = t.result;
  b.claim_token = t.claim_token;
  if (t.state == task_state::claimed)
    b.session = t.claim_session;
  if (kind == event_kind::task_failed || kind == event_kind::task_released)
    b.failure = t.failure;
  event e{kind, ts_us, std::move(b), {}};
  e.json = encode_body(e.body);
  return e;
}

namespace {

constexpr char b64_alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Decodes padded base64; false on any other character or a bad length.
bool b64_decode(std::string_view text, std::string& out) {
  if (text.size() % 4 != 0) return false;
  out.clear();
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    uint32_t n = 0;
    int pad = 0;
    for (size_t j = 0; j < 4; ++j) {
      char c = text[i + j];
      int v = 0;
      if (c == '=' && i + 4 == text.size() && j >= 2) {
        ++pad;
      } else {
        if (pad > 0) return false;
        v = b64_value(c);
        if (v < 0) return false;
      }
      n = (n << 6) | static_cast<uint32_t>(v);
    }
    out.push_back(static_cast<char>((n >> 16) & 0xff));
    if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(n & 0xff));
  }
  return true;
}

} // namespace

std::string encode_vector(const std::vector<float>& v) {
  static_assert(sizeof(float) == 4, "float32 expected");
  std::string bytes(v.size() * 4, '\0');
  for (size_t i = 0; i < v.size(); ++i) {
    uint32_t u = 0;
    std::memcpy(&u, &v[i], 4);
    for (size_t b = 0; b < 4; ++b)
      bytes[i * 4 + b] = static_cast<char>((u >> (8 * b)) & 0xff);
  }
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(b64_alphabet[(n >> 18) & 63]);
    out.push_back(b64_alphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? b64_alphabet[(n >> 6) & 63] : '=');
    out.push_back(i + 2 < bytes.size() ? b64_alphabet[n & 63] : '=');
  }
  return out;
}

std::string base64_bytes(std::string_view text) {
  std::string out;
  if (!b64_decode(text, out)) out.clear();
  return out;
}

expected<std::vector<float>> decode_vector(std::string_view text) {
  std::string bytes;
  if (!b64_decode(text, bytes) || bytes.size() % 4 != 0)
    return make_error(errc::bad_request, "a vector is not base64 of float32 values");
  std::vector<float> v(bytes.size() / 4);
  for (size_t i = 0; i < v.size(); ++i) {
    uint32_t u = 0;
    for (size_t b = 0; b < 4; ++b)
      u |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i * 4 + b])) << (8 * b);
    std::memcpy(&v[i], &u, 4);
  }
  return v;
}

boost::json::array json_strings(const std::vector<std::string>& v) {
  boost::json::array a;
  a.reserve(v.size());
  for (const auto& s : v)
    a.emplace_back(s);
  return a;
}

int64_t now_us() { return clock_now_us(); }

} // namespace swarm::persistence
