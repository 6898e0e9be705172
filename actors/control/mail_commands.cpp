// The mail.* commands of the control protocol.

#include "actors/control/dispatch_support.hpp"

#include <algorithm>
#include <cctype>

namespace swarm {

namespace {

json::object message_to_json(const mail_message& m) {
  json::value payload = json::object{};
  if (!m.payload.empty()) {
    boost::system::error_code ec;
    payload = json::parse(m.payload, ec);
    if (ec) payload = m.payload;
  }
  return json::object{{"id", m.id},
                      {"type", m.type},
                      {"category", to_string(m.category)},
                      {"from", m.from},
                      {"to", to_array(m.to)},
                      {"cc", to_array(m.cc)},
                      {"bcc", to_array(m.bcc)},
                      {"broadcast", m.broadcast},
                      {"thread", m.thread},
                      {"subject", m.subject},
                      {"body", m.body},
                      {"payload", std::move(payload)},
                      {"importance", to_string(m.importance)},
                      {"ack_required", m.ack_required},
                      {"in_reply_to", m.in_reply_to},
                      {"created_us", to_us(m.created)}};
}

json::object copy_to_json(const mail_copy& c) {
  auto o = message_to_json(c.m);
  o["recipient"] = c.recipient;
  o["state"] = to_string(c.state);
  o["read_us"] = to_us(c.read);
  o["acked_us"] = to_us(c.acked);
  return o;
}

json::object copies_to_json(const std::vector<mail_copy>& copies) {
  json::array out;
  out.reserve(copies.size());
  for (const auto& c : copies)
    out.push_back(copy_to_json(c));
  return json::object{{"messages", std::move(out)}};
}

mail_category category_arg(const args_reader& a) {
  auto name = a.text("category", false).value_or("");
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return parsed_or_throw(parse_mail_category(name),
                         "unknown category '" + name +
                             "'; use HANDOFF, BLOCKED, DECISION or INFO");
}

mail_importance importance_arg(const args_reader& a) {
  const auto name = a.text("importance", false).value_or("normal");
  return parsed_or_throw(parse_mail_importance(name),
                         "unknown importance '" + name +
                             "'; use low, normal, high or urgent");
}

} // namespace

handler_table with_mail_handlers(handler_table table) {
  table.emplace("mail.send", [](engine& e, const args_reader& a) -> json::value {
    mail_draft d;
    d.type = a.text("type", false).value_or("");
    d.category = category_arg(a);
    d.from = *a.text("from", true);
    d.to = a.texts("to");
    d.cc = a.texts("cc");
    d.bcc = a.texts("bcc");
    d.broadcast = a.flag("broadcast");
    d.thread = a.text("thread", false).value_or("");
    d.subject = a.text("subject", false).value_or("");
    d.body = a.text("body", false).value_or("");
    d.payload = a.text("payload", false).value_or("");
    d.importance = importance_arg(a);
    d.ack_required = a.flag("ack_required");
    d.in_reply_to = a.text("in_reply_to", false).value_or("");
    return message_to_json(value_or_throw(e.send_mail(d)));
  });
  table.emplace("mail.reply", [](engine& e, const args_reader& a) -> json::value {
    return message_to_json(
        value_or_throw(e.reply_mail(*a.text("message", true), *a.text("from", true),
                                    a.text("body", false).value_or(""))));
  });
  table.emplace("mail.inbox", [](engine& e, const args_reader& a) -> json::value {
    inbox_filter f;
    if (auto state = a.text("state", false); state && !state->empty())
      f.state =
          parsed_or_throw(parse_copy_state(*state),
                          "unknown state '" + *state + "'; use unread, read or acked");
    f.urgent_only = a.flag("urgent");
    f.since = from_us(a.integer("since_us").value_or(0));
    f.thread = a.text("thread", false).value_or("");
    f.type = a.text("type", false).value_or("");
    if (a.has("limit")) f.limit = a.count("limit");
    return copies_to_json(value_or_throw(e.inbox(*a.text("agent", true), f)));
  });
  table.emplace("mail.read", [](engine& e, const args_reader& a) -> json::value {
    return copy_to_json(
        value_or_throw(e.read_mail(*a.text("agent", true), *a.text("message", true))));
  });
  table.emplace("mail.ack", [](engine& e, const args_reader& a) -> json::value {
    return copy_to_json(
        value_or_throw(e.ack_mail(*a.text("agent", true), *a.text("message", true))));
  });
  table.emplace("mail.thread", [](engine& e, const args_reader& a) -> json::value {
    const auto id = *a.text("id", true);
    auto list = value_or_throw(e.mail_thread(id, a.text("agent", false).value_or("")));
    json::array out;
    for (const auto& m : list)
      out.push_back(message_to_json(m));
    const std::string thread = list.empty() ? id : list.front().thread;
    return json::object{{"id", thread}, {"messages", std::move(out)}};
  });
  table.emplace("mail.search", [](engine& e, const args_reader& a) -> json::value {
    auto list =
        value_or_throw(e.search_mail(*a.text("query", true), *a.text("agent", true),
                                     a.has("limit") ? a.count("limit") : 50));
    json::array out;
    for (const auto& m : list)
      out.push_back(message_to_json(m));
    return json::object{{"messages", std::move(out)}};
  });
  table.emplace("mail.export", [](engine& e, const args_reader& a) -> json::value {
    const auto dir = *a.text("dir", true);
    auto files = value_or_throw(e.export_mail(dir));
    return json::object{
        {"dir", dir}, {"threads", files.size()}, {"files", to_array(files)}};
  });
  table.emplace("mail.follow", [](engine& e, const args_reader& a) -> json::value {
    const auto agent = *a.text("agent", true);
    const bool on = !a.flag("stop");
    const bool changed = value_or_throw(e.follow_mail(agent, on));
    return json::object{
        {"id", agent}, {"agent", agent}, {"following", on}, {"changed", changed}};
  });
  table.emplace("mail.unacked", [](engine& e, const args_reader& a) -> json::value {
    return copies_to_json(
        value_or_throw(e.unacked_mail(
            std::chrono::milliseconds{a.integer("older_than_ms").value_or(0)})));
  });
  return table;
}

} // namespace swarm
