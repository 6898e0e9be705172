// JSON shapes of memories (see swarm/json.hpp for the rules they follow).

#include <swarm/json.hpp>

#include "src/json_fields.hpp"
#include "src/time_units.hpp"

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

void tag_invoke(const json::value_from_tag&, json::value& jv, const memory_record& m) {
  jv = json::object{{"id", m.id},
                    {"kind", to_string(m.kind)},
                    {"type", m.type},
                    {"content", m.content},
                    {"tags", json::value_from(m.tags)},
                    {"agent", m.agent},
                    {"task", m.task},
                    {"importance", m.importance},
                    {"created_us", to_us(m.created)},
                    {"expires_us", to_us(m.expires)},
                    {"access_count", m.access_count},
                    {"last_access_us", to_us(m.last_access)}};
  if (m.expires != timestamp{})
    jv.as_object()["expires_in_ms"] = ms_left(to_us(m.expires));
}

expected<memory_record> from_json(json_to<memory_record>, const json::value& v) {
  field_reader r{v};
  memory_record m;
  m.id = r.text("id");
  m.kind = r.named("kind", m.kind, parse_memory_kind, unknown_kind);
  m.type = r.text("type");
  m.content = r.text("content");
  m.tags = r.texts("tags");
  m.agent = r.text("agent");
  m.task = r.text("task");
  m.importance = r.number("importance", m.importance);
  m.created = r.moment("created_us");
  m.expires = r.moment("expires_us");
  m.access_count = r.natural("access_count");
  m.last_access = r.moment("last_access_us");
  return r.finish(std::move(m));
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const memory_draft& d) {
  jv = json::object{{"type", d.type},
                    {"kind", d.kind ? to_string(*d.kind) : ""},
                    {"content", d.content},
                    {"tags", json::value_from(d.tags)},
                    {"agent", d.agent},
                    {"task", d.task},
                    {"importance", d.importance},
                    {"ttl_ms", d.ttl.count()}};
}

expected<memory_draft> from_json(json_to<memory_draft>, const json::value& v) {
  field_reader r{v};
  memory_draft d;
  d.type = r.text("type", d.type);
  // "" (or none): the type's own kind.
  if (auto kind = r.text("kind"); !kind.empty())
    d.kind = r.named("kind", memory_kind::episodic, parse_memory_kind, unknown_kind);
  d.content = r.required_text("content");
  d.tags = r.texts("tags");
  d.agent = r.text("agent");
  d.task = r.text("task");
  d.importance = r.number("importance", d.importance, "a number from 0 to 1");
  d.ttl = r.millis("ttl_ms");
  return r.finish(std::move(d));
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const memory_added& a) {
  jv = json::value_from(a.m);
  jv.as_object()["deduplicated"] = a.deduplicated;
}

expected<memory_added> from_json(json_to<memory_added>, const json::value& v) {
  field_reader r{v};
  memory_added a;
  a.m = r.as<memory_record>();
  a.deduplicated = r.flag("deduplicated");
  return r.finish(std::move(a));
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const memory_query& q) {
  jv = json::object{{"query", q.text},
                    {"mode", to_string(q.mode)},
                    {"k", q.k},
                    {"type", q.type},
                    {"agent", q.agent},
                    {"task", q.task},
                    {"tags", json::value_from(q.tags)}};
}

expected<memory_query> from_json(json_to<memory_query>, const json::value& v) {
  field_reader r{v};
  memory_query q;
  q.type = r.text("type");
  q.agent = r.text("agent");
  q.task = r.text("task");
  q.tags = r.texts("tags");
  q.text = r.text("query");
  q.mode = r.named("mode", q.mode, parse_search_mode, unknown_mode);
  q.k = r.count("k", q.k);
  return r.finish(std::move(q));
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const memory_hit& h) {
  jv = json::value_from(h.m);
  auto& o = jv.as_object();
  o["score"] = h.score;
  o["relevance"] = h.relevance;
  o["similarity"] = h.similarity;
  o["vector_rank"] = h.vector_rank;
  o["text_rank"] = h.text_rank;
}

expected<memory_hit> from_json(json_to<memory_hit>, const json::value& v) {
  field_reader r{v};
  memory_hit h;
  h.m = r.as<memory_record>();
  h.score = r.number("score", 0);
  h.relevance = r.number("relevance", 0);
  h.similarity = r.number("similarity", 0);
  h.vector_rank = r.count("vector_rank", 0);
  h.text_rank = r.count("text_rank", 0);
  return r.finish(std::move(h));
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const memory_stats& s) {
  jv = json::object{{"total", s.total},
                    {"episodic", s.episodic},
                    {"working", s.working},
                    {"procedural", s.procedural},
                    {"embedder", s.embedder},
                    {"dimension", s.dimension},
                    {"index", json::object{{"path", s.index_path},
                                           {"size", s.index_size},
                                           {"state", s.index_state}}},
                    {"reembedded", s.reembedded}};
}

expected<memory_stats> from_json(json_to<memory_stats>, const json::value& v) {
  field_reader r{v};
  memory_stats s;
  s.total = r.natural("total");
  s.episodic = r.natural("episodic");
  s.working = r.natural("working");
  s.procedural = r.natural("procedural");
  s.embedder = r.text("embedder");
  s.dimension = r.natural("dimension");
  auto index = r.within("index");
  s.index_path = index.text("path");
  s.index_size = index.natural("size");
  s.index_state = index.text("state");
  s.reembedded = r.natural("reembedded");
  return r.finish(std::move(s));
}

} // namespace swarm
