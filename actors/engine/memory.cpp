// The engine's memory API: each call is one request to the MemoryStore actor (see
// memory_store.hpp).

#include "actors/engine/engine_impl.hpp"

namespace swarm {

expected<memory_added> engine::add_memory(const memory_draft& d) {
  return impl_->ask<memory_added>(impl_->memory, remember_atom_v, d);
}

expected<std::vector<memory_hit>> engine::search_memories(const memory_query& q) {
  return impl_->ask<std::vector<memory_hit>>(impl_->memory, recall_atom_v, q);
}

expected<memory_record> engine::forget_memory(const std::string& id, const std::string& by) {
  return impl_->ask<memory_record>(impl_->memory, forget_atom_v, id, by);
}

expected<std::vector<memory_record>> engine::memories(const memory_query& q) {
  return impl_->ask<std::vector<memory_record>>(impl_->memory, list_atom_v, q);
}

expected<memory_stats> engine::memory_statistics() {
  return impl_->ask<memory_stats>(impl_->memory, stats_atom_v);
}

} // namespace swarm
