// JSON shapes of memories (see swarm/json.hpp for the rules they follow).

#include <swarm/json.hpp>

#include "src/json_fields.hpp"
#include "src/json_shape.hpp"

#include <boost/json/value_from.hpp>

namespace swarm {

namespace {

std::string unknown_kind(const std::string& n) {
  return "kind: '" + n + "' is not episodic, working or procedural";
}

std::string unknown_mode(const std::string& n) {
  return "mode: '" + n + "' is not a search mode; use vector, text or hybrid";
}

} // namespace

namespace json = boost::json;

template <class F> static void shape(F& f, memory_record& m) {
  f("id", m.id);
  f.named("kind", m.kind, parse_memory_kind, unknown_kind);
  f("type", m.type);
  f("content", m.content);
  f("tags", m.tags);
  f("agent", m.agent);
  f("task", m.task);
  f("importance", m.importance);
  f("created_us", m.created);
  f("expires_us", m.expires);
  f("access_count", m.access_count);
  f("last_access_us", m.last_access);
  if (m.expires != timestamp{}) f.out("expires_in_ms", ms_left(to_us(m.expires)));
}
SWARM_JSON_BY_SHAPE(memory_record)

// The type's own kind when `kind` is "" or missing.
template <class F> static void shape(F& f, memory_draft& d) {
  f("type", d.type);
  f.named("kind", d.kind, parse_memory_kind, unknown_kind);
  f.required("content", d.content);
  f("tags", d.tags);
  f("agent", d.agent);
  f("task", d.task);
  f.custom("importance", d.importance, [](double x) { return json::value(x); },
           [](field_reader& r, const char* key, double& x) {
             x = r.number(key, x, "a number from 0 to 1");
           });
  f("ttl_ms", d.ttl);
}
SWARM_JSON_BY_SHAPE(memory_draft)

template <class F> static void shape(F& f, memory_added& a) {
  f.flat(a.m);
  f("deduplicated", a.deduplicated);
}
SWARM_JSON_BY_SHAPE(memory_added)

template <class F> static void shape(F& f, memory_query& q) {
  f("query", q.text);
  f.named("mode", q.mode, parse_search_mode, unknown_mode);
  f("k", q.k);
  f("type", q.type);
  f("agent", q.agent);
  f("task", q.task);
  f("tags", q.tags);
}
SWARM_JSON_BY_SHAPE(memory_query)

template <class F> static void shape(F& f, memory_hit& h) {
  f.flat(h.m);
  f("score", h.score);
  f("relevance", h.relevance);
  f("similarity", h.similarity);
  f("vector_rank", h.vector_rank);
  f("text_rank", h.text_rank);
}
SWARM_JSON_BY_SHAPE(memory_hit)

template <class F> static void shape(F& f, memory_stats& s) {
  f("total", s.total);
  f("episodic", s.episodic);
  f("working", s.working);
  f("procedural", s.procedural);
  f("embedder", s.embedder);
  f("dimension", s.dimension);
  f.within("index", [&](auto& index) {
    index("path", s.index_path);
    index("size", s.index_size);
    index("state", s.index_state);
  });
  f("reembedded", s.reembedded);
}
SWARM_JSON_BY_SHAPE(memory_stats)

} // namespace swarm
