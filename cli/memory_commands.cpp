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
void print_header(const json::value& m) {
  std::cout << text_of(m, "id") << "  " << text_of(m, "kind");
  if (text_of(m, "type") != text_of(m, "kind")) std::cout << "/" << text_of(m, "type");
  const auto& tags = m.at("tags").as_array();
  if (!tags.empty()) {
    std::cout << "  [";
    for (size_t i = 0; i < tags.size(); ++i)
      std::cout << (i ? "," : "") << tags[i].as_string().c_str();
    std::cout << "]";
  }
  if (!text_of(m, "agent").empty()) std::cout << "  agent " << text_of(m, "agent");
  if (!text_of(m, "task").empty()) std::cout << "  task " << text_of(m, "task");
  if (auto left = int_of(m, "expires_in_ms")) std::cout << "  expires in " << duration_text(*left);
}

void print_memory(const json::value& m) {
  print_header(m);
  std::cout << "\n  " << one_line(text_of(m, "content"), 300) << "\n";
}

void print_added(const json::value& m) {
  std::cout << (m.at("deduplicated").as_bool() ? "reinforced " : "stored ");
  print_memory(m);
}

void print_results(const json::value& v) {
  const auto& list = v.at("results").as_array();
  if (list.empty()) std::cout << "no memories match\n";
  for (const auto& m : list) {
    char score[32];
    std::snprintf(score, sizeof score, "%.3f", m.at("score").to_number<double>());
    std::cout << score << "  ";
    print_memory(m);
  }
}

void print_list(const json::value& v) {
  const auto& list = v.at("memories").as_array();
  if (list.empty()) std::cout << "no memories\n";
  for (const auto& m : list)
    print_memory(m);
}

void print_forgotten(const json::value& m) {
  std::cout << "forgot ";
  print_memory(m);
}

void print_stats(const json::value& s) {
  const auto& index = s.at("index");
  std::cout << text_of(s, "total") << " memories: " << text_of(s, "episodic") << " episodic, "
            << text_of(s, "working") << " working, " << text_of(s, "procedural")
            << " procedural\n"
            << "embedder " << text_of(s, "embedder") << " (" << text_of(s, "dimension")
            << " dimensions)\n"
            << "index " << text_of(index, "path") << ": " << text_of(index, "size")
            << " points, " << text_of(index, "state") << "\n";
  if (int_of(s, "reembedded").value_or(0) > 0)
    std::cout << "re-embedded " << text_of(s, "reembedded") << " memories at load\n";
}

// The filters search and list share.
void add_filters(json::object& args, const memory_commands& mc) {
  if (!mc.type.empty()) args["type"] = mc.type;
  if (!mc.agent.empty()) args["agent"] = mc.agent;
  if (!mc.task.empty()) args["task"] = mc.task;
  if (!mc.tags.empty()) args["tags"] = to_array(mc.tags);
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
    json::object args{{"type", mc.type},
                      {"content", mc.content},
                      {"importance", mc.importance},
                      {"tags", to_array(mc.tags)}};
    if (!mc.kind.empty()) args["kind"] = mc.kind;
    if (!mc.agent.empty()) args["agent"] = mc.agent;
    if (!mc.task.empty()) args["task"] = mc.task;
    if (!mc.ttl.empty()) {
      auto ms = parse_duration_ms(mc.ttl);
      if (!ms || *ms <= 0) return usage("--ttl '" + mc.ttl + "' is not a duration (e.g. 90s, 30m, 2h)");
      args["ttl_ms"] = *ms;
    }
    return print_result(call(f, "memory.add", std::move(args), true), f.json_out, print_added);
  }
  if (mc.search->parsed()) {
    json::object args{{"query", mc.query}, {"mode", mc.mode}, {"k", mc.k}};
    add_filters(args, mc);
    return print_result(call(f, "memory.search", std::move(args), false), f.json_out,
                        print_results);
  }
  if (mc.list->parsed()) {
    json::object args{{"limit", mc.limit}};
    add_filters(args, mc);
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
