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
#include <charconv>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>

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
// A search's full-text half ranks at most about this many memories (memory_search.hpp,
// fts_match): about 3 ms. Agents recall on every claim, and a 1,000-agent soak's
// queries ranked 12k each (10 ms) at 200k memories, which the store could not keep up
// with.
constexpr uint64_t text_postings = 4096;
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
  uint64_t next_write = 1; // the sequence number of the next journal write (book.hpp)
  std::unique_ptr<memory::embedder> emb;
  std::unique_ptr<memory::vector_index> index;
  std::unique_ptr<SQLite::Database> db; // read-only: the memories, full text, vectors
  std::unique_ptr<persistence::memory_rows> rows; // one memory by number, through db
  std::string index_state = "empty";
  uint64_t reembedded = 0;
  uint64_t unsaved = 0; // index changes since the last save
  int64_t last_save_us = 0;
  int64_t last_save_cost_us = 0; // how long the last save took
  std::vector<uint64_t> accessed; // search hits not yet journaled
  // Search hits not yet committed, per memory: added to what SQLite counts.
  struct access_note {
    uint64_t count = 0;
    int64_t last_us = 0;
  };
  std::unordered_map<uint64_t, access_note> accesses;

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

// Journals a change the book holds as uncommitted write `seq` (journal_overlaid).
template <class F>
void journal_change(self_ptr self, uint64_t seq, std::vector<persistence::event> events, F then) {
  journal_overlaid(self, store_name, self->state.book, seq, std::move(events), std::move(then));
}

template <class T>
void commit_change(self_ptr self, uint64_t seq, std::vector<persistence::event> events,
                   caf::typed_response_promise<T> rp, T value) {
  journal_change(self, seq, std::move(events), deliver_after(std::move(rp), std::move(value)));
}

// ---- reading the memories

// Adds the memory's search hits not yet committed to what `m` (SQLite's or the book's
// state) counts.
void count_accesses(self_ptr self, uint64_t num, memory_record& m) {
  auto& accesses = self->state.accesses;
  auto a = accesses.find(num);
  if (a == accesses.end()) return;
  m.access_count += a->second.count;
  m.last_access = from_us(std::max(to_us(m.last_access), a->second.last_us));
}

// The memory as it is now: its uncommitted state, else SQLite's, with the search hits
// not yet committed counted (unless `committed_accesses_only`, for a state the book
// keeps); nullopt when there is none.
expected<std::optional<memory_record>> record_of(self_ptr self, uint64_t num,
                                                 bool committed_accesses_only = false) {
  auto& st = self->state;
  const memory_record* held = nullptr;
  std::optional<memory_record> out;
  switch (st.book.state(num, &held)) {
  case memory::memory_book::overlay::removed:
    return out;
  case memory::memory_book::overlay::held:
    out = *held;
    break;
  case memory::memory_book::overlay::none: {
    auto read = st.rows->get(num);
    if (!read) return read.error();
    out = std::move(*read);
    break;
  }
  }
  if (out && !committed_accesses_only) count_accesses(self, num, *out);
  return out;
}

// record_of for the candidates of one request, each read once.
class record_cache {
public:
  explicit record_cache(self_ptr self) : self_(self) {}
  // nullptr when there is none; the error of a failed read is kept (failure()).
  const memory_record* get(uint64_t num) {
    auto it = seen_.find(num);
    if (it == seen_.end()) {
      auto r = record_of(self_, num);
      if (!r) {
        if (!failure_) failure_ = r.error();
        r = std::optional<memory_record>{};
      }
      it = seen_.emplace(num, std::move(*r)).first;
    }
    return it->second ? &*it->second : nullptr;
  }
  const std::optional<error>& failure() const { return failure_; }

private:
  self_ptr self_;
  std::unordered_map<uint64_t, std::optional<memory_record>> seen_;
  std::optional<error> failure_;
};

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

expected<void> open_index(self_ptr self, const std::set<uint64_t>& live,
                          bool vectors_changed) {
  auto& st = self->state;
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

// The memories re-embedded by a new embedder (`nums`: those of another one), journaled
// in batches.
expected<void> reembed(self_ptr self, const std::vector<uint64_t>& nums) {
  auto& st = self->state;
  std::vector<persistence::event> batch;
  const int64_t now = now_us();
  for (auto num : nums) {
    auto m = st.rows->get(num);
    if (!m) return m.error();
    if (!*m) continue;
    auto v = st.emb->embed((*m)->content);
    if (!v)
      return make_error(v.error().code, "re-embedding " + (*m)->id + " with " +
                                          st.emb->name() + ": " + v.error().message);
    batch.push_back(persistence::make_event(
        persistence::memory_reembedded{(*m)->id, num, st.emb->name(), st.emb->dimension(),
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
  auto rows = persistence::memory_rows::open(*st.db);
  if (!rows) return rows.error();
  st.rows = std::move(*rows);

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

  // The book learns every live memory; the ones of another embedder are re-embedded
  // whether or not the choice just changed: a re-embedding cut short by a crash goes on
  // at the next load.
  std::set<uint64_t> live;
  std::vector<uint64_t> other;
  auto scanned = persistence::for_each_memory(*st.db, false, [&](const auto& s) {
    st.book.load(s.num, s.m);
    live.insert(live.end(), s.num);
    if (s.embedder != st.emb->name() || s.dim != st.emb->dimension()) other.push_back(s.num);
    return true;
  });
  if (!scanned) return scanned.error();

  // The name alone does not tell builtin from builtin:16: the dimension counts too.
  const bool same_choice = *setting && (*setting)->name == st.emb->name() &&
                           (*setting)->dim == st.emb->dimension();
  bool vectors_changed = false;
  if (st.cfg.read_only) {
    if (!other.empty())
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
    if (!other.empty()) {
      spdlog::info("memory embedder is now {}: re-embedding the stored memories",
                   st.emb->name());
      if (auto r = reembed(self, other); !r) return r;
      vectors_changed = true;
    }
  }
  if (auto r = open_index(self, live, vectors_changed); !r) return r;
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
  st.rows.reset();
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

// The procedural memory a new learning repeats (memory_book.hpp: the same normal form,
// or close and only adding or dropping words), or 0.
expected<uint64_t> same_learning(self_ptr self, const memory_draft& d,
                                 const std::vector<float>& v) {
  auto& st = self->state;
  record_cache records{self};
  const auto normal = memory::normal_form(d.content);
  for (auto num : st.book.learnings(d.type, normal)) {
    const memory_record* m = records.get(num);
    if (m != nullptr && m->type == d.type && memory::normal_form(m->content) == normal)
      return num;
  }
  for (const auto& [label, sim] : st.index->search(v, 8)) {
    if (sim < duplicate_similarity) break;
    const memory_record* m = records.get(label);
    if (m != nullptr && m->kind == memory_kind::procedural && m->type == d.type &&
        memory::words_contained(m->content, d.content))
      return label;
  }
  if (records.failure()) return *records.failure();
  return uint64_t{0};
}

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
    auto same = same_learning(self, d, *v);
    if (!same) return to_caf(same.error());
    if (*same != 0) {
      auto found = record_of(self, *same, true);
      if (!found) return to_caf(found.error());
      if (!*found) return to_caf(errc::internal, "the learning to reinforce vanished");
      memory_record m = std::move(**found);
      m.importance = std::max(m.importance, d.importance);
      for (const auto& t : d.tags)
        if (std::find(m.tags.begin(), m.tags.end(), t) == m.tags.end()) m.tags.push_back(t);
      auto e = persistence::make_event(
          persistence::memory_reinforced{m.id, *same, m.importance, m.tags}, now);
      const uint64_t seq = st.next_write++;
      st.book.change(*same, m, seq);
      count_accesses(self, *same, m);
      auto rp = self->make_response_promise<memory_added>();
      commit_change(self, seq, {std::move(e)}, rp, memory_added{std::move(m), true});
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
  const uint64_t seq = st.next_write++;
  st.book.add(num, m, seq);
  auto rp = self->make_response_promise<memory_added>();
  commit_change(self, seq, {std::move(e)}, rp, memory_added{std::move(m), false});
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
  record_cache records{self};
  auto keep = [&](uint64_t num) {
    const memory_record* m = records.get(num);
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
        q.text, [&](const std::string& w) { return st.book.frequency(w); }, st.book.size(),
        text_postings, mode == search_mode::text);
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
  if (records.failure()) return to_caf(*records.failure());
  auto ranked = memory::rank_candidates(
      mode, vec, text,
      [&](uint64_t num) {
        const memory_record* m = records.get(num);
        return memory::candidate_facts{m->importance, now - to_us(m->created)};
      },
      q.k);
  std::vector<memory_hit> out;
  out.reserve(ranked.size());
  for (const auto& h : ranked) {
    memory_record m = *records.get(h.num);
    ++m.access_count;
    m.last_access = from_us(now);
    // Counted until the access is committed (an inspecting engine counts nothing).
    if (!st.cfg.read_only) {
      auto& a = st.accesses[h.num];
      ++a.count;
      a.last_us = now;
      st.accessed.push_back(h.num);
    }
    out.push_back(memory_hit{std::move(m), h.score, h.relevance, h.similarity, h.vector_rank,
                             h.text_rank});
  }
  return out;
}

caf::result<memory_record> on_forget(self_ptr self, const std::string& id, const std::string& by) {
  auto& st = self->state;
  if (auto err = st.health.refusal()) return err;
  if (auto err = ready(self)) return err;
  auto unknown = [&] {
    return to_caf(errc::not_found, "no memory '" + id + "'; `swarm memory search` shows ids");
  };
  // Ids are "mem-<number>" (memory_id).
  uint64_t num = 0;
  if (id.size() <= 4 || id.compare(0, 4, "mem-") != 0) return unknown();
  auto [end, ec] = std::from_chars(id.data() + 4, id.data() + id.size(), num);
  if (ec != std::errc{} || end != id.data() + id.size()) return unknown();
  auto found = record_of(self, num);
  if (!found) return to_caf(found.error());
  if (!*found || (*found)->id != id) return unknown();
  memory_record m = std::move(**found);
  const uint64_t seq = st.next_write++;
  st.book.remove(num, m, seq);
  st.accesses.erase(num);
  st.index->remove(num);
  ++st.unsaved;
  auto rp = self->make_response_promise<memory_record>();
  auto e = forgotten_event(num, m, by, "forgotten", now_us());
  commit_change(self, seq, {std::move(e)}, rp, std::move(m));
  return rp;
}

caf::result<std::vector<memory_record>> on_list(self_ptr self, const memory_query& q) {
  auto& st = self->state;
  if (q.k < 1 || q.k > 1000)
    return to_caf(errc::bad_request, "limit: " + std::to_string(q.k) + " is out of range; use 1 to 1000");
  if (auto err = ready(self)) return err;
  const int64_t now = now_us();
  std::vector<memory_record> out;
  // Newest first: the memories not yet committed merged into SQLite's, by number.
  const auto held = st.book.held_newest_first();
  size_t h = 0;
  auto take = [&](uint64_t num) {
    auto m = record_of(self, num);
    if (m && *m && memory::passes(**m, q, now)) out.push_back(std::move(**m));
    return m ? std::optional<error>{} : std::optional<error>{m.error()};
  };
  std::optional<error> failed;
  auto scanned = persistence::for_each_memory(*st.db, true, [&](const auto& s) {
    for (; h < held.size() && held[h] >= s.num && out.size() < q.k && !failed; ++h)
      failed = take(held[h]);
    if (failed || out.size() >= q.k) return false;
    if (h > 0 && held[h - 1] == s.num) return true; // taken from the book
    if (st.book.state(s.num) != memory::memory_book::overlay::none) return true; // removed
    memory_record m = s.m;
    count_accesses(self, s.num, m);
    if (memory::passes(m, q, now)) out.push_back(std::move(m));
    return out.size() < q.k;
  });
  for (; h < held.size() && out.size() < q.k && !failed; ++h)
    failed = take(held[h]);
  if (!scanned) return to_caf(scanned.error());
  if (failed) return to_caf(*failed);
  return out;
}

caf::result<memory_stats> on_stats(self_ptr self) {
  auto& st = self->state;
  if (auto err = ready(self)) return err;
  memory_stats s;
  // Working memories past their expiry are gone for every request, swept or not.
  const uint64_t expired = st.book.expired(now_us()).size();
  s.episodic = st.book.count(memory_kind::episodic);
  s.working = st.book.count(memory_kind::working) - expired;
  s.procedural = st.book.count(memory_kind::procedural);
  s.total = s.episodic + s.working + s.procedural;
  s.embedder = st.emb->name();
  s.dimension = st.emb->dimension();
  s.index_path = memory::index_path(st.cfg.db_path);
  s.index_size = st.index->size();
  s.index_state = st.index_state;
  s.reembedded = st.reembedded;
  return s;
}

// The search hits not yet journaled, as one memory.accessed event; they stay counted
// (accesses) until it commits.
void journal_accessed(self_ptr self, int64_t now) {
  auto& st = self->state;
  persistence::memory_accessed e;
  for (auto n : st.accessed)
    if (st.accesses.count(n) > 0) e.nums.push_back(n); // forgotten meanwhile: dropped
  st.accessed.clear();
  if (e.nums.empty()) return;
  auto nums = e.nums;
  journal_then(self, store_name, {persistence::make_event(std::move(e), now)},
               [self, nums = std::move(nums)](const caf::error& err) {
                 if (err) return; // memory stays ahead: counted until a restart
                 auto& accesses = self->state.accesses;
                 for (auto n : nums) {
                   auto a = accesses.find(n);
                   if (a != accesses.end() && --a->second.count == 0) accesses.erase(a);
                 }
               });
}

// Expired working memories leave; search hits are counted; the index is saved now and
// then.
void sweep(self_ptr self) {
  auto& st = self->state;
  if (st.cfg.read_only || st.health.refusal()) return;
  const int64_t now = now_us();
  std::vector<persistence::event> events;
  const uint64_t seq = st.next_write++;
  for (auto num : st.book.expired(now)) {
    auto found = record_of(self, num, true);
    if (!found || !*found) {
      spdlog::warn("memory store: expired memory {} unreadable ({}); sweeping it later", num,
                   found ? "missing" : found.error().message);
      break;
    }
    st.book.remove(num, **found, seq);
    st.accesses.erase(num);
    st.index->remove(num);
    ++st.unsaved;
    events.push_back(forgotten_event(num, **found, "swarm", "expired", now));
  }
  if (!events.empty()) journal_change(self, seq, std::move(events), [](const caf::error&) {});
  journal_accessed(self, now);
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
        if (!st.health.refusal()) journal_accessed(self, now_us());
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
