#include "actors/mail_router/mailbox.hpp"

#include "src/time_units.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <cctype>
#include <tuple>

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

persistence::event mail_sent_event(const mail_message& m, std::vector<std::string> joined) {
  persistence::mail_sent e;
  e.id = m.id;
  e.type = m.type;
  e.category = to_string(m.category);
  e.from = m.from;
  e.to = m.to;
  e.cc = m.cc;
  e.bcc = m.bcc;
  e.broadcast = m.broadcast;
  e.thread = m.thread;
  e.subject = m.subject;
  e.body = m.body;
  e.payload = m.payload;
  e.importance = to_string(m.importance);
  e.ack_required = m.ack_required;
  e.in_reply_to = m.in_reply_to;
  e.audience = m.audience;
  e.joined = std::move(joined);
  return persistence::make_event(std::move(e), to_us(m.created));
}

persistence::event mail_marked_event(const std::string& id, const std::string& agent, bool ack,
                                     int64_t now_us) {
  if (ack) return persistence::make_event(persistence::mail_acked{{id, agent}}, now_us);
  return persistence::make_event(persistence::mail_read{{id, agent}}, now_us);
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
  std::optional<mail_message> original;
  if (!d.in_reply_to.empty()) {
    auto o = find(d.in_reply_to);
    if (!o) return o.error();
    if (!*o)
      return make_error(errc::not_found, "message '" + d.in_reply_to + "' does not exist");
    original = std::move(*o);
  }

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
  else if (original)
    m.thread = original->thread;
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
  auto found = find(original);
  if (!found) return found.error();
  if (!*found) return make_error(errc::not_found, "message '" + original + "' does not exist");
  const mail_message* o = &**found;
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

std::vector<std::string> mailbox::store(const mail_message& m, uint64_t seq,
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
  const uint64_t n = persistence::message_number(m.id);
  pending_[n] = pending_message{m, seq};
  pending_ids_[m.id] = n;
  written_messages_[seq].push_back(n);
  next_number_ = std::max(next_number_, n + 1);
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

void mailbox::committed(uint64_t seq) {
  if (auto w = written_messages_.find(seq); w != written_messages_.end()) {
    for (uint64_t n : w->second)
      if (auto p = pending_.find(n); p != pending_.end() && p->second.seq == seq) {
        pending_ids_.erase(p->second.m.id);
        pending_.erase(p);
      }
    written_messages_.erase(w);
  }
  if (auto w = written_copies_.find(seq); w != written_copies_.end()) {
    for (const auto& key : w->second)
      if (auto p = pending_copies_.find(key); p != pending_copies_.end() && p->second.seq == seq)
        pending_copies_.erase(p);
    written_copies_.erase(w);
  }
}

expected<std::optional<mail_message>> mailbox::find(const std::string& id) const {
  if (auto it = pending_ids_.find(id); it != pending_ids_.end())
    return std::optional<mail_message>{pending_.at(it->second).m};
  return rows_->message(id);
}

mail_message mailbox::view(const mail_message& m, const std::string& viewer) const {
  if (viewer == m.from || m.bcc.empty()) return m;
  mail_message out = m;
  out.bcc.clear();
  return out;
}

mail_copy mailbox::make_copy(const mail_message& m, const std::string& agent,
                             const pending_copy& c) const {
  mail_copy out;
  out.m = view(m, agent);
  out.recipient = agent;
  out.state = c.state;
  out.read = from_us(c.read_us);
  out.acked = from_us(c.acked_us);
  return out;
}

expected<mail_copy> mailbox::copy_of(const mail_message& m, const std::string& agent) const {
  if (auto p = pending_copies_.find({agent, m.id}); p != pending_copies_.end())
    return make_copy(m, agent, p->second);
  pending_copy c;
  if (!pending_ids_.count(m.id)) { // committed: it may have a row
    auto row = rows_->copy(agent, m.id);
    if (!row) return row.error();
    if (*row) c = pending_copy{(*row)->state, (*row)->read_us, (*row)->acked_us, 0};
  }
  return make_copy(m, agent, c);
}

expected<mail_copy> mailbox::mark(const std::string& agent, const std::string& id,
                                  bool ack, int64_t now_us, uint64_t seq, bool& changed) {
  changed = false;
  auto m = find(id);
  if (!m) return m.error();
  if (!*m) return make_error(errc::not_found, "message '" + id + "' does not exist");
  if (!reaches(**m, agent))
    return make_error(errc::refused, "'" + agent + "' is not a recipient of " + id +
                                         "; only a recipient may read or ack its copy");
  auto now = copy_of(**m, agent);
  if (!now) return now.error();
  pending_copy c{now->state, to_us(now->read), to_us(now->acked), seq};
  if (c.read_us == 0) {
    c.read_us = now_us;
    c.state = copy_state::read;
    changed = true;
  }
  if (ack && c.acked_us == 0) {
    c.acked_us = now_us;
    c.state = copy_state::acked;
    changed = true;
  }
  if (changed) {
    pending_copies_[{agent, id}] = c;
    written_copies_[seq].push_back({agent, id});
  }
  return make_copy(**m, agent, c);
}

namespace {

bool passes(const mail_copy& c, const inbox_filter& f) {
  if (f.state && c.state != *f.state) return false;
  if (f.urgent_only && c.m.importance != mail_importance::urgent) return false;
  if (c.m.created < f.since) return false;
  if (!f.thread.empty() && c.m.thread != f.thread) return false;
  return f.type.empty() || c.m.type == f.type;
}

} // namespace

expected<std::vector<mail_copy>> mailbox::inbox(const std::string& agent,
                                                const inbox_filter& f) const {
  if (f.limit < 1 || f.limit > 1000)
    return bad("limit " + std::to_string(f.limit) + " is out of range; use 1 to 1000");
  auto ord = ordinal_.find(agent);
  const uint32_t place = ord == ordinal_.end() ? 0 : ord->second;
  // This agent's copies marked but not committed: SQLite's rows of them are stale (and
  // may be filtered out or in wrongly), so they are taken from here, and SQLite is
  // asked for as many more as there are of them.
  const auto marked_begin = pending_copies_.lower_bound({agent, std::string{}});
  auto marked_end = marked_begin;
  uint32_t marked = 0;
  for (; marked_end != pending_copies_.end() && marked_end->first.first == agent; ++marked_end)
    ++marked;
  auto rows = rows_->inbox(agent, place, f, f.limit + marked);
  if (!rows) return rows.error();
  std::map<uint64_t, mail_copy, std::greater<>> newest; // by message number
  for (auto& c : *rows)
    if (!pending_copies_.count({agent, c.m.id}))
      newest.emplace(persistence::message_number(c.m.id), std::move(c));
  for (auto p = marked_begin; p != marked_end; ++p) {
    auto m = find(p->first.second);
    if (!m) return m.error();
    if (!*m) continue;
    auto c = make_copy(**m, agent, p->second);
    if (passes(c, f)) newest.insert_or_assign(persistence::message_number(c.m.id), std::move(c));
  }
  // The messages not committed (a copy SQLite may hold already is the same message).
  for (const auto& [n, p] : pending_) {
    if (!reaches(p.m, agent) || pending_copies_.count({agent, p.m.id})) continue;
    auto c = make_copy(p.m, agent, pending_copy{});
    if (passes(c, f)) newest.insert_or_assign(n, std::move(c));
  }
  std::vector<mail_copy> out;
  for (auto& [n, c] : newest) {
    if (out.size() == f.limit) break;
    out.push_back(std::move(c));
  }
  return out;
}

expected<std::vector<mail_message>> mailbox::thread(const std::string& id,
                                                    const std::string& viewer) const {
  auto messages_of = [&](const std::string& name)
      -> expected<std::map<uint64_t, mail_message>> {
    auto rows = rows_->thread(name);
    if (!rows) return rows.error();
    std::map<uint64_t, mail_message> out;
    for (auto& m : *rows)
      out.emplace(persistence::message_number(m.id), std::move(m));
    for (const auto& [n, p] : pending_)
      if (p.m.thread == name) out.insert_or_assign(n, p.m);
    return out;
  };
  auto found = messages_of(id);
  if (!found) return found.error();
  if (found->empty()) { // not a thread's name: a message's id
    auto m = find(id);
    if (!m) return m.error();
    if (!*m) return make_error(errc::not_found, "no thread or message '" + id + "'");
    found = messages_of((*m)->thread);
    if (!found) return found.error();
  }
  std::vector<mail_message> out;
  out.reserve(found->size());
  for (const auto& [n, m] : *found)
    out.push_back(view(m, viewer));
  return out;
}

expected<std::vector<mail_copy>> mailbox::unacked_before(int64_t before_us) const {
  auto rows = rows_->unacked(before_us, roster_);
  if (!rows) return rows.error();
  // Oldest first, as before: (created, id, recipient).
  using key = std::tuple<int64_t, std::string, std::string>;
  std::map<key, mail_copy> out;
  auto keep = [&](mail_copy c) {
    key k{to_us(c.m.created), c.m.id, c.recipient};
    out.insert_or_assign(std::move(k), std::move(c));
  };
  auto due = [&](const mail_message& m) {
    return m.ack_required && to_us(m.created) < before_us;
  };
  for (auto& c : *rows)
    if (!pending_copies_.count({c.recipient, c.m.id})) keep(std::move(c));
  for (const auto& [k, p] : pending_copies_) {
    if (p.acked_us != 0) continue;
    auto m = find(k.second);
    if (!m) return m.error();
    if (*m && due(**m)) keep(make_copy(**m, k.first, p));
  }
  for (const auto& [n, p] : pending_) {
    if (!due(p.m)) continue;
    std::vector<std::string> to = mail_recipients(p.m);
    if (p.m.audience > 0)
      to.assign(roster_.begin(),
                roster_.begin() + std::min<size_t>(p.m.audience, roster_.size()));
    for (const auto& r : to)
      if (r != p.m.from && !pending_copies_.count({r, p.m.id}))
        keep(make_copy(p.m, r, pending_copy{}));
  }
  std::vector<mail_copy> list;
  list.reserve(out.size());
  for (auto& [k, c] : out)
    list.push_back(std::move(c));
  return list;
}

mailbox::mailbox(std::unique_ptr<persistence::mail_rows> rows) : rows_(std::move(rows)) {}

expected<std::unique_ptr<mailbox>> mailbox::open(std::unique_ptr<persistence::mail_rows> rows,
                                                 std::vector<std::string> roster,
                                                 const std::vector<std::string>& followers) {
  auto last = rows->last_number();
  if (!last) return last.error();
  std::unique_ptr<mailbox> box{new mailbox(std::move(rows))};
  box->next_number_ = *last + 1;
  for (auto& n : roster) {
    box->ordinal_.emplace(n, static_cast<uint32_t>(box->roster_.size() + 1));
    box->roster_.push_back(std::move(n));
  }
  box->followers_.insert(followers.begin(), followers.end());
  return box;
}

} // namespace swarm
