#include "cli/mail_commands.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace json = boost::json;

namespace swarm::cli {

namespace {


std::string names(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& x : v)
    out += (out.empty() ? "" : ", ") + x;
  return out;
}

// Replies carry messages or one recipient's copies (a copy names its recipient).
bool is_copy(const mail_copy& c) {
  return !c.recipient.empty();
}

void print_message(const mail_copy& c) {
  const auto& m = c.m;
  std::cout << m.id << "  " << utc_text(m.created) << " UTC  " << to_string(m.importance);
  if (m.category != mail_category::none) std::cout << "  " << to_string(m.category);
  if (m.ack_required) std::cout << "  (ack required)";
  std::cout << "\n  from: " << m.from
            << "\n  to: " << (m.broadcast ? "everyone (broadcast)" : names(m.to)) << "\n";
  if (!m.cc.empty()) std::cout << "  cc: " << names(m.cc) << "\n";
  if (!m.bcc.empty()) std::cout << "  bcc: " << names(m.bcc) << "\n";
  std::cout << "  type: " << m.type << "   thread: " << m.thread << "\n"
            << "  subject: " << m.subject << "\n";
  if (is_copy(c)) std::cout << "  state: " << to_string(c.state) << "\n";
  if (!m.body.empty()) std::cout << "\n" << m.body << "\n";
}

void print_one(const json::value& v) {
  if (auto c = reply_as<mail_copy>(v)) print_message(*c);
}

void print_list(const json::value& v) {
  auto list = reply_list<mail_copy>(v, "messages");
  if (!list) return;
  for (const auto& c : *list) {
    const auto& m = c.m;
    std::printf(
        "%-10s %-7s %-8s %-16s %s\n", m.id.c_str(), is_copy(c) ? to_string(c.state) : "",
        m.category == mail_category::none ? "-" : to_string(m.category), m.from.c_str(),
        m.subject.c_str());
  }
  if (list->empty()) std::cout << "no messages\n";
}

// Copies awaiting an ack: who owes it, for what, since when.
void print_unacked(const json::value& v) {
  auto list = reply_list<mail_copy>(v, "messages");
  if (!list) return;
  for (const auto& c : *list)
    std::printf("%-10s %-16s owes %-16s an ack since %s UTC: %s\n", c.m.id.c_str(),
                c.recipient.c_str(), c.m.from.c_str(), utc_text(c.m.created).c_str(),
                c.m.subject.c_str());
  if (list->empty()) std::cout << "nothing awaits an ack\n";
}

void print_thread(const json::value& v) {
  auto list = reply_list<mail_copy>(v, "messages");
  if (!list) return;
  std::cout << "thread " << text_of(v, "id") << "\n";
  for (const auto& c : *list) {
    std::cout << "\n";
    print_message(c);
  }
}

} // namespace

void register_mail_commands(CLI::App& app, mail_commands& mc) {
  auto* mail =
      app.add_subcommand("mail", "agent mail: send, reply, inbox, read, ack, thread");
  mail->require_subcommand(1);
  mc.send = mail->add_subcommand("send", "send a message");
  mc.send->add_option("--from", mc.from, "sending agent")->required();
  mc.send->add_option("--to", mc.to, "recipient (repeat, or comma separated)")
      ->delimiter(',');
  mc.send->add_option("--cc", mc.cc, "copy to (repeat, or comma separated)")
      ->delimiter(',');
  mc.send->add_option("--bcc", mc.bcc, "blind copy to (only you see it)")->delimiter(',');
  mc.send->add_flag("--broadcast", mc.broadcast, "to every other registered agent");
  mc.send->add_option("--category", mc.category, "HANDOFF, BLOCKED, DECISION or INFO");
  mc.send->add_option("--type", mc.type,
                      "message type, e.g. task.handoff (default custom)");
  mc.send->add_option("--thread", mc.thread, "conversation id (default: a new one)");
  mc.send->add_option("--importance", mc.importance, "low, normal, high or urgent")
      ->capture_default_str();
  mc.send->add_flag("--ack", mc.ack, "require an acknowledgement");
  mc.send->add_option("--subject", mc.subject, "one line")->required();
  auto* body = mc.send->add_option("--body", mc.body, "Markdown text");
  auto* file =
      mc.send->add_option("--body-file", mc.body_file, "read the body from a file");
  body->excludes(file);
  mc.send->add_option("--payload", mc.payload, "a JSON object");
  mc.reply = mail->add_subcommand("reply", "answer a message in its thread");
  mc.reply->add_option("message", mc.message, "message id")->required();
  mc.reply->add_option("--from", mc.from, "replying agent")->required();
  mc.reply->add_option("--body", mc.body, "Markdown text");
  mc.inbox = mail->add_subcommand("inbox", "an agent's messages, newest first");
  mc.inbox->add_option("--agent", mc.agent, "whose inbox")->required();
  mc.inbox->add_option("--state", mc.state, "unread, read or acked");
  mc.inbox->add_flag("--urgent", mc.urgent, "urgent messages only");
  mc.inbox->add_option("--since", mc.since, "sent within this long, e.g. 10m");
  mc.inbox->add_option("--thread", mc.thread, "one conversation");
  mc.inbox->add_option("--type", mc.type, "one message type");
  mc.inbox->add_option("--limit", mc.limit, "at most this many (1..1000)")
      ->capture_default_str();
  mc.read = mail->add_subcommand("read", "mark a message read");
  mc.ack_cmd = mail->add_subcommand("ack", "acknowledge a message (also marks it read)");
  for (auto* c : {mc.read, mc.ack_cmd}) {
    c->add_option("--agent", mc.agent, "the recipient")->required();
    c->add_option("--message", mc.message, "message id")->required();
  }
  mc.thread_cmd = mail->add_subcommand("thread", "a whole conversation, in order");
  mc.thread_cmd->add_option("id", mc.message, "thread id or any of its message ids")
      ->required();
  mc.thread_cmd->add_option("--agent", mc.agent, "viewer (sees the bcc of what it sent)");
  mc.unacked = mail->add_subcommand("unacked", "messages awaiting an ack");
  mc.unacked->add_option("--older-than", mc.older_than, "sent longer ago than, e.g. 10m")
      ->capture_default_str();
  mc.follow =
      mail->add_subcommand("follow", "get the swarm's own event mail (or --stop)");
  mc.follow->add_option("--agent", mc.agent, "who follows")->required();
  mc.follow->add_flag("--stop", mc.stop, "stop following");
  mc.export_cmd = mail->add_subcommand("export", "one Markdown file per thread, for git");
  mc.export_cmd->add_option("dir", mc.export_dir, "directory to write into")->required();
  mc.search = mail->add_subcommand("search", "full-text search in an agent's mail");
  mc.search
      ->add_option("query", mc.query,
                   "words or \"phrases\"; subject:, body:, from:, thread: narrow them")
      ->required();
  mc.search->add_option("--agent", mc.agent, "whose mail (sent or received)")->required();
  mc.search->add_option("--limit", mc.limit, "at most this many (1..1000)")
      ->capture_default_str();
  for (auto* c : {mc.send, mc.reply, mc.inbox, mc.read, mc.ack_cmd, mc.thread_cmd,
                  mc.unacked, mc.search, mc.export_cmd, mc.follow})
    add_common(c, mc.common);
}

std::optional<int> run_mail_commands(const mail_commands& mc) {
  const common_flags& f = mc.common;
  auto send = [&](const char* op, json::object args, void (*human)(const json::value&)) {
    return print_result(call(f, op, std::move(args), true), f.json_out, human);
  };
  if (mc.send->parsed()) {
    std::string body = mc.body;
    if (!mc.body_file.empty()) {
      std::ifstream in{mc.body_file, std::ios::binary};
      if (!in) return usage("cannot read --body-file " + mc.body_file);
      std::ostringstream s;
      s << in.rdbuf();
      body = s.str();
    }
    mail_draft d;
    d.from = mc.from;
    d.to = mc.to;
    d.cc = mc.cc;
    d.bcc = mc.bcc;
    d.broadcast = mc.broadcast;
    d.type = mc.type;
    d.thread = mc.thread;
    d.ack_required = mc.ack;
    d.subject = mc.subject;
    d.body = std::move(body);
    d.payload = mc.payload;
    auto args = args_of(d);
    pass_name(args, "category", mc.category);
    pass_name(args, "importance", mc.importance);
    return send("mail.send", std::move(args), print_one);
  }
  if (mc.reply->parsed())
    return send("mail.reply",
                {{"message", mc.message}, {"from", mc.from}, {"body", mc.body}},
                print_one);
  if (mc.read->parsed() || mc.ack_cmd->parsed())
    return send(mc.read->parsed() ? "mail.read" : "mail.ack",
                {{"agent", mc.agent}, {"message", mc.message}}, print_one);
  if (mc.inbox->parsed()) {
    inbox_filter filter;
    filter.urgent_only = mc.urgent;
    filter.thread = mc.thread;
    filter.type = mc.type;
    filter.limit = mc.limit;
    if (!mc.since.empty()) {
      auto ms = parse_duration_ms(mc.since);
      if (!ms) return usage("--since takes a duration such as 90s, 10m or 2h");
      using namespace std::chrono;
      filter.since = time_point_cast<microseconds>(system_clock::now()) - milliseconds{*ms};
    }
    auto args = args_of(filter);
    pass_name(args, "state", mc.state);
    args["agent"] = mc.agent;
    return print_result(call(f, "mail.inbox", std::move(args), false), f.json_out,
                        print_list);
  }
  if (mc.thread_cmd->parsed()) {
    json::object args{{"id", mc.message}};
    if (!mc.agent.empty()) args["agent"] = mc.agent;
    return print_result(call(f, "mail.thread", std::move(args), false), f.json_out,
                        print_thread);
  }
  if (mc.follow->parsed())
    return print_result(
        call(f, "mail.follow", {{"agent", mc.agent}, {"stop", mc.stop}}, true),
        f.json_out, [](const json::value& v) {
          std::cout << text_of(v, "agent")
                    << (v.at("following").as_bool()
                            ? " follows the swarm's event mail\n"
                            : " no longer follows the swarm's event mail\n");
        });
  if (mc.export_cmd->parsed())
    return print_result(call(f, "mail.export",
                             {{"dir", std::filesystem::absolute(mc.export_dir).string()}},
                             false),
                        f.json_out, [](const json::value& v) {
                          std::cout << text_of(v, "threads") << " thread(s) written to "
                                    << text_of(v, "dir") << "\n";
                        });
  if (mc.search->parsed())
    return print_result(
        call(f, "mail.search",
             {{"query", mc.query}, {"agent", mc.agent}, {"limit", mc.limit}}, false),
        f.json_out, print_list);
  if (mc.unacked->parsed()) {
    auto ms = parse_duration_ms(mc.older_than);
    if (!ms) return usage("--older-than takes a duration such as 90s, 10m or 2h");
    return print_result(call(f, "mail.unacked", {{"older_than_ms", *ms}}, false),
                        f.json_out, print_unacked);
  }
  return std::nullopt;
}

} // namespace swarm::cli
