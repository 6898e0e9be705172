#include "actors/mail_router/mailbox.hpp"

#include "src/time_units.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <cctype>

namespace swarm {

namespace {

error bad(std::string message) {
  return make_error(errc::bad_request, std::move(message));
}

bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

void dedupe(std::vector<std::string>& v) {
  std::vector<std::string> out;
  for (auto& s : v)
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(std::move(s));
  v = std::move(out);
}

// Characters, not bytes, of UTF-8 text.
size_t chars(const std::string& s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](unsigned char c) { return (c & 0xC0) != 0x80; }));
}

} // namespace

std::vector<std::string> mail_recipients(const mail_message& m) {
  std::vector<std::string> out = m.to;
  out.insert(out.end(), m.cc.begin(), m.cc.end());
  out.insert(out.end(), m.bcc.begin(), m.bcc.end());
  dedupe(out);
  return out;
}

expected<mail_message> mailbox::prepare(mail_draft d, const std::set<std::string>& agents,
                                        int64_t now_us) const {
  if (d.from.empty()) return bad("a message needs a sender (--from)");
  if (!agents.count(d.from))
    return make_error(errc::not_found, "sender '" + d.from +
                                           "' is not a registered agent; register it "
                                           "with `swarm agent register " +
                                           d.from + "`");
  if (d.type.empty()) d.type = "custom";
  const auto& types = mail_types();
  if (std::find(types.begin(), types.end(), d.type) == types.end())
    return bad("unknown message type '" + d.type +
               "'; use one of the agent mail types (e.g. task.handoff, info.discovery) "
               "or custom");
  if (blank(d.subject)) return bad("a message needs a subject");
  if (d.subject.find('\n') != std::string::npos)
    return bad("a subject is one line; put the rest in the body");
  if (chars(d.subject) > limits_.subject_chars)
    return make_error(errc::refused, "the subject has " +
                                         std::to_string(chars(d.subject)) +
                                         " characters; the limit is " +
                                         std::to_string(limits_.subject_chars));
  if (d.body.size() > limits_.body_bytes)
    return make_error(errc::refused, "the body has " + std::to_string(d.body.size()) +
                                         " bytes; the limit is " +
                                         std::to_string(limits_.body_bytes) +
                                         " bytes — attach a file path instead");
  if (d.payload.size() > limits_.payload_bytes)
    return make_error(errc::refused, "the payload has " +
                                         std::to_string(d.payload.size()) +
                                         " bytes; the limit is " +
                                         std::to_string(limits_.payload_bytes));
  if (!d.payload.empty()) {
    boost::system::error_code ec;
    auto v = boost::json::parse(d.payload, ec);
    if (ec || !v.is_object()) return bad("the payload must be a JSON object");
  }
  if (!d.in_reply_to.empty() && !find(d.in_reply_to))
    return make_error(errc::not_found, "message '" + d.in_reply_to + "' does not exist");

  uint32_t audience = 0;
  if (d.broadcast) {
    if (!d.to.empty() || !d.cc.empty() || !d.bcc.empty())
      return bad("a broadcast goes to every agent; give no --to, --cc or --bcc");
    if (agents.size() < 2)
      return make_error(errc::refused, "no other agent is registered to broadcast to");
    // The roster as store() will leave it: these agents are all on it then.
    audience = static_cast<uint32_t>(roster_.size());
    if (agents.size() > roster_.size()) // else it has them all (see store)
      for (const auto& a : agents)
        if (!ordinal_.count(a)) ++audience;
  } else {
    if (d.to.empty() && d.cc.empty() && d.bcc.empty())
      return bad("a message needs a recipient (--to), or --broadcast");
    for (auto* list : {&d.to, &d.cc, &d.bcc})
      for (const auto& r : *list)
        if (!agents.count(r))
          return make_error(errc::not_found, "recipient '" + r +
                                                 "' is not a registered agent; `swarm "
                                                 "agents` lists them (nothing was sent)");
  }
  for (auto* list : {&d.to, &d.cc, &d.bcc})
    dedupe(*list);
  // One copy each: a name in `to` is not also in cc or bcc.
  auto drop = [](std::vector<std::string>& from, const std::vector<std::string>& seen) {
    from.erase(std::remove_if(from.begin(), from.end(),
                              [&](const std::string& x) {
                                return std::find(seen.begin(), seen.end(), x) !=
                                       seen.end();
                              }),
               from.end());
  };
  drop(d.cc, d.to);
  drop(d.bcc, d.to);
  drop(d.bcc, d.cc);
  if (!d.broadcast && d.to.size() + d.cc.size() + d.bcc.size() > limits_.recipients)
    return make_error(errc::refused, "a message may have at most " +
                                         std::to_string(limits_.recipients) +
                                         " recipients");

  mail_message m;
  m.id = "msg-" + std::to_string(next_number_);
  m.type = std::move(d.type);
  m.category = d.category;
  m.from = std::move(d.from);
  m.to = std::move(d.to);
  m.cc = std::move(d.cc);
  m.bcc = std::move(d.bcc);
  m.broadcast = d.broadcast;
  m.subject = std::move(d.subject);
  m.body = std::move(d.body);
  m.payload = std::move(d.payload);
  m.importance = d.importance;
  m.ack_required = d.ack_required || m.category == mail_category::handoff ||
                   m.category == mail_category::blocked;
  m.in_reply_to = std::move(d.in_reply_to);
  m.audience = audience;
  if (!d.thread.empty())
    m.thread = std::move(d.thread);
  else if (!m.in_reply_to.empty())
    m.thread = find(m.in_reply_to)->thread;
  else
    m.thread = m.id;
  m.created = from_us(now_us);
  return m;
}

std::optional<mail_message> mailbox::prepare_system(std::string type, std::string subject,
                                                    std::string body, std::string payload,
                                                    int64_t now_us,
                                                    const std::vector<std::string>& also_to) const {
  std::set<std::string> to(followers_.begin(), followers_.end());
  to.insert(also_to.begin(), also_to.end());
  to.erase("swarm");
  if (to.empty()) return std::nullopt;
  mail_message m;
  m.id = "msg-" + std::to_string(next_number_);
  m.type = std::move(type);
  m.category = mail_category::info;
  m.from = "swarm";
  m.to.assign(to.begin(), to.end());
  m.thread = "swarm-events";
  m.subject = std::move(subject);
  m.body = std::move(body);
  m.payload = std::move(payload);
  m.importance = m.type == "task.failed" || m.type == "agent.stopped"
                     ? mail_importance::high
                     : mail_importance::low;
  m.created = from_us(now_us);
  return m;
}

bool mailbox::follow(const std::string& agent, bool on) {
  return on ? followers_.insert(agent).second : followers_.erase(agent) > 0;
}

expected<mail_draft> mailbox::reply_draft(const std::string& original,
                                          const std::string& from,
                                          std::string body) const {
  const mail_message* o = find(original);
  if (!o) return make_error(errc::not_found, "message '" + original + "' does not exist");
  if (from != o->from && !reaches(*o, from))
    return make_error(errc::refused, "'" + from + "' neither sent nor received " +
                                         original +
                                         "; only its sender and recipients may reply");
  mail_draft d;
  d.type = o->type;
  d.category = o->category;
  d.from = from;
  d.to = {from == o->from ? (o->to.empty() ? o->from : o->to.front()) : o->from};
  d.thread = o->thread;
  std::string lower = o->subject.substr(0, 3);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  d.subject = lower == "re:" ? o->subject : "Re: " + o->subject;
  d.body = std::move(body);
  d.importance = o->importance;
  d.ack_required = o->ack_required;
  d.in_reply_to = o->id;
  return d;
}

std::vector<std::string> mailbox::store(const mail_message& m,
                                       const std::set<std::string>& agents) {
  std::vector<std::string> joined;
  // Agents stay registered, and the roster holds only agents seen registered: when it
  // is as large as `agents`, it holds every one of them.
  if (m.audience > 0 && agents.size() > roster_.size())
    for (const auto& a : agents)
      if (!ordinal_.count(a)) {
        roster_.push_back(a);
        ordinal_.emplace(a, static_cast<uint32_t>(roster_.size()));
        joined.push_back(a);
      }
  add(m);
  return joined;
}

bool mailbox::reaches(const mail_message& m, const std::string& agent) const {
  if (m.audience > 0) {
    auto it = ordinal_.find(agent);
    return it != ordinal_.end() && it->second <= m.audience && agent != m.from;
  }
  for (const auto* list : {&m.to, &m.cc, &m.bcc})
    if (std::find(list->begin(), list->end(), agent) != list->end()) return true;
  return false;
}

void mailbox::add(const mail_message& m) {
  const auto index = static_cast<uint32_t>(messages_.size());
  messages_.push_back(m);
  by_id_.emplace(m.id, index);
  threads_[m.thread].push_back(index);
  if (m.audience > 0)
    broadcasts_.push_back(index);
  else
    for (const auto& r : mail_recipients(m))
      copies_[r].push_back(held_copy{index});
  // "msg-<n>": the next number follows the highest seen (restore keeps order).
  if (m.id.rfind("msg-", 0) == 0) {
    uint64_t n = 0;
    for (size_t i = 4;
         i < m.id.size() && std::isdigit(static_cast<unsigned char>(m.id[i])); ++i)
      n = n * 10 + static_cast<uint64_t>(m.id[i] - '0');
    next_number_ = std::max(next_number_, n + 1);
  }
}

const mail_message* mailbox::find(const std::string& id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &messages_[it->second];
}

const mailbox::held_copy* mailbox::held(const std::string& agent, uint32_t index) const {
  auto box = copies_.find(agent);
  if (box == copies_.end()) return nullptr;
  const auto& list = box->second;
  auto c = std::lower_bound(list.begin(), list.end(), index,
                            [](const held_copy& x, uint32_t m) { return x.message < m; });
  return c != list.end() && c->message == index ? &*c : nullptr;
}

mail_message mailbox::view(const mail_message& m, const std::string& viewer) const {
  if (viewer == m.from || m.bcc.empty()) return m;
  mail_message out = m;
  out.bcc.clear();
  return out;
}

mail_copy mailbox::copy_of(const held_copy& c, const std::string& recipient) const {
  mail_copy out;
  out.m = view(messages_[c.message], recipient);
  out.recipient = recipient;
  out.state = c.state;
  out.read = from_us(c.read_us);
  out.acked = from_us(c.acked_us);
  return out;
}

expected<mail_copy> mailbox::mark(const std::string& agent, const std::string& id,
                                  bool ack, int64_t now_us, bool& changed) {
  changed = false;
  auto it = by_id_.find(id);
  if (it == by_id_.end())
    return make_error(errc::not_found, "message '" + id + "' does not exist");
  const uint32_t index = it->second;
  if (!reaches(messages_[index], agent))
    return make_error(errc::refused, "'" + agent + "' is not a recipient of " + id +
                                         "; only a recipient may read or ack its copy");
  // A broadcast's copy is held from its first read on.
  auto& list = copies_[agent];
  auto c = std::lower_bound(list.begin(), list.end(), index,
                            [](const held_copy& x, uint32_t m) { return x.message < m; });
  if (c == list.end() || c->message != index) c = list.insert(c, held_copy{index});
  if (c->read_us == 0) {
    c->read_us = now_us;
    c->state = copy_state::read;
    changed = true;
  }
  if (ack && c->acked_us == 0) {
    c->acked_us = now_us;
    c->state = copy_state::acked;
    changed = true;
  }
  return copy_of(*c, agent);
}

expected<std::vector<mail_copy>> mailbox::inbox(const std::string& agent,
                                                const inbox_filter& f) const {
  if (f.limit < 1 || f.limit > 1000)
    return bad("limit " + std::to_string(f.limit) + " is out of range; use 1 to 1000");
  std::vector<mail_copy> out;
  static const std::vector<held_copy> none;
  auto box = copies_.find(agent);
  const auto& list = box == copies_.end() ? none : box->second;
  auto ord = ordinal_.find(agent);
  const uint32_t place = ord == ordinal_.end() ? 0 : ord->second;
  // Newest first, merging the held copies with the broadcasts' implicit ones. Audiences
  // grow along the sending order: past the first broadcast that does not reach this
  // agent, none does.
  auto c = list.rbegin();
  auto b = broadcasts_.rbegin();
  auto next_broadcast = [&] {
    for (; b != broadcasts_.rend(); ++b) {
      const mail_message& m = messages_[*b];
      if (place == 0 || m.audience < place) {
        b = broadcasts_.rend();
        break;
      }
      if (m.from != agent && held(agent, *b) == nullptr) break;
    }
  };
  next_broadcast();
  while (out.size() < f.limit && (c != list.rend() || b != broadcasts_.rend())) {
    held_copy implicit{0};
    const held_copy* copy;
    if (b == broadcasts_.rend() || (c != list.rend() && c->message > *b)) {
      copy = &*c++;
    } else {
      implicit.message = *b++;
      copy = &implicit;
      next_broadcast();
    }
    const mail_message& m = messages_[copy->message];
    if (m.created < f.since) break; // older from here on
    if (f.state && copy->state != *f.state) continue;
    if (f.urgent_only && m.importance != mail_importance::urgent) continue;
    if (!f.thread.empty() && m.thread != f.thread) continue;
    if (!f.type.empty() && m.type != f.type) continue;
    out.push_back(copy_of(*copy, agent));
  }
  return out;
}

expected<std::vector<mail_message>> mailbox::thread(const std::string& id,
                                                    const std::string& viewer) const {
  auto it = threads_.find(id);
  if (it == threads_.end()) {
    const mail_message* m = find(id);
    if (!m) return make_error(errc::not_found, "no thread or message '" + id + "'");
    it = threads_.find(m->thread);
  }
  std::vector<mail_message> out;
  out.reserve(it->second.size());
  for (uint32_t i : it->second)
    out.push_back(view(messages_[i], viewer));
  return out;
}

std::vector<mail_copy> mailbox::unacked_before(int64_t before_us) const {
  std::vector<mail_copy> out;
  for (const auto& [recipient, list] : copies_)
    for (const auto& c : list) {
      const mail_message& m = messages_[c.message];
      if (to_us(m.created) >= before_us) break; // in sending order
      if (m.audience > 0) continue;             // below, with its implicit copies
      if (m.ack_required && c.acked_us == 0) out.push_back(copy_of(c, recipient));
    }
  for (uint32_t index : broadcasts_) {
    const mail_message& m = messages_[index];
    if (to_us(m.created) >= before_us) break;
    if (!m.ack_required) continue;
    for (uint32_t place = 1; place <= m.audience; ++place) {
      const std::string& r = roster_[place - 1];
      if (r == m.from) continue;
      const held_copy* c = held(r, index);
      if (c == nullptr)
        out.push_back(copy_of(held_copy{index}, r));
      else if (c->acked_us == 0)
        out.push_back(copy_of(*c, r));
    }
  }
  std::sort(out.begin(), out.end(), [](const mail_copy& a, const mail_copy& b) {
    return std::tie(a.m.created, a.m.id, a.recipient) <
           std::tie(b.m.created, b.m.id, b.recipient);
  });
  return out;
}

void mailbox::restore_roster(std::vector<std::string> names) {
  for (auto& n : names) {
    ordinal_.emplace(n, static_cast<uint32_t>(roster_.size() + 1));
    roster_.push_back(std::move(n));
  }
}

void mailbox::restore(std::vector<mail_message> messages) {
  for (auto& m : messages)
    add(m);
}

expected<void> mailbox::restore_copy(const std::string& id, const std::string& recipient,
                                     copy_state state, int64_t read_us,
                                     int64_t acked_us) {
  bool changed = false;
  if (state == copy_state::unread) return {};
  auto r = mark(recipient, id, state == copy_state::acked, read_us, changed);
  if (!r) return r.error();
  auto& list = copies_[recipient]; // mark() holds the copy now
  auto c = std::lower_bound(list.begin(), list.end(), by_id_.at(id),
                            [](const held_copy& x, uint32_t m) { return x.message < m; });
  c->acked_us = state == copy_state::acked ? acked_us : 0;
  return {};
}

} // namespace swarm
