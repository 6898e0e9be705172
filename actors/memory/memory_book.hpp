#pragma once
// The MemoryStore's plain logic: checking a draft, normal forms and near-duplicate
// learnings, query filters, and the memory_book (below).

#include <swarm/error.hpp>
#include <swarm/types.hpp>

#include <cstdint>
#include <map>
#include <optional>
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

// What the MemoryStore keeps in memory of its memories. Not the memories themselves:
// SQLite holds them, and the store reads the ones it ranks, filters and answers by
// number. The book holds what must be found without a read, and what SQLite does not
// hold yet:
//   * the changes not yet committed (a memory added, changed or removed), each under
//     the sequence number of its journal write, which overlay SQLite until that write
//     commits (committed(seq));
//   * the working memories by expiry, and the procedural ones by a hash of type and
//     normal form (de-duplication; a hit is a candidate the store checks);
//   * how many live memories there are of each kind, and in how many a word occurs;
//   * the next number.
// So it grows with the live working memories, the writes in flight, the vocabulary and
// 16 bytes per procedural memory, not with the memories' text. Plain C++ (no CAF, no
// SQLite); one thread (the store's) at a time.
//
// Invariants: a number is never reused (next_number only grows); a live memory is
// counted, indexed and in the word counts exactly once; an overlay entry is dropped
// only by the commit of the last write that touched it.
class memory_book {
public:
  // A live memory as SQLite holds it (loading).
  void load(uint64_t num, const memory_record& m);
  // A memory added; its journal write is `seq`.
  void add(uint64_t num, memory_record m, uint64_t seq);
  // A live memory's new state (reinforced: importance and tags; the content, kind and
  // expiry stay); its journal write is `seq`.
  void change(uint64_t num, memory_record m, uint64_t seq);
  // A live memory removed; `m` is what it was. Its journal write is `seq`.
  void remove(uint64_t num, const memory_record& m, uint64_t seq);
  // The journal write `seq` committed: SQLite holds what it changed.
  void committed(uint64_t seq);

  // What the book says of a memory SQLite may not hold yet: its uncommitted state
  // (held), removed, or nothing (SQLite's state is current).
  enum class overlay { none, held, removed };
  overlay state(uint64_t num, const memory_record** held = nullptr) const;
  // The memories added or changed and not yet committed, newest first.
  std::vector<uint64_t> held_newest_first() const;

  // Procedural memories that may be this learning (same type and normal form; a hash
  // match, so the store compares).
  std::vector<uint64_t> learnings(const std::string& type, const std::string& normal) const;
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

  // Live memories (expired working memories included until removed).
  uint64_t size() const { return counts_[1] + counts_[2] + counts_[3]; }
  // Live memories of each kind.
  uint64_t count(memory_kind kind) const { return counts_[static_cast<size_t>(kind)]; }

private:
  void enter(uint64_t num, const memory_record& m);
  void leave(uint64_t num, const memory_record& m);
  void note_write(uint64_t num, uint64_t seq);
  void count_words(const std::string& content, int delta);

  struct pending {
    std::optional<memory_record> m; // nullopt: removed
    uint64_t seq = 0;               // the last write that touched it
  };
  std::unordered_map<uint64_t, pending> pending_;
  std::map<uint64_t, std::vector<uint64_t>> writes_; // seq -> the numbers it touched
  std::multimap<int64_t, uint64_t> by_expiry_;
  std::unordered_multimap<uint64_t, uint64_t> learnings_; // hash(type, normal) -> num
  std::unordered_map<std::string, uint64_t> frequency_;   // word -> memories holding it
  uint64_t counts_[4] = {0, 0, 0, 0};                     // by memory_kind (1..3)
  uint64_t next_ = 1;
};

} // namespace swarm::memory
