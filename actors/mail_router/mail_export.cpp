#include "actors/mail_router/mail_export.hpp"

#include "actors/mail_router/mailbox.hpp"
#include "src/hash.hpp"
#include "src/time_units.hpp"

#include <boost/json.hpp>

#include <cstdio>
#include <ctime>
#include <map>
#include <set>

namespace swarm {

namespace {

std::string utc(int64_t us) {
  const auto secs = static_cast<std::time_t>(us / 1'000'000);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&secs));
  return buf;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v)
    out += (out.empty() ? "" : ", ") + s;
  return out;
}

} // namespace

std::string thread_file_name(const std::string& thread) {
  std::string out;
  bool changed = thread.empty();
  for (unsigned char c : thread) {
    const bool keep = std::isalnum(c) || c == '.' || c == '_' || c == '-';
    out += keep ? static_cast<char>(c) : '_';
    changed = changed || !keep;
  }
  if (out.empty() || out[0] == '.') {
    out.insert(0, "t");
    changed = true;
  }
  if (changed) {
    char tag[10]; // FNV-1a 32: the same name on every run and platform
    std::snprintf(tag, sizeof tag, "-%08x", fnv1a_32(thread));
    out += tag;
  }
  return out + ".md";
}

std::vector<export_file>
render_mail_threads(const std::vector<mail_message>& messages,
                    const std::vector<persistence::stored_copy>& states) {
  std::map<std::pair<std::string, std::string>, const persistence::stored_copy*> state_of;
  for (const auto& s : states)
    state_of[{s.message, s.recipient}] = &s;
  std::map<std::string, std::vector<const mail_message*>> threads; // ordered by id
  for (const auto& m : messages)
    threads[m.thread].push_back(&m);

  std::vector<export_file> out;
  for (const auto& [thread, list] : threads) {
    std::set<std::string> people;
    for (const auto* m : list) {
      people.insert(m->from);
      people.insert(m->to.begin(), m->to.end());
      people.insert(m->cc.begin(), m->cc.end());
    }
    boost::json::object front{{"thread", thread},
                              {"subject", list.front()->subject},
                              {"participants", boost::json::value_from(people)},
                              {"messages", list.size()},
                              {"first", utc(to_us(list.front()->created))},
                              {"last", utc(to_us(list.back()->created))}};
    std::string text = "---\n" + boost::json::serialize(front) + "\n---\n";
    for (const auto* m : list) {
      text += "\n## " + m->id + " · " + m->from + " → " +
              (m->broadcast ? std::string("everyone") : joined(m->to)) + " · " +
              utc(to_us(m->created)) + "\n\n";
      text += "**Subject:** " + m->subject + "  \n";
      text += "**Type:** " + m->type;
      if (m->category != mail_category::none)
        text += std::string{" · **Category:** "} + to_string(m->category);
      text += std::string{" · **Importance:** "} + to_string(m->importance);
      if (m->ack_required) text += " · ack required";
      text += "  \n";
      if (!m->cc.empty()) text += "**Cc:** " + joined(m->cc) + "  \n";
      if (!m->in_reply_to.empty()) text += "**In reply to:** " + m->in_reply_to + "  \n";
      std::vector<std::string> seen;
      for (const auto& r : m->to)
        seen.push_back(r);
      for (const auto& r : m->cc)
        seen.push_back(r);
      std::string receipts;
      for (const auto& r : seen) {
        auto it = state_of.find({m->id, r});
        if (it == state_of.end()) continue;
        const auto* s = it->second;
        receipts += (receipts.empty() ? "" : ", ") + r + " " + to_string(s->state) + " " +
                    utc(s->state == copy_state::acked ? s->acked_us : s->read_us);
      }
      if (!receipts.empty()) text += "**Receipts:** " + receipts + "  \n";
      if (!m->payload.empty()) text += "**Payload:** `" + m->payload + "`  \n";
      if (!m->body.empty()) text += "\n" + m->body + (m->body.back() == '\n' ? "" : "\n");
    }
    out.push_back({thread_file_name(thread), std::move(text)});
  }
  return out;
}

} // namespace swarm
