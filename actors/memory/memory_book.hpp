#pragma once
// What the MemoryStore knows of its memories besides their vectors: every live memory
// by number (the vector index's label) and id, the working memories by expiry, and the
// procedural ones by type and normalised content (for de-duplication). Plain C++ (no
// CAF, no SQLite); one thread (the store's) at a time.
//
// Invariants: a number is never reused (next_number only grows); a memory is either in
// every map or in none.

#include <swarm/error.hpp>
#include <swarm/types.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace swarm::memory {

constexpr int64_t default_working_ttl_ms = 3'600'000; // 1 h
constexpr size_t max_content_bytes = 64 * 1024;

// Checks a draft and works out its kind and expiry: errc::bad_request naming the field
// (empty content, importance outside 0..1, a TTL on a permanent kind, ...).
struct resolved_draft {
  memory_kind kind = memory_kind::episodic;
  int64_t expires_us = 0;
};
expected<resolved_draft> resolve(const memory_draft& d, int64_t now_us);

// Lower-case words of `content` joined by single spaces: two procedural memories with
// the same normal form are the same learning.
std::string normal_form(const std::string& content);

// Whether one text's words are all among the other's (either way round): a near
// duplicate adds or drops words ("run the migrations first" / "run migrations first"),
// it never swaps one ("-L slow" / "-L fast" are two learnings, however similar).
bool words_contained(const std::string& a, const std::string& b);

// Does the memory pass the query's filters (type matches kind or type; agent, task;
// every tag) and is it live at `now_us`?
bool passes(const memory_record& m, const memory_query& q, int64_t now_us);

class memory_book {
public:
  void add(uint64_t num, memory_record m);
  // The memory removed; false when there was none.
  bool remove(uint64_t num, memory_record* out = nullptr);

  const memory_record* get(uint64_t num) const;
  memory_record* get(uint64_t num);
  // The number of the memory with this id; 0 when unknown.
  uint64_t number_of(const std::string& id) const;
  // A procedural memory of this type with this normal form; 0 when none.
  uint64_t same_learning(const std::string& type, const std::string& normal) const;

  // Working memories whose expiry is at or before `now_us`, soonest first.
  std::vector<uint64_t> expired(int64_t now_us) const;

  uint64_t next_number() const { return next_; }
  uint64_t take_number() { return next_++; }
  void see_number(uint64_t num) {
    if (num >= next_) next_ = num + 1;
  }

  // In how many live memories the word occurs (words as words_of gives them).
  uint64_t frequency(const std::string& word) const {
    auto it = frequency_.find(word);
    return it == frequency_.end() ? 0 : it->second;
  }

  size_t size() const { return by_num_.size(); }
  const std::map<uint64_t, memory_record>& all() const { return by_num_; }
  // Live memories of each kind.
  uint64_t count(memory_kind kind) const;

private:
  std::map<uint64_t, memory_record> by_num_;
  std::unordered_map<std::string, uint64_t> by_id_;
  std::multimap<int64_t, uint64_t> by_expiry_;
  std::unordered_map<std::string, uint64_t> learnings_; // type + '\n' + normal form
  std::unordered_map<std::string, uint64_t> frequency_; // word -> memories holding it
  void count_words(const std::string& content, int delta);
  uint64_t next_ = 1;
};

} // namespace swarm::memory
