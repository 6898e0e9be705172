#include "cli/memory_commands.hpp"

#include <boost/json.hpp>

#include <cstdio>
#include <iostream>

namespace json = boost::json;

namespace swarm::cli {

namespace {

std::string one_line(const std::string& text, size_t max) {
  std::string out;
  for (char c : text) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  }
  return out;
}

// "mem-12  procedural/agent_learning  [ci,flaky]  agent bob  task sw-1.2"
void print_header(const memory_record& m) {
  std::cout << m.id << "  " << to_string(m.kind);
  if (m.type != to_string(m.kind)) std::cout << "/" << m.type;
  if (!m.tags.empty()) {
    std::cout << "  [";
    for (size_t i = 0; i < m.tags.size(); ++i)
      std::cout << (i ? "," : "") << m.tags[i];
    std::cout << "]";
  }
  if (!m.agent.empty()) std::cout << "  agent " << m.agent;
  if (!m.task.empty()) std::cout << "  task " << m.task;
  if (m.expires != timestamp{})
    std::cout << "  expires in " << duration_text(ms_until(m.expires));
}

void print_memory(const memory_record& m) {
  print_header(m);
  std::cout << "\n  " << one_line(m.content, 300) << "\n";
}

void print_added(const json::value& v) {
  auto a = reply_as<memory_added>(v);
  if (!a) return;
  std::cout << (a->deduplicated ? "reinforced " : "stored ");
  print_memory(a->m);
}

void print_results(const json::value& v) {
  auto list = reply_list<memory_hit>(v, "results");
  if (!list) return;
  if (list->empty()) std::cout << "no memories match\n";
  for (const auto& h : *list) {
    char score[32];
    std::snprintf(score, sizeof score, "%.3f", h.score);
    std::cout << score << "  ";
    print_memory(h.m);
  }
}

void print_list(const json::value& v) {
  auto list = reply_list<memory_record>(v, "memories");
  if (!list) return;
  if (list->empty()) std::cout << "no memories\n";
  for (const auto& m : *list)
    print_memory(m);
}

void print_forgotten(const json::value& v) {
  auto m = reply_as<memory_record>(v);
  if (!m) return;
  std::cout << "forgot ";
  print_memory(*m);
}

void print_stats(const json::value& v) {
  auto s = reply_as<memory_stats>(v);
  if (!s) return;
  std::cout << s->total << " memories: " << s->episodic << " episodic, " << s->working
            << " working, " << s->procedural << " procedural\n"
            << "embedder " << s->embedder << " (" << s->dimension << " dimensions)\n"
            << "index " << s->index_path << ": " << s->index_size << " points, "
            << s->index_state << "\n";
  if (s->reembedded > 0)
    std::cout << "re-embedded " << s->reembedded << " memories at load\n";
}

// A query with the filters search and list share.
memory_query filtered(const memory_commands& mc) {
  memory_query q;
  q.type = mc.type;
  q.agent = mc.agent;
  q.task = mc.task;
  q.tags = mc.tags;
  return q;
}

} // namespace

void register_memory_commands(CLI::App& app, memory_commands& mc) {
  auto* memory = app.add_subcommand(
      "memory", "what agents learned: episodic, working (TTL) and procedural memories");
  memory->require_subcommand(1);
  mc.add = memory->add_subcommand("add", "store a memory");
  mc.add->add_option("--type", mc.type,
                     "episodic, working, procedural, or a subtype such as agent_learning")
      ->required();
  mc.add->add_option("--content", mc.content, "the text to remember")->required();
  mc.add->add_option("--kind", mc.kind,
                     "the kind of a subtype: episodic, working or procedural");
  mc.add->add_option("--importance", mc.importance, "0 to 1")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  mc.add->add_option("--ttl", mc.ttl, "working memory: lifetime (default 1h), e.g. 30m");
  mc.add->add_option("--task", mc.task, "the task it is about");

  mc.search = memory->add_subcommand("search", "find memories by meaning and by words");
  mc.search->add_option("query", mc.query, "what to look for")->required();
  mc.search->add_option("--mode", mc.mode, "vector, text or hybrid")
      ->capture_default_str()
      ->check(CLI::IsMember({"vector", "text", "hybrid"}));
  mc.search->add_option("--k", mc.k, "how many")->capture_default_str()->check(CLI::Range(1, 1000));
  mc.search->add_option("--type", mc.type, "only this kind or subtype");
  mc.search->add_option("--task", mc.task, "only memories about this task");

  mc.list = memory->add_subcommand("list", "memories, newest first");
  mc.list->add_option("--type", mc.type, "only this kind or subtype");
  mc.list->add_option("--task", mc.task, "only memories about this task");
  mc.list->add_option("--limit", mc.limit, "how many")->capture_default_str()->check(CLI::Range(1, 1000));

  mc.forget = memory->add_subcommand("forget", "forget a memory");
  mc.forget->add_option("id", mc.id, "memory id (mem-N)")->required();

  mc.stats = memory->add_subcommand("stats", "counts, embedder and index");

  for (auto* c : {mc.add, mc.search, mc.list})
    c->add_option("--tags", mc.tags, "tags, comma separated")->delimiter(',');
  for (auto* c : {mc.add, mc.search, mc.list, mc.forget})
    c->add_option("--agent", mc.agent, c == mc.forget ? "who forgets it" : "the agent");
  for (auto* c : {mc.add, mc.search, mc.list, mc.forget, mc.stats}) {
    add_common(c, mc.common);
    add_embedder_flags(c, mc.common);
  }
}

std::optional<int> run_memory_commands(const memory_commands& mc) {
  const auto& f = mc.common;
  if (mc.add->parsed()) {
    memory_draft d;
    d.type = mc.type;
    d.content = mc.content;
    d.importance = mc.importance;
    d.tags = mc.tags;
    d.agent = mc.agent;
    d.task = mc.task;
    if (!mc.ttl.empty()) {
      auto ms = parse_duration_ms(mc.ttl);
      if (!ms || *ms <= 0) return usage("--ttl '" + mc.ttl + "' is not a duration (e.g. 90s, 30m, 2h)");
      d.ttl = std::chrono::milliseconds{*ms};
    }
    auto args = args_of(d);
    pass_name(args, "kind", mc.kind);
    return print_result(call(f, "memory.add", std::move(args), true), f.json_out, print_added);
  }
  if (mc.search->parsed()) {
    auto q = filtered(mc);
    q.text = mc.query;
    q.k = mc.k;
    auto args = args_of(q);
    pass_name(args, "mode", mc.mode);
    return print_result(call(f, "memory.search", std::move(args), false), f.json_out,
                        print_results);
  }
  if (mc.list->parsed()) {
    auto args = args_of(filtered(mc));
    args["limit"] = mc.limit;
    return print_result(call(f, "memory.list", std::move(args), false), f.json_out,
                        print_list);
  }
  if (mc.forget->parsed())
    return print_result(call(f, "memory.forget", {{"id", mc.id}, {"by", mc.agent}}, true),
                        f.json_out, print_forgotten);
  if (mc.stats->parsed())
    return print_result(call(f, "memory.stats", {}, false), f.json_out, print_stats);
  return std::nullopt;
}

} // namespace swarm::cli
