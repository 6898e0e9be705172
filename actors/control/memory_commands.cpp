// The memory.* commands of the control protocol.

#include "actors/control/dispatch_support.hpp"

#include "persistence/events.hpp"

namespace swarm {

namespace {

json::object memory_to_json(const memory_record& m) {
  json::object o{{"id", m.id},
                 {"kind", to_string(m.kind)},
                 {"type", m.type},
                 {"content", m.content},
                 {"tags", to_array(m.tags)},
                 {"agent", m.agent},
                 {"task", m.task},
                 {"importance", m.importance},
                 {"created_us", to_us(m.created)},
                 {"expires_us", to_us(m.expires)},
                 {"access_count", m.access_count},
                 {"last_access_us", to_us(m.last_access)}};
  if (m.expires != timestamp{}) {
    const int64_t left = to_us(m.expires) - persistence::now_us();
    o["expires_in_ms"] = left > 0 ? left / 1000 : 0;
  }
  return o;
}

double importance_of(const args_reader& a) {
  auto* v = a.args.if_contains("importance");
  if (v == nullptr || v->is_null()) return 0.5;
  if (v->is_double()) return v->get_double();
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  throw error{errc::bad_request, "argument 'importance' must be a number from 0 to 1"};
}

// The filters every memory query shares.
memory_query filters_of(const args_reader& a) {
  memory_query q;
  q.type = a.text("type", false).value_or("");
  q.agent = a.text("agent", false).value_or("");
  q.task = a.text("task", false).value_or("");
  q.tags = a.texts("tags");
  return q;
}

json::array memories_to_json(const std::vector<memory_record>& ms) {
  json::array out;
  out.reserve(ms.size());
  for (const auto& m : ms)
    out.push_back(memory_to_json(m));
  return out;
}

} // namespace

handler_table with_memory_handlers(handler_table table) {
  table.emplace("memory.add", [](engine& e, const args_reader& a) -> json::value {
    memory_draft d;
    d.type = a.text("type", false).value_or("episodic");
    if (auto kind = a.text("kind", false); kind && !kind->empty())
      d.kind =
          parsed_or_throw(parse_memory_kind(*kind),
                          "kind: '" + *kind + "' is not episodic, working or procedural");
    d.content = *a.text("content", true);
    d.tags = a.texts("tags");
    d.agent = a.text("agent", false).value_or("");
    d.task = a.text("task", false).value_or("");
    d.importance = importance_of(a);
    d.ttl = std::chrono::milliseconds{a.integer("ttl_ms").value_or(0)};
    auto added = value_or_throw(e.add_memory(d));
    auto o = memory_to_json(added.m);
    o["deduplicated"] = added.deduplicated;
    return o;
  });
  table.emplace("memory.search", [](engine& e, const args_reader& a) -> json::value {
    auto q = filters_of(a);
    q.text = *a.text("query", true);
    const auto mode = a.text("mode", false).value_or("hybrid");
    q.mode = parsed_or_throw(parse_search_mode(mode), "mode: '" + mode +
                                                          "' is not a search mode; use "
                                                          "vector, text or hybrid");
    if (a.has("k")) q.k = a.count("k");
    json::array out;
    for (const auto& h : value_or_throw(e.search_memories(q))) {
      auto o = memory_to_json(h.m);
      o["score"] = h.score;
      o["relevance"] = h.relevance;
      o["similarity"] = h.similarity;
      o["vector_rank"] = h.vector_rank;
      o["text_rank"] = h.text_rank;
      out.push_back(std::move(o));
    }
    return json::object{
        {"query", q.text}, {"mode", to_string(q.mode)}, {"results", std::move(out)}};
  });
  table.emplace("memory.forget", [](engine& e, const args_reader& a) -> json::value {
    return memory_to_json(value_or_throw(
        e.forget_memory(*a.text("id", true), a.text("by", false).value_or(""))));
  });
  table.emplace("memory.list", [](engine& e, const args_reader& a) -> json::value {
    auto q = filters_of(a);
    q.k = a.has("limit") ? a.count("limit") : 50;
    return json::object{{"memories", memories_to_json(value_or_throw(e.memories(q)))}};
  });
  table.emplace("memory.stats", [](engine& e, const args_reader&) -> json::value {
    auto s = value_or_throw(e.memory_statistics());
    return json::object{{"total", s.total},
                        {"episodic", s.episodic},
                        {"working", s.working},
                        {"procedural", s.procedural},
                        {"embedder", s.embedder},
                        {"dimension", s.dimension},
                        {"index", json::object{{"path", s.index_path},
                                               {"size", s.index_size},
                                               {"state", s.index_state}}},
                        {"reembedded", s.reembedded}};
  });
  return table;
}

} // namespace swarm
