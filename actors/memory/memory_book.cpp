#include "actors/memory/memory_book.hpp"

#include "actors/memory/embedder.hpp"
#include "src/hash.hpp"
#include "src/time_units.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace swarm::memory {

namespace {

bool valid_type(const std::string& t) {
  if (t.empty() || t.size() > 64) return false;
  return std::all_of(t.begin(), t.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

uint64_t learning_hash(const std::string& type, const std::string& normal) {
  return fnv1a_64(normal, fnv1a_64(type + '\n'));
}

} // namespace

expected<resolved_draft> resolve(const memory_draft& d, int64_t now_us) {
  if (d.content.find_first_not_of(" \t\r\n") == std::string::npos)
    return make_error(errc::bad_request, "content: a memory needs some text");
  if (d.content.size() > max_content_bytes)
    return make_error(errc::bad_request,
                      "content: " + std::to_string(d.content.size()) +
                          " bytes is over the limit of " + std::to_string(max_content_bytes) +
                          "; store a summary and point to the rest");
  if (!valid_type(d.type))
    return make_error(errc::bad_request,
                      "type: '" + d.type +
                          "' is not a memory type; use episodic, working, procedural or a "
                          "subtype of lower-case letters, digits and _ - . (e.g. "
                          "agent_learning)");
  if (!(d.importance >= 0.0 && d.importance <= 1.0))
    return make_error(errc::bad_request, "importance: " + std::to_string(d.importance) +
                                             " is outside 0..1");
  if (d.ttl.count() < 0)
    return make_error(errc::bad_request, "ttl: a TTL cannot be negative");
  for (const auto& t : d.tags)
    if (t.empty() || t.size() > 64 || t.find_first_of(" \t\r\n,") != std::string::npos)
      return make_error(errc::bad_request, "tags: '" + t +
                                               "' is not a tag; tags are 1 to 64 characters "
                                               "without spaces or commas");
  resolved_draft r;
  if (auto kind = parse_memory_kind(d.type)) {
    if (d.kind && *d.kind != *kind)
      return make_error(errc::bad_request, std::string{"kind: '"} + to_string(*d.kind) +
                                               "' contradicts type '" + d.type + "'");
    r.kind = *kind;
  } else if (d.kind) {
    r.kind = *d.kind;
  } else if (d.type == "agent_learning" || d.type == "solution_pattern") {
    r.kind = memory_kind::procedural;
  } else {
    r.kind = d.ttl.count() > 0 ? memory_kind::working : memory_kind::episodic;
  }
  if (r.kind == memory_kind::working)
    r.expires_us =
        now_us + (d.ttl.count() > 0 ? d.ttl.count() : default_working_ttl_ms) * 1000;
  else if (d.ttl.count() > 0)
    return make_error(errc::bad_request,
                      std::string{"ttl: "} + to_string(r.kind) +
                          " memories are permanent; only working memory "
                          "takes a TTL");
  return r;
}

std::string normal_form(const std::string& content) {
  std::string out;
  bool gap = false;
  for (char c : content) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || u >= 0x80) {
      if (gap && !out.empty()) out += ' ';
      gap = false;
      out += static_cast<char>(std::tolower(u));
    } else {
      gap = true;
    }
  }
  return out;
}

bool words_contained(const std::string& a, const std::string& b) {
  auto wa = words_of(a), wb = words_of(b);
  std::set<std::string> sa(wa.begin(), wa.end()), sb(wb.begin(), wb.end());
  const auto& small = sa.size() <= sb.size() ? sa : sb;
  const auto& large = sa.size() <= sb.size() ? sb : sa;
  return std::includes(large.begin(), large.end(), small.begin(), small.end());
}

bool passes(const memory_record& m, const memory_query& q, int64_t now_us) {
  if (to_us(m.expires) > 0 && to_us(m.expires) <= now_us) return false;
  if (!q.type.empty() && q.type != to_string(m.kind) && q.type != m.type) return false;
  if (!q.agent.empty() && q.agent != m.agent) return false;
  if (!q.task.empty() && q.task != m.task) return false;
  for (const auto& t : q.tags)
    if (std::find(m.tags.begin(), m.tags.end(), t) == m.tags.end()) return false;
  return true;
}

void memory_book::count_words(const std::string& content, int delta) {
  auto words = words_of(content);
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  for (const auto& w : words) {
    auto& n = frequency_[w];
    n += static_cast<uint64_t>(static_cast<int64_t>(delta));
    if (n == 0) frequency_.erase(w);
  }
}

void memory_book::enter(uint64_t num, const memory_record& m) {
  see_number(num);
  count_words(m.content, +1);
  ++counts_[static_cast<size_t>(m.kind)];
  if (to_us(m.expires) > 0) by_expiry_.emplace(to_us(m.expires), num);
  if (m.kind == memory_kind::procedural)
    learnings_.emplace(learning_hash(m.type, normal_form(m.content)), num);
}

void memory_book::leave(uint64_t num, const memory_record& m) {
  count_words(m.content, -1);
  --counts_[static_cast<size_t>(m.kind)];
  if (to_us(m.expires) > 0) {
    auto [lo, hi] = by_expiry_.equal_range(to_us(m.expires));
    for (auto e = lo; e != hi; ++e)
      if (e->second == num) {
        by_expiry_.erase(e);
        break;
      }
  }
  if (m.kind == memory_kind::procedural) {
    auto [lo, hi] = learnings_.equal_range(learning_hash(m.type, normal_form(m.content)));
    for (auto l = lo; l != hi; ++l)
      if (l->second == num) {
        learnings_.erase(l);
        break;
      }
  }
}

void memory_book::note_write(uint64_t num, uint64_t seq) {
  pending_[num].seq = seq;
  writes_[seq].push_back(num);
}

void memory_book::load(uint64_t num, const memory_record& m) { enter(num, m); }

void memory_book::add(uint64_t num, memory_record m, uint64_t seq) {
  enter(num, m);
  note_write(num, seq);
  pending_[num].m = std::move(m);
}

void memory_book::change(uint64_t num, memory_record m, uint64_t seq) {
  note_write(num, seq);
  pending_[num].m = std::move(m);
}

void memory_book::remove(uint64_t num, const memory_record& m, uint64_t seq) {
  leave(num, m);
  note_write(num, seq);
  pending_[num].m.reset();
}

void memory_book::committed(uint64_t seq) {
  auto w = writes_.find(seq);
  if (w == writes_.end()) return;
  for (auto num : w->second) {
    auto p = pending_.find(num);
    if (p != pending_.end() && p->second.seq == seq) pending_.erase(p);
  }
  writes_.erase(w);
}

memory_book::overlay memory_book::state(uint64_t num, const memory_record** held) const {
  auto p = pending_.find(num);
  if (p == pending_.end()) return overlay::none;
  if (!p->second.m) return overlay::removed;
  if (held != nullptr) *held = &*p->second.m;
  return overlay::held;
}

std::vector<uint64_t> memory_book::held_newest_first() const {
  std::vector<uint64_t> out;
  for (const auto& [num, p] : pending_)
    if (p.m) out.push_back(num);
  std::sort(out.rbegin(), out.rend());
  return out;
}

std::vector<uint64_t> memory_book::learnings(const std::string& type,
                                             const std::string& normal) const {
  std::vector<uint64_t> out;
  auto [lo, hi] = learnings_.equal_range(learning_hash(type, normal));
  for (auto l = lo; l != hi; ++l)
    out.push_back(l->second);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<uint64_t> memory_book::expired(int64_t now_us) const {
  std::vector<uint64_t> out;
  for (auto it = by_expiry_.begin(); it != by_expiry_.end() && it->first <= now_us; ++it)
    out.push_back(it->second);
  return out;
}

} // namespace swarm::memory
