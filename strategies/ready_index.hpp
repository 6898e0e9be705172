#pragma once
// The ready set as the claim strategies see it: every claimable task, indexed so a
// decision never scans the tasks.
//
// Owner: the task graph (actors/task_queue/task_graph.hpp) keeps one in step with its
// ready tasks; only the TaskQueue actor's thread touches it. Plain C++.
//
// Layout. Tasks are grouped into buckets by their exact skill set ("cpp,sql"; the
// empty set is a bucket too). A bucket holds its tasks in three orders:
//   by_priority  (priority, seq)            — P0 first, then the oldest
//   by_seq       (seq)                      — plan order
//   by_score     (-score, priority, seq)    — the highest graph score first
// An agent may take a task when the task's skills are a subset of the agent's (an
// agent without skills is a generalist and may take any task), so the tasks open to
// an agent are the union of its eligible buckets. A decision looks at the heads of
// those buckets — O(B log n) for B eligible buckets — never at the tasks. B is at most
// the number of distinct skill sets among ready tasks, and for a specialist at most
// 2^|skills| (the index enumerates subsets when that is smaller).
//
// `seq` is the caller's stable order number (the task's position in the queue), so
// "oldest" is plan order; `score` is the graph priority (graph-prioritized strategy),
// 0 when unused.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace swarm::strategies {

using task_ref = uint32_t; // the caller's task index

class ready_index {
public:
  using skill_id = uint32_t;
  using skill_set = std::vector<skill_id>; // sorted, unique

  struct entry {
    task_ref task = 0;
    int priority = 0;
    uint64_t seq = 0;
    double score = 0;
    uint32_t bucket = 0;
  };

  // Orders within a bucket; each key ends in the task so keys are unique.
  using priority_key = std::tuple<int, uint64_t, task_ref>;
  using seq_key = std::pair<uint64_t, task_ref>;
  using score_key = std::tuple<double, int, uint64_t, task_ref>; // score negated

  struct bucket {
    skill_set skills;
    std::set<priority_key> by_priority;
    std::set<seq_key> by_seq;
    std::set<score_key> by_score;
    size_t size() const { return by_seq.size(); }
  };

  // Adds a ready task (replaces it if present). `skills` are names; matching is
  // case-sensitive (plans lowercase them).
  void insert(task_ref t, int priority, uint64_t seq, double score,
              const std::vector<std::string>& skills);
  void erase(task_ref t);
  // Changes a present task's graph score; no-op when absent or unchanged.
  void rescore(task_ref t, double score);

  bool contains(task_ref t) const { return entries_.count(t) != 0; }
  const entry* find(task_ref t) const;
  const bucket& bucket_at(uint32_t id) const { return buckets_[id]; }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  // The agent's skills as ids; names no ready task ever needed are dropped (no bucket
  // can require them). An empty `names` means a generalist: see eligible_buckets.
  skill_set skills_of(const std::vector<std::string>& names) const;

  // Non-empty buckets whose skills are a subset of `agent` — every bucket when
  // `generalist` — in bucket order (stable across calls).
  std::vector<const bucket*> eligible_buckets(const skill_set& agent,
                                              bool generalist) const;
  // Whether any ready task is open to an agent with these skill names (no allocation
  // for a generalist; stops at the first eligible bucket otherwise).
  bool any_open_to(const std::vector<std::string>& names) const;

  static priority_key key_priority(const entry& e) { return {e.priority, e.seq, e.task}; }
  static seq_key key_seq(const entry& e) { return {e.seq, e.task}; }
  static score_key key_score(const entry& e) {
    return {-e.score, e.priority, e.seq, e.task};
  }

private:
  uint32_t bucket_for(const std::vector<std::string>& skills);
  void link(const entry& e);
  void unlink(const entry& e);

  std::unordered_map<task_ref, entry> entries_;
  std::vector<bucket> buckets_;
  std::map<skill_set, uint32_t> bucket_of_;
  std::vector<uint32_t> non_empty_; // bucket ids with tasks, unordered
  std::vector<uint32_t> slot_;      // bucket id -> position in non_empty_, or npos
  std::unordered_map<std::string, skill_id> skill_ids_;
};

} // namespace swarm::strategies
