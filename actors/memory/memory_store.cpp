#include "actors/memory/memory_store.hpp"

#include "actors/journal_health.hpp"
#include "actors/memory/embedder.hpp"
#include "actors/memory/external_embedder.hpp"
#include "actors/memory/index_file.hpp"
#include "actors/memory/memory_book.hpp"
#include "actors/memory/memory_search.hpp"
#include "actors/memory/vector_index.hpp"
#include "persistence/database.hpp"
#include "persistence/memory_reader.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>

namespace swarm {

namespace {

using persistence::now_us;

constexpr const char* store_name = "memory store"; // in logs
// Loading waits for its commits (re-embedding batches) this long at most.
constexpr auto commit_timeout = std::chrono::minutes(5);
// A procedural memory this close (cosine) to one of the same type, whose words it only
// adds to or drops from (memory_book.hpp, words_contained), is the same learning.
constexpr float duplicate_similarity = 0.90f;
// A vector candidate less similar than this is noise (texts sharing no word), not a
// weak match: it would only dilute the fusion.
constexpr float min_similarity = 0.05f;
// A failed load is tried again after this long.
constexpr int64_t retry_load_us = 10'000'000;
// Re-embedding journals in batches of this many memories.
constexpr size_t reembed_batch = 256;

struct memory_store_state {
  memory_store_config cfg;
  persistence::persistence_actor persistence;
  journal_health health;
  bool loaded = false;
  std::optional<error> load_error; // the last load failed: requests get this until a retry
  int64_t load_failed_us = 0;
  memory::memory_book book;
  std::unique_ptr<memory::embedder> emb;
  std::unique_ptr<memory::vector_index> index;
  std::unique_ptr<SQLite::Database> db; // read-only: full-text search and vectors
  std::string index_state = "empty";
  uint64_t reembedded = 0;
  uint64_t unsaved = 0; // index changes since the last save
  int64_t last_save_us = 0;
  int64_t last_save_cost_us = 0; // how long the last save took
  std::vector<uint64_t> accessed; // search hits not yet journaled

  static inline const char* name = "memory-store";
};

using self_ptr = memory_actor::stateful_pointer<memory_store_state>;

std::string memory_id(uint64_t num) { return "mem-" + std::to_string(num); }

// ---- journal

// Journals and waits: for loading, before any request is answered. A failed write
// fails the load, which is tried again later from the database (nothing in memory is
// ahead of it), so it does not break the store.
expected<void> commit_now(self_ptr self, std::vector<persistence::event> events) {
  if (events.empty()) return {};
  caf::scoped_actor waiter{self->system()};
  expected<void> out;
  waiter
      ->request(self->state.persistence, commit_timeout, persistence::append_atom_v,
                persistence::event_batch{std::move(events)})
      .receive([](int64_t) {}, [&](caf::error& err) { out = from_caf(err); });
  return out;
}

persistence::event added_event(uint64_t num, const memory_record& m, const memory::embedder& emb,
                               const std::vector<float>& v) {
  persistence::memory_added e;
  e.num = num;
  e.id = m.id;
  e.kind = to_string(m.kind);
  e.type = m.type;
  e.content = m.content;
  e.tags = m.tags;
  e.agent = m.agent;
  e.task = m.task;
  e.importance = m.importance;
  e.expires_us = to_us(m.expires);
  e.embedder = emb.name();
  e.dim = emb.dimension();
  e.vector = persistence::encode_vector(v);
  return persistence::make_event(std::move(e), to_us(m.created));
}

persistence::event forgotten_event(uint64_t num, const memory_record& m, const std::string& by,
                                   const std::string& reason, int64_t now) {
  return persistence::make_event(persistence::memory_forgotten{m.id, num, by, reason},
                                 now);
}

// ---- the index file

memory::vector_kind kind_of(const memory::embedder& emb) { return {emb.name(), emb.dimension()}; }

expected<void> save_index(self_ptr self) {
  auto& st = self->state;
  const int64_t started = now_us();
  if (auto r = memory::save_index_file(memory::index_path(st.cfg.db_path), kind_of(*st.emb), *st.index);
      !r)
    return r;
  st.unsaved = 0;
  st.last_save_us = now_us();
  st.last_save_cost_us = st.last_save_us - started;
  return {};
}

expected<void> open_index(self_ptr self, bool vectors_changed) {
  auto& st = self->state;
  std::set<uint64_t> live;
  for (const auto& [num, m] : st.book.all())
    live.insert(live.end(), num);
  auto stored = [&](const std::function<void(uint64_t, std::vector<float>)>& f) {
    uint64_t skipped = 0;
    return persistence::for_each_memory_vector(*st.db, st.emb->name(), f, skipped);
  };
  auto opened = memory::open_index_file(memory::index_path(st.cfg.db_path), kind_of(*st.emb), live,
                                        stored, vectors_changed);
  if (!opened) return opened.error();
  st.index = std::move(opened->index);
  st.index_state = opened->state;
  st.unsaved = opened->changed;
  return {};
}

// ---- loading

struct embedder_choice {
  std::string spec, model, key_env;
};

expected<std::unique_ptr<memory::embedder>> build_embedder(const embedder_choice& c) {
  auto spec = memory::parse_embedder_spec(c.spec);
  if (!spec) return spec.error();
  spec->model = c.model;
  spec->api_key_env = c.key_env;
  return memory::make_embedder(*spec);
}

// The memories re-embedded by a new embedder, journaled in batches.
expected<void> reembed(self_ptr self, const std::vector<persistence::stored_memory>& stored) {
  auto& st = self->state;
  std::vector<persistence::event> batch;
  const int64_t now = now_us();
  for (const auto& s : stored) {
    if (s.embedder == st.emb->name() && s.dim == st.emb->dimension()) continue;
    if (st.book.get(s.num) == nullptr) continue;
    auto v = st.emb->embed(s.m.content);
    if (!v)
      return make_error(v.error().code, "re-embedding " + s.m.id + " with " + st.emb->name() +
                                          ": " + v.error().message);
    batch.push_back(persistence::make_event(
        persistence::memory_reembedded{s.m.id, s.num, st.emb->name(), st.emb->dimension(),
                                       persistence::encode_vector(*v)},
        now));
    ++st.reembedded;
    if (batch.size() >= reembed_batch) {
      if (auto r = commit_now(self, std::move(batch)); !r) return r;
      batch.clear();
    }
  }
  return commit_now(self, std::move(batch));
}

expected<void> load(self_ptr self) {
  auto& st = self->state;
  auto db = persistence::open_database_readonly(st.cfg.db_path);
  if (!db) return db.error();
  st.db = std::move(*db);
  auto stored = persistence::read_memories(*st.db);
  if (!stored) return stored.error();
  for (const auto& s : *stored)
    st.book.add(s.num, s.m);

  auto setting = persistence::read_memory_embedder(*st.db);
  if (!setting) return setting.error();
  embedder_choice chosen{"builtin", "", ""};
  if (!st.cfg.embedder.empty())
    chosen = {st.cfg.embedder, st.cfg.embedder_model, st.cfg.embedder_key_env};
  else if (*setting)
    chosen = {(*setting)->spec, (*setting)->model, (*setting)->key_env};
  auto emb = build_embedder(chosen);
  if (!emb)
    return make_error(emb.error().code, "the memory embedder '" + chosen.spec +
                                          "' is not usable: " + emb.error().message);
  st.emb = std::move(*emb);

  // The name alone does not tell builtin from builtin:16: the dimension counts too.
  const bool same_choice = *setting && (*setting)->name == st.emb->name() &&
                           (*setting)->dim == st.emb->dimension();
  // Memories of another embedder are re-embedded whether or not the choice just
  // changed: a re-embedding cut short by a crash goes on at the next load.
  const bool any_other = std::any_of(stored->begin(), stored->end(), [&](const auto& s) {
    return st.book.get(s.num) != nullptr &&
           (s.embedder != st.emb->name() || s.dim != st.emb->dimension());
  });
  bool vectors_changed = false;
  if (st.cfg.read_only) {
    if (any_other)
      return make_error(errc::invalid_state,
                        "the memories are embedded by another embedder than " +
                            st.emb->name() +
                            "; open the engine writable (without inspect) to re-embed");
  } else {
    if (!same_choice) {
      persistence::memory_embedder e{chosen.spec, chosen.model, chosen.key_env,
                                     st.emb->name(), st.emb->dimension()};
      if (auto r = commit_now(self, {persistence::make_event(std::move(e), now_us())});
          !r)
        return r;
    }
    if (any_other) {
      spdlog::info("memory embedder is now {}: re-embedding the stored memories",
                   st.emb->name());
      if (auto r = reembed(self, *stored); !r) return r;
      vectors_changed = true;
    }
  }
  if (auto r = open_index(self, vectors_changed); !r) return r;
  // A repaired or rebuilt index is saved at once, by a read-only engine too: the file
  // is a cache of committed vectors (written atomically), and the next reader should
  // not pay for the same rebuild.
  if (st.unsaved > 0)
    if (auto r = save_index(self); !r)
      spdlog::warn("memory index not saved: {}", r.error().message);
  st.last_save_us = now_us();
  return {};
}

void sweep(self_ptr self);

// Loads on first use (and sweeps what expired meanwhile); the error (kept) when the
// store cannot serve.
caf::error ready(self_ptr self) {
  auto& st = self->state;
  if (st.loaded) return {};
  // A failed load (an embedding server down, say) is tried again, at most every 10 s;
  // what it journaled already (the embedder choice, re-embedded batches) stays, and the
  // next try goes on from there.
  const int64_t now = now_us();
  if (st.load_error && now - st.load_failed_us < retry_load_us) return to_caf(*st.load_error);
  st.book = memory::memory_book{};
  st.emb.reset();
  st.index.reset();
  st.db.reset();
  if (auto r = load(self); !r) {
    st.load_error = r.error();
    st.load_failed_us = now;
    spdlog::error("memory store: {}", r.error().message);
    return to_caf(r.error());
  }
  st.loaded = true;
  st.load_error.reset();
  sweep(self);
  self->delayed_send(self, std::chrono::microseconds(st.cfg.tick_interval_us), tick_atom_v);
  return {};
}

// ---- requests

caf::result<memory_added> on_remember(self_ptr self, memory_draft d) {
  auto& st = self->state;
  if (auto err = st.health.refusal()) return err;
  const int64_t now = now_us();
  auto r = memory::resolve(d, now);
  if (!r) return to_caf(r.error());
  if (auto err = ready(self)) return err;
  auto v = st.emb->embed(d.content);
  if (!v) return to_caf(v.error().code, "embedding the memory: " + v.error().message);

  if (r->kind == memory_kind::procedural) {
    uint64_t same = st.book.same_learning(d.type, memory::normal_form(d.content));
    if (same == 0)
      for (const auto& [label, sim] : st.index->search(*v, 8)) {
        const memory_record* m = st.book.get(label);
        if (sim < duplicate_similarity) break;
        if (m != nullptr && m->kind == memory_kind::procedural && m->type == d.type &&
            memory::words_contained(m->content, d.content)) {
          same = label;
          break;
        }
      }
    if (same != 0) {
      memory_record& m = *st.book.get(same);
      m.importance = std::max(m.importance, d.importance);
      for (const auto& t : d.tags)
        if (std::find(m.tags.begin(), m.tags.end(), t) == m.tags.end()) m.tags.push_back(t);
      auto e = persistence::make_event(
          persistence::memory_reinforced{m.id, same, m.importance, m.tags}, now);
      auto rp = self->make_response_promise<memory_added>();
      commit_then(self, store_name, {std::move(e)}, rp, memory_added{m, true});
      return rp;
    }
  }

  const uint64_t num = st.book.take_number();
  memory_record m;
  m.id = memory_id(num);
  m.kind = r->kind;
  m.type = d.type;
  m.content = std::move(d.content);
  m.tags = std::move(d.tags);
  m.agent = std::move(d.agent);
  m.task = std::move(d.task);
  m.importance = d.importance;
  m.created = from_us(now);
  m.expires = from_us(r->expires_us);
  if (auto up = st.index->upsert(num, *v); !up) return to_caf(up.error());
  ++st.unsaved;
  auto e = added_event(num, m, *st.emb, *v);
  st.book.add(num, m);
  auto rp = self->make_response_promise<memory_added>();
  commit_then(self, store_name, {std::move(e)}, rp, memory_added{std::move(m), false});
  return rp;
}

caf::result<std::vector<memory_hit>> on_recall(self_ptr self, const memory_query& q) {
  auto& st = self->state;
  const search_mode mode = q.mode;
  if (q.k < 1 || q.k > 1000)
    return to_caf(errc::bad_request, "k: " + std::to_string(q.k) + " is out of range; use 1 to 1000");
  if (q.text.find_first_not_of(" \t\r\n") == std::string::npos)
    return to_caf(errc::bad_request, "query: nothing to search for");
  if (auto err = ready(self)) return err;
  const int64_t now = now_us();
  const bool filtered = !q.type.empty() || !q.agent.empty() || !q.task.empty() || !q.tags.empty();
  // Candidates per list: enough for fusion to matter, more when filters drop some.
  const size_t want = std::max<size_t>(q.k * 3, 30);
  auto keep = [&](uint64_t num) {
    const memory_record* m = st.book.get(num);
    return m != nullptr && memory::passes(*m, q, now);
  };

  std::vector<std::pair<uint64_t, float>> vec;
  if (mode != search_mode::text && st.index->size() > 0) {
    auto qv = st.emb->embed(q.text);
    if (!qv) return to_caf(qv.error().code, "embedding the query: " + qv.error().message);
    // With filters the pool grows until enough pass them, the index is exhausted, or
    // the pool reaches memories too dissimilar to count.
    for (size_t pool = filtered ? want * 4 : want;; pool *= 4) {
      vec.clear();
      bool exhausted = !filtered || pool >= st.index->size();
      for (const auto& [label, sim] : st.index->search(*qv, std::min(pool, st.index->size()))) {
        if (sim <= min_similarity) {
          exhausted = true;
          break;
        }
        if (keep(label)) vec.emplace_back(label, sim);
      }
      if (vec.size() >= want || exhausted) break;
    }
    if (vec.size() > want) vec.resize(want);
  }
  std::vector<std::pair<uint64_t, double>> text;
  if (mode != search_mode::vector) {
    auto match = memory::fts_match(
        q.text, [&](const std::string& w) { return st.book.frequency(w); }, st.book.size());
    if (!match.empty()) {
      for (size_t pool = filtered ? want * 4 : want;; pool *= 4) {
        auto found = persistence::search_memory_text(*st.db, match, static_cast<uint32_t>(std::min<size_t>(pool, 1u << 30)));
        if (!found) return to_caf(found.error());
        text.clear();
        for (const auto& [num, rank] : *found)
          if (keep(num)) text.emplace_back(num, rank);
        if (text.size() >= want || found->size() < pool) break;
      }
      if (text.size() > want) text.resize(want);
    }
  }
  auto ranked = memory::rank_candidates(
      mode, vec, text,
      [&](uint64_t num) {
        const memory_record* m = st.book.get(num);
        return memory::candidate_facts{m->importance, now - to_us(m->created)};
      },
      q.k);
  std::vector<memory_hit> out;
  out.reserve(ranked.size());
  for (const auto& h : ranked) {
    memory_record* m = st.book.get(h.num);
    ++m->access_count;
    m->last_access = from_us(now);
    if (!st.cfg.read_only) st.accessed.push_back(h.num);
    out.push_back(memory_hit{*m, h.score, h.relevance, h.similarity, h.vector_rank, h.text_rank});
  }
  return out;
}

caf::result<memory_record> on_forget(self_ptr self, const std::string& id, const std::string& by) {
  auto& st = self->state;
  if (auto err = st.health.refusal()) return err;
  if (auto err = ready(self)) return err;
  const uint64_t num = st.book.number_of(id);
  if (num == 0)
    return to_caf(errc::not_found, "no memory '" + id + "'; `swarm memory search` shows ids");
  memory_record m;
  st.book.remove(num, &m);
  st.index->remove(num);
  ++st.unsaved;
  auto rp = self->make_response_promise<memory_record>();
  auto e = forgotten_event(num, m, by, "forgotten", now_us());
  commit_then(self, store_name, {std::move(e)}, rp, std::move(m));
  return rp;
}

caf::result<std::vector<memory_record>> on_list(self_ptr self, const memory_query& q) {
  auto& st = self->state;
  if (q.k < 1 || q.k > 1000)
    return to_caf(errc::bad_request, "limit: " + std::to_string(q.k) + " is out of range; use 1 to 1000");
  if (auto err = ready(self)) return err;
  const int64_t now = now_us();
  std::vector<memory_record> out;
  const auto& all = st.book.all();
  for (auto it = all.rbegin(); it != all.rend() && out.size() < q.k; ++it)
    if (memory::passes(it->second, q, now)) out.push_back(it->second);
  return out;
}

caf::result<memory_stats> on_stats(self_ptr self) {
  auto& st = self->state;
  if (auto err = ready(self)) return err;
  memory_stats s;
  const int64_t now = now_us();
  for (const auto& [num, m] : st.book.all()) {
    if (to_us(m.expires) > 0 && to_us(m.expires) <= now) continue;
    ++s.total;
    if (m.kind == memory_kind::episodic)
      ++s.episodic;
    else if (m.kind == memory_kind::working)
      ++s.working;
    else ++s.procedural;
  }
  s.embedder = st.emb->name();
  s.dimension = st.emb->dimension();
  s.index_path = memory::index_path(st.cfg.db_path);
  s.index_size = st.index->size();
  s.index_state = st.index_state;
  s.reembedded = st.reembedded;
  return s;
}

// The search hits not yet journaled, as one memory.accessed event.
std::optional<persistence::event> take_accessed(self_ptr self, int64_t now) {
  auto& st = self->state;
  persistence::memory_accessed e;
  for (auto n : st.accessed)
    if (st.book.get(n) != nullptr) e.nums.push_back(n);
  st.accessed.clear();
  if (e.nums.empty()) return std::nullopt;
  return persistence::make_event(std::move(e), now);
}

// Expired working memories leave; search hits are counted; the index is saved now and
// then.
void sweep(self_ptr self) {
  auto& st = self->state;
  if (st.cfg.read_only || st.health.refusal()) return;
  const int64_t now = now_us();
  std::vector<persistence::event> events;
  for (auto num : st.book.expired(now)) {
    memory_record m;
    st.book.remove(num, &m);
    st.index->remove(num);
    ++st.unsaved;
    events.push_back(forgotten_event(num, m, "swarm", "expired", now));
  }
  if (auto e = take_accessed(self, now)) events.push_back(std::move(*e));
  if (!events.empty()) journal_async(self, store_name, std::move(events));
  // A large index takes a while to write: it is saved at most 5 % of the time.
  const int64_t interval = std::max(st.cfg.save_interval_us, 20 * st.last_save_cost_us);
  if (st.unsaved > 0 && now - st.last_save_us >= interval)
    if (auto r = save_index(self); !r)
      spdlog::warn("memory index not saved: {}", r.error().message);
}

void on_tick(self_ptr self) {
  self->delayed_send(self, std::chrono::microseconds(self->state.cfg.tick_interval_us),
                     tick_atom_v);
  sweep(self);
}

memory_actor::behavior_type memory_store_impl(self_ptr self,
                                              persistence::persistence_actor persistence,
                                              memory_store_config cfg) {
  self->state.persistence = std::move(persistence);
  self->state.health.read_only = cfg.read_only;
  self->state.health.storage = cfg.storage;
  self->state.cfg = std::move(cfg);
  return {
      [=](remember_atom, memory_draft& d) { return on_remember(self, std::move(d)); },
      [=](recall_atom, const memory_query& q) { return on_recall(self, q); },
      [=](forget_atom, const std::string& id, const std::string& by) {
        return on_forget(self, id, by);
      },
      [=](list_atom, const memory_query& q) { return on_list(self, q); },
      [=](stats_atom) { return on_stats(self); },
      [=](flush_atom) -> caf::result<bool> {
        auto& st = self->state;
        if (!st.loaded || st.cfg.read_only) return false;
        // Search hits not yet counted are journaled first (the engine commits them
        // with its final sync).
        if (!st.health.refusal())
          if (auto e = take_accessed(self, now_us()))
            journal_async(self, store_name, {std::move(*e)});
        if (st.unsaved == 0) return false;
        if (auto r = save_index(self); !r) return to_caf(r.error());
        return true;
      },
      [=](tick_atom) { on_tick(self); },
  };
}

} // namespace

memory_actor spawn_memory_store(caf::actor_system& sys,
                                persistence::persistence_actor persistence,
                                memory_store_config cfg) {
  return sys.spawn<caf::detached>(memory_store_impl, std::move(persistence), std::move(cfg));
}

} // namespace swarm
