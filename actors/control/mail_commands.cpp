// The mail.* commands of the control protocol.

#include "actors/control/dispatch_support.hpp"

namespace swarm {

namespace {

// A list of messages or copies as {"messages": [...]}.
template <class T> expected<json::value> messages(const expected<std::vector<T>>& list) {
  if (!list) return list.error();
  return answer({{"messages", json::value_from(*list)}});
}

expected<json::value> mail_send(engine& e, const json::value& args) {
  auto d = from_json<mail_draft>(args);
  if (!d) return d.error();
  return reply(e.send_mail(*d));
}

expected<json::value> mail_reply(engine& e, const json::value& args) {
  field_reader r{args};
  const auto message = r.required_text("message");
  const auto from = r.required_text("from");
  const auto body = r.text("body");
  if (r.problem()) return *r.problem();
  return reply(e.reply_mail(message, from, body));
}

expected<json::value> mail_inbox(engine& e, const json::value& args) {
  auto f = from_json<inbox_filter>(args);
  if (!f) return f.error();
  field_reader r{args};
  const auto agent = r.required_text("agent");
  if (r.problem()) return *r.problem();
  return messages(e.inbox(agent, *f));
}

// read and ack: the same arguments.
expected<json::value> mark(engine& e, const json::value& args, bool ack) {
  field_reader r{args};
  const auto agent = r.required_text("agent");
  const auto message = r.required_text("message");
  if (r.problem()) return *r.problem();
  return reply(ack ? e.ack_mail(agent, message) : e.read_mail(agent, message));
}

expected<json::value> mail_read(engine& e, const json::value& args) {
  return mark(e, args, false);
}

expected<json::value> mail_ack(engine& e, const json::value& args) {
  return mark(e, args, true);
}

expected<json::value> mail_thread(engine& e, const json::value& args) {
  field_reader r{args};
  const auto id = r.required_text("id");
  const auto viewer = r.text("agent");
  if (r.problem()) return *r.problem();
  auto list = e.mail_thread(id, viewer);
  if (!list) return list.error();
  const std::string thread = list->empty() ? id : list->front().thread;
  return answer({{"id", thread}, {"messages", json::value_from(*list)}});
}

expected<json::value> mail_search(engine& e, const json::value& args) {
  field_reader r{args};
  const auto query = r.required_text("query");
  const auto agent = r.required_text("agent");
  const auto limit = r.count("limit", 50);
  if (r.problem()) return *r.problem();
  return messages(e.search_mail(query, agent, limit));
}

expected<json::value> mail_export(engine& e, const json::value& args) {
  field_reader r{args};
  const auto dir = r.required_text("dir");
  if (r.problem()) return *r.problem();
  auto files = e.export_mail(dir);
  if (!files) return files.error();
  return answer(
      {{"dir", dir}, {"threads", files->size()}, {"files", json::value_from(*files)}});
}

expected<json::value> mail_follow(engine& e, const json::value& args) {
  field_reader r{args};
  const auto agent = r.required_text("agent");
  const bool on = !r.flag("stop");
  if (r.problem()) return *r.problem();
  auto changed = e.follow_mail(agent, on);
  if (!changed) return changed.error();
  return answer(
      {{"id", agent}, {"agent", agent}, {"following", on}, {"changed", *changed}});
}

expected<json::value> mail_unacked(engine& e, const json::value& args) {
  field_reader r{args};
  const auto older_than = r.millis("older_than_ms");
  if (r.problem()) return *r.problem();
  return messages(e.unacked_mail(older_than));
}

} // namespace

const std::vector<command>& mail_commands() {
  static const std::vector<command> table = {
      {"mail.send", mail_send},     {"mail.reply", mail_reply},
      {"mail.inbox", mail_inbox},   {"mail.read", mail_read},
      {"mail.ack", mail_ack},       {"mail.thread", mail_thread},
      {"mail.search", mail_search}, {"mail.export", mail_export},
      {"mail.follow", mail_follow}, {"mail.unacked", mail_unacked},
  };
  return table;
}

} // namespace swarm
