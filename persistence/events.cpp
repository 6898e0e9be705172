#include "persistence/events.hpp"

#include "src/time_units.hpp"

#include <boost/json.hpp>

#include <array>
#include <chrono>
#include <cstring>

namespace json = boost::json;

namespace swarm::persistence {

namespace {

constexpr std::array<const char*, 40> kind_names = {
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
  "memory.reembedded", "memory.embedder",
};

// Field readers that throw std::invalid_argument with the field name; decode_event
// turns that into an error naming the journal row.
const json::value& field(const json::object& o, const char* name) {
  auto* v = o.if_contains(name);
  if (v == nullptr)
    throw std::invalid_argument(std::string{"missing field '"} + name + "'");
  return *v;
}

std::string str(const json::object& o, const char* name) {
  const auto& v = field(o, name);
  if (!v.is_string())
    throw std::invalid_argument(std::string{"field '"} + name + "' is not a string");
  return std::string{v.get_string()};
}

int64_t integer(const json::object& o, const char* name) {
  const auto& v = field(o, name);
  if (v.is_int64())
    return v.get_int64();
  if (v.is_uint64())
    return static_cast<int64_t>(v.get_uint64());
  throw std::invalid_argument(std::string{"field '"} + name + "' is not an integer");
}

std::vector<std::string> strings(const json::object& o, const char* name) {
  const auto& v = field(o, name);
  if (!v.is_array())
    throw std::invalid_argument(std::string{"field '"} + name + "' is not an array");
  std::vector<std::string> out;
  out.reserve(v.get_array().size());
  for (const auto& x : v.get_array()) {
    if (!x.is_string())
      throw std::invalid_argument(std::string{"field '"} + name + "' holds a non-string");
    out.emplace_back(x.get_string());
  }
  return out;
}

task_state state_field(const json::object& o) {
  auto s = parse_task_state(str(o, "state"));
  if (!s)
    throw std::invalid_argument("field 'state' is not a task state");
  return *s;
}

// Writes a flat JSON object straight into a string. Task events are most of the
// journal; building a json::object per event only to serialize it showed in profiles.
// Strings are escaped as boost::json::serialize does (quote, backslash, control
// characters; other bytes pass through), so decode_event reads them back unchanged.
class body_writer {
public:
  body_writer() { out_.reserve(256); }

  body_writer& text(const char* key, std::string_view v) {
    name(key);
    quoted(v);
    return *this;
  }
  body_writer& number(const char* key, int64_t v) {
    name(key);
    out_ += std::to_string(v);
    return *this;
  }
  body_writer& boolean(const char* key, bool v) {
    name(key);
    out_ += v ? "true" : "false";
    return *this;
  }
  body_writer& texts(const char* key, const std::vector<std::string>& v) {
    name(key);
    out_ += '[';
    for (size_t i = 0; i < v.size(); ++i) {
      if (i > 0)
        out_ += ',';
      quoted(v[i]);
    }
    out_ += ']';
    return *this;
  }
  std::string finish() {
    out_ += out_.empty() ? "{}" : "}";
    return std::move(out_);
  }

private:
  void name(const char* key) {
    out_ += out_.empty() ? "{\"" : ",\"";
    out_ += key;
    out_ += "\":";
  }
  void quoted(std::string_view v) {
    static constexpr char hex[] = "0123456789abcdef";
    out_ += '"';
    for (char c : v) {
      auto u = static_cast<unsigned char>(c);
      switch (c) {
      case '"': out_ += "\\\""; break;
      case '\\': out_ += "\\\\"; break;
      case '\b': out_ += "\\b"; break;
      case '\f': out_ += "\\f"; break;
      case '\n': out_ += "\\n"; break;
      case '\r': out_ += "\\r"; break;
      case '\t': out_ += "\\t"; break;
      default:
        if (u < 0x20) {
          out_ += "\\u00";
          out_ += hex[u >> 4];
          out_ += hex[u & 0xf];
        } else {
          out_ += c;
        }
      }
    }
    out_ += '"';
  }

  std::string out_;
};

std::string encode(const task_created_body& b) {
  const auto& s = b.spec;
  return body_writer{}
    .text("id", s.id)
    .text("parent", s.parent)
    .text("title", s.title)
    .text("description", s.description)
    .texts("depends", s.depends)
    .texts("related", s.related)
    .texts("discovered_from", s.discovered_from)
    .texts("skills", s.skills)
    .number("priority", s.priority)
    .texts("files", s.files)
    .number("estimate_minutes", s.estimate_minutes)
    .text("source", s.source)
    .boolean("leaf", b.leaf)
    .finish();
}

std::string encode(const task_update_body& b) {
  body_writer w;
  w.text("id", b.id)
    .text("state", to_string(b.state))
    .number("attempts", b.attempts)
    .text("agent", b.agent)
    .number("lease_expires_us", b.lease_expires_us)
    .text("result", b.result);
  if (!b.session.empty())
    w.text("session", b.session);
  if (!b.failure.empty())
    w.text("failure", b.failure);
  if (b.claim_token != 0)
    w.number("claim_token", static_cast<int64_t>(b.claim_token));
  return w.finish();
}

task_created_body decode_created(const json::object& o) {
  task_created_body b;
  b.spec.id = str(o, "id");
  b.spec.parent = str(o, "parent");
  b.spec.title = str(o, "title");
  b.spec.description = str(o, "description");
  b.spec.depends = strings(o, "depends");
  if (o.contains("related")) // journals before schema 4 have neither
    b.spec.related = strings(o, "related");
  if (o.contains("discovered_from"))
    b.spec.discovered_from = strings(o, "discovered_from");
  b.spec.skills = strings(o, "skills");
  b.spec.priority = static_cast<int>(integer(o, "priority"));
  b.spec.files = strings(o, "files");
  b.spec.estimate_minutes = static_cast<uint32_t>(integer(o, "estimate_minutes"));
  b.spec.source = str(o, "source");
  const auto& leaf = field(o, "leaf");
  if (!leaf.is_bool())
    throw std::invalid_argument("field 'leaf' is not a boolean");
  b.leaf = leaf.get_bool();
  return b;
}

task_update_body decode_update(const json::object& o) {
  task_update_body b;
  b.id = str(o, "id");
  b.state = state_field(o);
  b.attempts = static_cast<uint32_t>(integer(o, "attempts"));
  b.agent = str(o, "agent");
  b.lease_expires_us = integer(o, "lease_expires_us");
  b.result = str(o, "result");
  if (o.contains("session"))
    b.session = str(o, "session");
  if (o.contains("failure"))
    b.failure = str(o, "failure");
  if (o.contains("claim_token")) // journals before schema 7 have none
    b.claim_token = static_cast<uint64_t>(integer(o, "claim_token"));
  return b;
}

bool is_task_update(event_kind k) {
  return (k >= event_kind::task_claimed && k <= event_kind::task_renewed) ||
         k == event_kind::task_cancelled || k == event_kind::task_reopened;
}

} // namespace

const char* to_string(event_kind k) noexcept {
  auto i = static_cast<size_t>(k);
  return i < kind_names.size() ? kind_names[i] : "unknown";
}

std::optional<event_kind> parse_event_kind(std::string_view name) noexcept {
  for (size_t i = 1; i < kind_names.size(); ++i)
    if (name == kind_names[i])
      return static_cast<event_kind>(i);
  return std::nullopt;
}

event make_task_created(const task_spec& spec, bool leaf, int64_t ts_us) {
  event e{event_kind::task_created, ts_us, task_created_body{spec, leaf}, {}};
  e.json = encode(std::get<task_created_body>(e.body));
  return e;
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
  auto text = encode(b);
  return event{kind, ts_us, std::move(b), std::move(text)};
}

event make_event(event_kind kind, json::object body, int64_t ts_us) {
  auto text = json::serialize(body);
  return event{kind, ts_us, std::move(body), std::move(text)};
}

std::string encode_body(const event& e) {
  if (!e.json.empty())
    return e.json;
  return std::visit(
    [](const auto& b) -> std::string {
      using body_type = std::decay_t<decltype(b)>;
      if constexpr (std::is_same_v<body_type, json::object>)
        return json::serialize(b);
      else
        return encode(b);
    },
    e.body);
}

expected<event> decode_event(std::string_view kind, int64_t ts_us, std::string_view body,
                             int64_t seq) {
  auto where = [&] { return "journal event #" + std::to_string(seq) + " (" +
                            std::string{kind} + "): "; };
  auto k = parse_event_kind(kind);
  if (!k)
    return make_error(errc::storage_error,
                      where() + "unknown event kind; was it written by a newer swarm?");
  json::error_code ec;
  auto v = json::parse(json::string_view{body.data(), body.size()}, ec);
  if (ec || !v.is_object())
    return make_error(errc::storage_error, where() + "body is not a JSON object");
  try {
    auto& o = v.get_object();
    if (*k == event_kind::task_created)
      return event{*k, ts_us, decode_created(o), {}};
    if (is_task_update(*k))
      return event{*k, ts_us, decode_update(o), {}};
    return event{*k, ts_us, std::move(o), {}};
  } catch (const std::exception& e) {
    return make_error(errc::storage_error, where() + e.what());
  }
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

json::array json_strings(const std::vector<std::string>& v) {
  json::array a;
  a.reserve(v.size());
  for (const auto& s : v)
    a.emplace_back(s);
  return a;
}

int64_t now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace swarm::persistence
