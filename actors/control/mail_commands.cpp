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
  if (auto bad = refusal(d)) return *bad;
  return reply(e.send_mail(*d));
}

expected<json::value> mail_reply(engine& e, const json::value& args) {
  field_reader r{args};
  const auto message = r.required_text("message");
  const auto from = r.required_text("from");
  const auto body = r.text("body");
  if (auto bad = refusal(r)) return *bad;
  return reply(e.reply_mail(message, from, body));
}

expected<json::value> mail_inbox(engine& e, const json::value& args) {
  auto f = from_json<inbox_filter>(args);
  field_reader r{args};
  const auto agent = r.required_text("agent");
  if (auto bad = refusal(r)) return *bad;
  if (!f) return f.error();
  return messages(e.inbox(agent, *f));
}

// read and ack: the same arguments.
expected<json::value> mark(engine& e, const json::value& args, bool ack) {
  field_reader r{args};
  const auto agent = r.required_text("agent");
  const auto message = r.required_text("message");
  if (auto bad = refusal(r)) return *bad;
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
  if (auto bad = refusal(r)) return *bad;
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
  if (auto bad = refusal(r)) return *bad;
  return messages(e.search_mail(query, agent, limit));
}

// The operator's view: every message (bcc hidden), or one agent's, newest first or
// best match first with a query.
expected<json::value> mail_list(engine& e, const json::value& args) {
  field_reader r{args};
  const auto agent = r.text("agent");
  const auto query = r.text("query");
  const auto thread = r.text("thread");
  const auto limit = r.count("limit", 50);
  if (auto bad = refusal(r)) return *bad;
  return messages(e.mail_messages(agent, query, thread, limit));
}

// Every conversation with its counts, the latest first.
expected<json::value> mail_threads(engine& e, const json::value& args) {
  field_reader r{args};
  const auto limit = r.count("limit", 1000);
  if (auto bad = refusal(r)) return *bad;
  auto list = e.mail_threads(limit);
  if (!list) return list.error();
  return answer({{"threads", json::value_from(*list)}});
}

expected<json::value> mail_export(engine& e, const json::value& args) {
  field_reader r{args};
  const auto dir = r.required_text("dir");
  if (auto bad = refusal(r)) return *bad;
  auto files = e.export_mail(dir);
  if (!files) return files.error();
  return answer(
      {{"dir", dir}, {"threads", files->size()}, {"files", json::value_from(*files)}});
}

expected<json::value> mail_follow(engine& e, const json::value& args) {
  field_reader r{args};
  const auto agent = r.required_text("agent");
  const bool on = !r.flag("stop");
  if (auto bad = refusal(r)) return *bad;
  auto changed = e.follow_mail(agent, on);
  if (!changed) return changed.error();
  return answer(
      {{"id", agent}, {"agent", agent}, {"following", on}, {"changed", *changed}});
}

expected<json::value> mail_unacked(engine& e, const json::value& args) {
  field_reader r{args};
  const auto older_than = r.millis("older_than_ms");
  if (auto bad = refusal(r)) return *bad;
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
      {"mail.list", mail_list},     {"mail.threads", mail_threads},
  };
  return table;
}

} // namespace swarm
