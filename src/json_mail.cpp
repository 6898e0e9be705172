// JSON shapes of agent mail (see swarm/json.hpp for the rules they follow).

#include <swarm/json.hpp>

#include "src/json_fields.hpp"
#include "src/json_shape.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include <cctype>

namespace swarm {

namespace json = boost::json;

namespace {

std::string unknown_category(const std::string& n) {
  std::string shown = n;
  for (auto& c : shown)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return "unknown category '" + shown + "'; use HANDOFF, BLOCKED, DECISION or INFO";
}

std::string unknown_importance(const std::string& n) {
  return "unknown importance '" + n + "'; use low, normal, high or urgent";
}

std::string unknown_copy_state(const std::string& n) {
  return "unknown state '" + n + "'; use unread, read or acked";
}

// A stored payload as JSON: parsed, {} when empty, the text itself when it is not JSON.
json::value payload_of(const std::string& text) {
  if (text.empty()) return json::object{};
  json::error_code ec;
  auto v = json::parse(text, ec);
  if (ec) return json::value(text);
  return v;
}

// The inverse of payload_of: the text back ("" for {}).
void read_payload(field_reader& r, const char* key, std::string& text) {
  const auto* p = r.raw(key);
  if (p == nullptr)
    text.clear();
  else if (p->is_string())
    text = std::string{p->get_string()};
  else if (p->is_object() && p->get_object().empty())
    text.clear();
  else
    text = json::serialize(*p);
}

} // namespace

template <class F> static void shape(F& f, mail_message& m) {
  f("id", m.id);
  f("type", m.type);
  f.named("category", m.category, parse_mail_category, unknown_category);
  f("from", m.from);
  f("to", m.to);
  f("cc", m.cc);
  f("bcc", m.bcc);
  f("broadcast", m.broadcast);
  f("thread", m.thread);
  f("subject", m.subject);
  f("body", m.body);
  f.custom("payload", m.payload, payload_of, read_payload);
  f.named("importance", m.importance, parse_mail_importance, unknown_importance);
  f("ack_required", m.ack_required);
  f("in_reply_to", m.in_reply_to);
  f("created_us", m.created);
}
SWARM_JSON_BY_SHAPE(mail_message)

template <class F> static void shape(F& f, mail_copy& c) {
  f.flat(c.m);
  f("recipient", c.recipient);
  f.named("state", c.state, parse_copy_state, unknown_copy_state);
  f("read_us", c.read);
  f("acked_us", c.acked);
}
SWARM_JSON_BY_SHAPE(mail_copy)

template <class F> static void shape(F& f, mail_draft& d) {
  f("type", d.type);
  f.named("category", d.category, parse_mail_category, unknown_category);
  f.required("from", d.from);
  f("to", d.to);
  f("cc", d.cc);
  f("bcc", d.bcc);
  f("broadcast", d.broadcast);
  f("thread", d.thread);
  f("subject", d.subject);
  f("body", d.body);
  f("payload", d.payload);
  f.named("importance", d.importance, parse_mail_importance, unknown_importance);
  f("ack_required", d.ack_required);
  f("in_reply_to", d.in_reply_to);
}
SWARM_JSON_BY_SHAPE(mail_draft)

template <class F> static void shape(F& f, inbox_filter& i) {
  f.named("state", i.state, parse_copy_state, unknown_copy_state);
  f("urgent", i.urgent_only);
  f("since_us", i.since);
  f("thread", i.thread);
  f("type", i.type);
  f("limit", i.limit);
}
SWARM_JSON_BY_SHAPE(inbox_filter)

template <class F> static void shape(F& f, mail_thread_summary& t) {
  f("thread", t.thread);
  f("subject", t.subject);
  f("messages", t.messages);
  f("last_us", t.last);
  f("unread", t.unread);
  f("unacked", t.unacked);
}
SWARM_JSON_BY_SHAPE(mail_thread_summary)

} // namespace swarm
