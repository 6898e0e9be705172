#pragma once
// The MemoryStore actor: episodic, working and procedural memories. It embeds them
// (built-in embedder by default; a command or an HTTP endpoint when configured),
// indexes the vectors in HNSW (vector_index.hpp) and the text in SQLite FTS5, answers
// vector, full-text and hybrid searches (memory_search.hpp, ranking.hpp), de-duplicates
// procedural memories and expires working memory. Every change is journaled through
// the persistence actor and answered after commit.
//
// It loads on its first request, not at engine start, so a command that never touches
// memory pays nothing for it: the memories from SQLite, the embedder (re-embedding
// every memory when the configured one differs from the stored one), and the index
// file next to the database, which is repaired (points added or removed) or rebuilt
// from the stored vectors when missing, unreadable or stale. The index is saved on
// flush (engine stop) and every 30 s while it has unsaved changes; a crash costs a
// repair at the next load, never a memory.
//
// Thread: its own (detached): an external embedder blocks for as long as it takes.

#include "actors/messages.hpp"

#include <swarm/types.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace swarm {

using memory_actor = caf::typed_actor<
    // Stores a memory (or reinforces the procedural memory it duplicates).
    // errc::bad_request names the bad field.
    caf::replies_to<remember_atom, memory_draft>::with<memory_added>,
    // Best first; errc::bad_request for a bad mode, k or empty query.
    caf::replies_to<recall_atom, memory_query>::with<std::vector<memory_hit>>,
    // (id, by): the memory forgotten; errc::not_found for an unknown id.
    caf::replies_to<forget_atom, std::string, std::string>::with<memory_record>,
    // (query: filters only, k = limit): memories newest first.
    caf::replies_to<list_atom, memory_query>::with<std::vector<memory_record>>,
    caf::replies_to<stats_atom>::with<memory_stats>,
    // Saves the index when it has unsaved changes; answers whether it wrote.
    caf::replies_to<flush_atom>::with<bool>,
    // Internal timer: expiry sweep, access counts, periodic save.
    caf::reacts_to<tick_atom>>;

struct memory_store_config {
  std::string db_path;
  // inspect_only: answer and change nothing (an index repaired or rebuilt at load is
  // still saved: the file is a cache of committed vectors).
  bool read_only = false;
  // The disk guard every change passes first (journal_health::storage); may be null.
  std::shared_ptr<const persistence::storage_gate> storage;
  // The embedder (options::embedder, embedder_model, embedder_key_env).
  std::string embedder;
  std::string embedder_model;
  std::string embedder_key_env;
  int64_t tick_interval_us = 1'000'000;
  int64_t save_interval_us = 30'000'000;
};

memory_actor spawn_memory_store(caf::actor_system& sys,
                                persistence::persistence_actor persistence,
                                memory_store_config cfg);

} // namespace swarm
