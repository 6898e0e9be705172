// The memory.* commands of the control protocol.

#include "actors/control/dispatch_support.hpp"

namespace swarm {

namespace {

expected<json::value> memory_add(engine& e, const json::value& args) {
  auto d = from_json<memory_draft>(args);
  if (auto bad = refusal(d)) return *bad;
  return reply(e.add_memory(*d));
}

expected<json::value> memory_search(engine& e, const json::value& args) {
  auto q = from_json<memory_query>(args);
  field_reader r{args};
  r.required_text("query");
  if (auto bad = refusal(r)) return *bad;
  if (!q) return q.error();
  auto hits = e.search_memories(*q);
  if (!hits) return hits.error();
  return answer(
      {{"query", q->text}, {"mode", to_string(q->mode)}, {"results", json::value_from(*hits)}});
}

expected<json::value> memory_forget(engine& e, const json::value& args) {
  field_reader r{args};
  const auto id = r.required_text("id");
  const auto by = r.text("by");
  if (auto bad = refusal(r)) return *bad;
  return reply(e.forget_memory(id, by));
}

// The query's filters; its text is ignored and "limit" counts ("k" when no limit is
// given, as a search counts).
expected<json::value> memory_list(engine& e, const json::value& args) {
  auto q = from_json<memory_query>(args);
  field_reader r{args};
  const auto limit = r.count("limit", r.count("k", 50));
  if (auto bad = refusal(r)) return *bad;
  if (!q) return q.error();
  q->k = limit;
  auto list = e.memories(*q);
  if (!list) return list.error();
  return answer({{"memories", json::value_from(*list)}});
}

expected<json::value> memory_statistics(engine& e, const json::value&) {
  if (auto bad = refusal()) return *bad;
  return reply(e.memory_statistics());
}

} // namespace

const std::vector<command>& memory_commands() {
  static const std::vector<command> table = {
      {"memory.add", memory_add},          {"memory.search", memory_search},
      {"memory.forget", memory_forget},    {"memory.list", memory_list},
      {"memory.stats", memory_statistics},
  };
  return table;
}

} // namespace swarm
