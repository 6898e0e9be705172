#include "actors/memory/memory_book.hpp"

#include "actors/memory/embedder.hpp"
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

std::string learning_key(const std::string& type, const std::string& normal) {
  return type + '\n' + normal;
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

void memory_book::add(uint64_t num, memory_record m) {
  remove(num);
  see_number(num);
  count_words(m.content, +1);
  by_id_[m.id] = num;
  if (to_us(m.expires) > 0) by_expiry_.emplace(to_us(m.expires), num);
  if (m.kind == memory_kind::procedural)
    learnings_.emplace(learning_key(m.type, normal_form(m.content)), num);
  by_num_.emplace(num, std::move(m));
}

bool memory_book::remove(uint64_t num, memory_record* out) {
  auto it = by_num_.find(num);
  if (it == by_num_.end()) return false;
  const memory_record& m = it->second;
  by_id_.erase(m.id);
  if (to_us(m.expires) > 0) {
    auto [lo, hi] = by_expiry_.equal_range(to_us(m.expires));
    for (auto e = lo; e != hi; ++e)
      if (e->second == num) {
        by_expiry_.erase(e);
        break;
      }
  }
  if (m.kind == memory_kind::procedural) {
    auto l = learnings_.find(learning_key(m.type, normal_form(m.content)));
    if (l != learnings_.end() && l->second == num) learnings_.erase(l);
  }
  count_words(m.content, -1);
  if (out != nullptr) *out = std::move(it->second);
  by_num_.erase(it);
  return true;
}

const memory_record* memory_book::get(uint64_t num) const {
  auto it = by_num_.find(num);
  return it == by_num_.end() ? nullptr : &it->second;
}

memory_record* memory_book::get(uint64_t num) {
  auto it = by_num_.find(num);
  return it == by_num_.end() ? nullptr : &it->second;
}

uint64_t memory_book::number_of(const std::string& id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? 0 : it->second;
}

uint64_t memory_book::same_learning(const std::string& type, const std::string& normal) const {
  auto it = learnings_.find(learning_key(type, normal));
  return it == learnings_.end() ? 0 : it->second;
}

std::vector<uint64_t> memory_book::expired(int64_t now_us) const {
  std::vector<uint64_t> out;
  for (auto it = by_expiry_.begin(); it != by_expiry_.end() && it->first <= now_us; ++it)
    out.push_back(it->second);
  return out;
}

uint64_t memory_book::count(memory_kind kind) const {
  uint64_t n = 0;
  for (const auto& [num, m] : by_num_)
    n += m.kind == kind ? 1 : 0;
  return n;
}

} // namespace swarm::memory
