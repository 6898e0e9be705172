#include "harness/usage_readers.hpp"

#include <boost/json/parse.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <vector>

namespace json = boost::json;

namespace swarm::harness {

bool for_each_line(const std::string& path, const std::function<void(std::string_view)>& line,
                   size_t max_line) {
  std::ifstream in{path, std::ios::binary};
  if (!in) return false;
  std::vector<char> chunk(64 * 1024);
  std::string current;
  bool skipping = false; // the current line passed max_line: dropped up to its newline
  auto take = [&](const char* p, size_t n) {
    if (skipping) return;
    if (current.size() + n > max_line) {
      skipping = true;
      current.clear();
      return;
    }
    current.append(p, n);
  };
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const auto got = static_cast<size_t>(in.gcount());
    const char* p = chunk.data();
    const char* end = p + got;
    while (p < end) {
      const auto* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
      if (nl == nullptr) {
        take(p, end - p);
        break;
      }
      take(p, nl - p);
      if (!skipping) line(current);
      current.clear();
      skipping = false;
      p = nl + 1;
    }
  }
  if (!skipping && !current.empty()) line(current);
  return true;
}

namespace {

std::optional<json::object> object_of(std::string_view text) {
  json::error_code ec;
  auto v = json::parse(json::string_view{text.data(), text.size()}, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

const json::object* member_object(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

// A token count: a non-negative integer (a whole double too); anything else is 0.
uint64_t count_at(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64()) return v->get_int64() > 0 ? static_cast<uint64_t>(v->get_int64()) : 0;
  if (v->is_double() && v->get_double() > 0) return static_cast<uint64_t>(v->get_double());
  return 0;
}

std::optional<double> dollars_at(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  const double d = v->to_number<double>();
  if (!std::isfinite(d) || d < 0) return std::nullopt;
  return d;
}

void name_model(model_usage& u, std::string_view name) {
  if (name.empty()) return;
  u.model += (u.model.empty() ? "" : ", ") + std::string{name};
}

uint64_t minus(uint64_t a, uint64_t b) { return a > b ? a - b : 0; }

} // namespace

std::optional<model_usage> result_object_usage(const json::object& result) {
  model_usage u;
  u.runs = 1;
  bool found = false;
  if (const auto* models = member_object(result, "modelUsage"); models && !models->empty()) {
    std::optional<double> model_cost;
    for (const auto& kv : *models) {
      if (!kv.value().is_object()) continue;
      const auto& m = kv.value().get_object();
      u.input_tokens += count_at(m, "inputTokens");
      u.output_tokens += count_at(m, "outputTokens");
      u.cache_read_tokens += count_at(m, "cacheReadInputTokens");
      u.cache_write_tokens += count_at(m, "cacheCreationInputTokens");
      if (auto c = dollars_at(m, "costUSD")) model_cost = model_cost.value_or(0) + *c;
      name_model(u, std::string_view{kv.key().data(), kv.key().size()});
      found = true;
    }
    u.cost_usd = model_cost;
  } else if (const auto* usage = member_object(result, "usage")) {
    u.input_tokens = count_at(*usage, "input_tokens");
    u.output_tokens = count_at(*usage, "output_tokens");
    u.cache_read_tokens = count_at(*usage, "cache_read_input_tokens");
    u.cache_write_tokens = count_at(*usage, "cache_creation_input_tokens");
    found = true;
  }
  if (auto total = dollars_at(result, "total_cost_usd")) {
    u.cost_usd = total;
    found = true;
  }
  if (u.model.empty())
    if (const auto* m = result.if_contains("model"); m && m->is_string())
      name_model(u, std::string_view{m->get_string().data(), m->get_string().size()});
  if (!found) return std::nullopt;
  return u;
}

std::optional<model_usage> claude_usage(const std::string& stdout_path) {
  std::optional<model_usage> last;
  for_each_line(stdout_path, [&](std::string_view line) {
    // Only a result line is parsed: the session's messages are most of the file.
    if (line.empty() || line.front() != '{' ||
        (line.find(R"("type":"result")") == line.npos &&
         line.find(R"("type": "result")") == line.npos))
      return;
    auto o = object_of(line);
    if (!o) return;
    const auto* type = o->if_contains("type");
    if (type == nullptr || !type->is_string() || type->get_string() != "result") return;
    last = result_object_usage(*o); // the last result stands (each carries the totals)
  });
  return last;
}

std::optional<model_usage> codex_usage(const std::string& stdout_path) {
  std::optional<model_usage> sum;
  for_each_line(stdout_path, [&](std::string_view line) {
    if (line.empty() || line.front() != '{' || line.find("turn.completed") == line.npos)
      return;
    auto o = object_of(line);
    if (!o) return;
    const auto* type = o->if_contains("type");
    if (type == nullptr || !type->is_string() || type->get_string() != "turn.completed") return;
    const auto* usage = member_object(*o, "usage");
    if (usage == nullptr) return;
    if (!sum) sum.emplace().runs = 1;
    const auto cached = count_at(*usage, "cached_input_tokens");
    sum->input_tokens += minus(count_at(*usage, "input_tokens"), cached);
    sum->cache_read_tokens += cached;
    sum->output_tokens += count_at(*usage, "output_tokens");
  });
  return sum;
}

std::optional<model_usage> gemini_usage(const std::string& stdout_path) {
  // The object is printed with two-space indents: it opens with a line "{" and closes
  // with a line "}". Collected between the two, within the line limit.
  std::optional<json::object> last;
  std::string object;
  bool inside = false;
  for_each_line(stdout_path, [&](std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line == "{") {
      inside = true;
      object.assign("{");
      return;
    }
    if (!inside) return;
    if (object.size() + line.size() + 1 > max_usage_line) {
      inside = false; // too big to be worth it: skip this object
      object.clear();
      return;
    }
    object.append("\n").append(line.data(), line.size());
    if (line == "}") {
      inside = false;
      if (auto o = object_of(object)) last = std::move(o);
      object.clear();
    }
  });
  if (!last) return std::nullopt;
  const auto* stats = member_object(*last, "stats");
  const auto* models = stats ? member_object(*stats, "models") : nullptr;
  if (models == nullptr || models->empty()) return std::nullopt;
  model_usage u;
  u.runs = 1;
  for (const auto& kv : *models) {
    if (!kv.value().is_object()) continue;
    const auto* tokens = member_object(kv.value().get_object(), "tokens");
    if (tokens == nullptr) continue;
    const auto cached = count_at(*tokens, "cached");
    u.input_tokens += minus(count_at(*tokens, "prompt"), cached) + count_at(*tokens, "tool");
    u.output_tokens += count_at(*tokens, "candidates") + count_at(*tokens, "thoughts");
    u.cache_read_tokens += cached;
    name_model(u, std::string_view{kv.key().data(), kv.key().size()});
  }
  return u;
}

} // namespace swarm::harness
