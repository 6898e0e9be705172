// JSON shapes of agent mail (see swarm/json.hpp for the rules they follow).

#include <swarm/json.hpp>

#include "src/json_fields.hpp"
#include "src/time_units.hpp"

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
std::string payload_text(const json::value& v) {
  const auto* p = v.is_object() ? v.get_object().if_contains("payload") : nullptr;
  if (p == nullptr || p->is_null()) return {};
  if (p->is_string()) return std::string{p->get_string()};
  if (p->is_object() && p->get_object().empty()) return {};
  return json::serialize(*p);
}

} // namespace

void tag_invoke(const json::value_from_tag&, json::value& jv, const mail_message& m) {
  jv = json::object{{"id", m.id},
                    {"type", m.type},
                    {"category", to_string(m.category)},
                    {"from", m.from},
                    {"to", json::value_from(m.to)},
                    {"cc", json::value_from(m.cc)},
                    {"bcc", json::value_from(m.bcc)},
                    {"broadcast", m.broadcast},
                    {"thread", m.thread},
                    {"subject", m.subject},
                    {"body", m.body},
                    {"payload", payload_of(m.payload)},
                    {"importance", to_string(m.importance)},
                    {"ack_required", m.ack_required},
                    {"in_reply_to", m.in_reply_to},
                    {"created_us", to_us(m.created)}};
}

expected<mail_message> from_json(json_to<mail_message>, const json::value& v) {
  field_reader r{v};
  mail_message m;
  m.id = r.text("id");
  m.type = r.text("type", m.type);
  m.category = r.named("category", m.category, parse_mail_category, unknown_category);
  m.from = r.text("from");
  m.to = r.texts("to");
  m.cc = r.texts("cc");
  m.bcc = r.texts("bcc");
  m.broadcast = r.flag("broadcast");
  m.thread = r.text("thread");
  m.subject = r.text("subject");
  m.body = r.text("body");
  m.payload = payload_text(v);
  m.importance = r.named("importance", m.importance, parse_mail_importance, unknown_importance);
  m.ack_required = r.flag("ack_required");
  m.in_reply_to = r.text("in_reply_to");
  m.created = r.moment("created_us");
  return r.finish(std::move(m));
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const mail_copy& c) {
  jv = json::value_from(c.m);
  auto& o = jv.as_object();
  o["recipient"] = c.recipient;
  o["state"] = to_string(c.state);
  o["read_us"] = to_us(c.read);
  o["acked_us"] = to_us(c.acked);
}

expected<mail_copy> from_json(json_to<mail_copy>, const json::value& v) {
  field_reader r{v};
  mail_copy c;
  c.m = r.as<mail_message>();
  c.recipient = r.text("recipient");
  c.state = r.named("state", c.state, parse_copy_state, unknown_copy_state);
  c.read = r.moment("read_us");
  c.acked = r.moment("acked_us");
  return r.finish(std::move(c));
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const mail_draft& d) {
  jv = json::object{{"type", d.type},
                    {"category", to_string(d.category)},
                    {"from", d.from},
                    {"to", json::value_from(d.to)},
                    {"cc", json::value_from(d.cc)},
                    {"bcc", json::value_from(d.bcc)},
                    {"broadcast", d.broadcast},
                    {"thread", d.thread},
                    {"subject", d.subject},
                    {"body", d.body},
                    {"payload", d.payload},
                    {"importance", to_string(d.importance)},
                    {"ack_required", d.ack_required},
                    {"in_reply_to", d.in_reply_to}};
}

expected<mail_draft> from_json(json_to<mail_draft>, const json::value& v) {
  field_reader r{v};
  mail_draft d;
  d.type = r.text("type");
  d.category = r.named("category", d.category, parse_mail_category, unknown_category);
  d.from = r.required_text("from");
  d.to = r.texts("to");
  d.cc = r.texts("cc");
  d.bcc = r.texts("bcc");
  d.broadcast = r.flag("broadcast");
  d.thread = r.text("thread");
  d.subject = r.text("subject");
  d.body = r.text("body");
  d.payload = r.text("payload");
  d.importance = r.named("importance", d.importance, parse_mail_importance, unknown_importance);
  d.ack_required = r.flag("ack_required");
  d.in_reply_to = r.text("in_reply_to");
  return r.finish(std::move(d));
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const inbox_filter& f) {
  jv = json::object{{"state", f.state ? to_string(*f.state) : ""},       {"urgent", f.urgent_only},
                    {"since_us", to_us(f.since)}, {"thread", f.thread},
                    {"type", f.type},         {"limit", f.limit}};
}

expected<inbox_filter> from_json(json_to<inbox_filter>, const json::value& v) {
  field_reader r{v};
  inbox_filter f;
  // "" (or none) is any state.
  if (auto state = r.text("state"); !state.empty())
    f.state = r.named("state", copy_state::unread, parse_copy_state, unknown_copy_state);
  f.urgent_only = r.flag("urgent");
  f.since = r.moment("since_us");
  f.thread = r.text("thread");
  f.type = r.text("type");
  f.limit = r.count("limit", f.limit);
  return r.finish(std::move(f));
}

} // namespace swarm
