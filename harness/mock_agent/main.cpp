// swarm-mock-agent: a simulated coding agent, the default model, so a swarm runs end to
// end without API keys. The harness runs it like any model CLI (see
// harness/model_adapter.hpp): working directory = the project workdir, environment with
// SWARM_AGENT, SWARM_TASK, SWARM_RUN_DIR, SWARM_DB, SWARM_SOCKET.
//
//   swarm-mock-agent --prompt FILE [--task-json FILE] [--work-ms MIN-MAX] [--fail-rate P]
//                    [--seed N] [--workdir DIR]
//
// It reads the task (task.json beside the prompt, else the prompt's "# Task <id>:
// <title>" heading and "## Files" list), "works" for a random time, then either fails
// (with probability P: result JSON with status "error", exit 1) or appends one line to
// each declared file under the workdir (a glob becomes one concrete, deterministic name)
// and prints one result line on stdout:
//   {"type":"result","status":"success","task":"sw-1.2","summary":"...",
//    "files_changed":["src/a.cpp"],"learnings":["..."],"duration_ms":57,
//    "model":"swarm-mock-agent (simulated)","usage":{"input_tokens":..,...}}
// ("learnings": what the harness keeps as procedural memory; one line per run that
// changed files, naming them). "usage" is simulated, in Claude Code's shape
// (input_tokens, output_tokens, cache_read_input_tokens, cache_creation_input_tokens)
// and without a cost, so that demos show token accounting end to end: input is the
// prompt's length in bytes / 4, output and cache figures come from the seeded stream.
// Bad usage, an unreadable prompt or a malformed task.json: a message on stderr, exit 2.
//
// Runs are reproducible: the random stream is seeded from --seed mixed with the task id
// and attempt, so a given attempt always takes the same (simulated) time and makes the
// same pass/fail decision, while different tasks and retries differ. duration_ms reports
// that simulated work time, not wall time.
//
// A standalone program: it links Boost.JSON only, never the swarm library (src/hash.hpp
// is header-only).

#include "src/hash.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr int exit_usage = 2;

const char* usage_text =
  "usage: swarm-mock-agent --prompt FILE [--task-json FILE] [--work-ms MIN-MAX]\n"
  "                        [--fail-rate P] [--seed N] [--workdir DIR]\n"
  "  --prompt FILE     the attempt's prompt.md (required)\n"
  "  --task-json FILE  the task as JSON (default: task.json beside the prompt)\n"
  "  --work-ms MIN-MAX simulated work time in milliseconds (default 20-120)\n"
  "  --fail-rate P     probability in [0,1] that the attempt fails (default 0)\n"
  "  --seed N          mixed with the task id and attempt (default 0)\n"
  "  --workdir DIR     where the declared files are written (default: .)\n";

// Thrown for bad usage and unreadable input; main() turns it into exit 2. Never escapes.
struct usage_error {
  std::string message;
  bool show_usage = true; // false when the command line was fine but its input was not
};

struct options {
  std::string prompt;
  std::string task_json; // empty: beside the prompt
  uint64_t min_work_ms = 20;
  uint64_t max_work_ms = 120;
  double fail_rate = 0.0;
  uint64_t seed = 0;
  std::string workdir; // empty: the current directory
};

struct task_info {
  std::string id;
  std::string title;
  std::vector<std::string> files;
  uint64_t attempt = 1;
  std::string agent;
};

uint64_t parse_uint(const std::string& flag, const std::string& text) {
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || text[0] == '-' || errno != 0 || *end != '\0')
    throw usage_error{flag + ": '" + text + "' is not a non-negative integer"};
  return v;
}

options parse_args(int argc, char** argv) {
  options o;
  bool have_prompt = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << usage_text;
      std::exit(0);
    }
    if (arg.rfind("--", 0) != 0)
      throw usage_error{"unexpected argument '" + arg + "'"};
    std::string value;
    bool inline_value = false;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
      inline_value = true;
    }
    static const char* known[] = {"--prompt", "--task-json", "--workdir",
                                  "--seed",   "--work-ms",   "--fail-rate"};
    if (std::find(std::begin(known), std::end(known), arg) == std::end(known))
      throw usage_error{"unknown option '" + arg + "'"};
    if (!inline_value) {
      if (i + 1 >= argc)
        throw usage_error{arg + " needs a value"};
      value = argv[++i];
    }
    if (arg == "--prompt") {
      o.prompt = value;
      have_prompt = true;
    } else if (arg == "--task-json") {
      o.task_json = value;
    } else if (arg == "--workdir") {
      o.workdir = value;
    } else if (arg == "--seed") {
      o.seed = parse_uint(arg, value);
    } else if (arg == "--work-ms") {
      auto dash = value.find('-', 1);
      o.min_work_ms = parse_uint(arg, value.substr(0, dash));
      o.max_work_ms = dash == std::string::npos ? o.min_work_ms
                                                : parse_uint(arg, value.substr(dash + 1));
      if (o.max_work_ms < o.min_work_ms)
        throw usage_error{"--work-ms: '" + value + "' has MIN above MAX"};
      if (o.max_work_ms > 86'400'000)
        throw usage_error{"--work-ms: '" + value + "' is longer than a day"};
    } else { // --fail-rate
      char* end = nullptr;
      o.fail_rate = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !(o.fail_rate >= 0.0 && o.fail_rate <= 1.0))
        throw usage_error{"--fail-rate: '" + value + "' is not a number in [0, 1]"};
    }
  }
  if (!have_prompt || o.prompt.empty())
    throw usage_error{"--prompt FILE is required"};
  return o;
}

std::optional<std::string> read_file(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    errno = EISDIR; // a directory opens as a stream but reads as nothing
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad())
    return std::nullopt;
  return s.str();
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos)
    return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// The fallback when there is no task.json: prompt.md as harness/prompt.cpp writes it.
task_info task_from_prompt(const std::string& prompt, const std::string& prompt_path) {
  task_info t;
  std::istringstream lines(prompt);
  std::string line;
  bool in_files = false, have_heading = false;
  while (std::getline(lines, line)) {
    if (!have_heading && line.rfind("# ", 0) == 0) {
      have_heading = true;
      std::string h = trim(line.substr(2));
      if (h.rfind("Task ", 0) == 0)
        h = h.substr(5);
      auto colon = h.find(": ");
      t.id = trim(h.substr(0, colon));
      if (colon != std::string::npos)
        t.title = trim(h.substr(colon + 2));
      continue;
    }
    if (line.rfind("#", 0) == 0) {
      in_files = trim(line) == "## Files";
      continue;
    }
    if (auto a = line.find("This is attempt "); a != std::string::npos)
      t.attempt = std::strtoull(line.c_str() + a + 16, nullptr, 10);
    if (in_files && (line.rfind("- ", 0) == 0 || line.rfind("* ", 0) == 0)) {
      std::string f = trim(line.substr(2));
      if (f.size() >= 2 && f.front() == '`' && f.back() == '`')
        f = f.substr(1, f.size() - 2);
      if (!f.empty())
        t.files.push_back(f);
    }
  }
  if (t.id.empty())
    throw usage_error{
      prompt_path + ": no task.json and no '# Task <id>: <title>' heading", false};
  if (t.attempt == 0)
    t.attempt = 1;
  return t;
}

task_info task_from_json(const std::string& text, const std::string& path) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object())
    throw usage_error{path + ": not a JSON object (" +
                        (ec ? ec.message() : std::string("wrong type")) + ")",
                      false};
  const auto& o = v.get_object();
  auto field_error = [&](const char* name, const char* what) {
    return usage_error{path + ": field \"" + name + "\" must be " + what, false};
  };
  task_info t;
  auto* id = o.if_contains("id");
  if (id == nullptr || !id->is_string() || id->get_string().empty())
    throw field_error("id", "a non-empty string");
  t.id = json::value_to<std::string>(*id);
  if (auto* title = o.if_contains("title")) {
    if (!title->is_string())
      throw field_error("title", "a string");
    t.title = json::value_to<std::string>(*title);
  }
  if (auto* files = o.if_contains("files")) {
    if (!files->is_array())
      throw field_error("files", "an array of strings");
    for (const auto& f : files->get_array()) {
      if (!f.is_string())
        throw field_error("files", "an array of strings");
      t.files.push_back(json::value_to<std::string>(f));
    }
  }
  if (auto* attempt = o.if_contains("attempt")) {
    if (attempt->is_uint64())
      t.attempt = attempt->get_uint64();
    else if (attempt->is_int64() && attempt->get_int64() > 0)
      t.attempt = static_cast<uint64_t>(attempt->get_int64());
    else
      throw field_error("attempt", "a positive integer");
  }
  if (auto* agent = o.if_contains("agent"); agent != nullptr && agent->is_string())
    t.agent = json::value_to<std::string>(*agent);
  return t;
}

// splitmix64: tiny, well mixed, and the same on every platform and standard library,
// unlike std::uniform_*_distribution.
struct rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; } // [0, 1)
};

rng seeded(uint64_t seed, const task_info& t) {
  rng mix{seed};
  return rng{swarm::fnv1a_64(t.id) ^ (t.attempt * 0xD1B54A32D192ED03ull) ^ mix.next()};
}

// "sw-a3f8.1.2" -> "sw-a3f8-1-2": what a '*' in a declared glob becomes.
std::string slug(std::string_view id) {
  std::string s;
  for (unsigned char c : id) {
    if (std::isalnum(c))
      s += static_cast<char>(std::tolower(c));
    else if (!s.empty() && s.back() != '-')
      s += '-';
  }
  while (!s.empty() && s.back() == '-')
    s.pop_back();
  return s.empty() ? "task" : s;
}

bool is_glob(std::string_view p) {
  return p.find_first_of("*?[") != std::string_view::npos;
}

std::vector<std::string> segments(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    auto end = slash == std::string_view::npos ? path.size() : slash;
    out.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// One character a bracket expression matches: its first member, or for a negated class
// the first of a few plain candidates it does not exclude.
char class_member(std::string_view body) {
  bool negated = !body.empty() && (body[0] == '!' || body[0] == '^');
  if (!negated)
    return body.empty() ? 'x' : body[0];
  body.remove_prefix(1);
  for (char c : std::string_view("xyzabc0123456789"))
    if (body.find(c) == std::string_view::npos)
      return c;
  return '_';
}

// One segment of a glob made concrete: '*' (or a run of them) becomes the task slug, '?'
// an 'x', a bracket class one member of it; a backslash makes the next character literal.
std::string materialise_segment(std::string_view seg, const std::string& task_slug) {
  std::string name;
  for (size_t k = 0; k < seg.size(); ++k) {
    char c = seg[k];
    if (c == '\\' && k + 1 < seg.size()) {
      name += seg[++k];
    } else if (c == '*') {
      while (k + 1 < seg.size() && seg[k + 1] == '*')
        ++k;
      name += task_slug;
    } else if (c == '?') {
      name += 'x';
    } else if (c == '[') {
      // As in fnmatch, a ']' right after "[" or "[!" is a member, not the end.
      size_t body = k + 1;
      size_t first = body + (body < seg.size() && (seg[body] == '!' || seg[body] == '^'));
      auto close = seg.find(']', first + 1);
      if (close == std::string_view::npos) {
        name += c;
      } else {
        name += class_member(seg.substr(body, close - body));
        k = close;
      }
    } else {
      name += c;
    }
  }
  return name;
}

// One concrete, deterministic file name matching `glob`. A "**" segment becomes no
// directory at all, or the task slug when it is the last segment.
std::string materialise(std::string_view glob, const std::string& task_slug) {
  auto segs = segments(glob);
  std::string out;
  for (size_t i = 0; i < segs.size(); ++i) {
    std::string name;
    if (segs[i] != "**")
      name = materialise_segment(segs[i], task_slug);
    else if (i + 1 == segs.size())
      name = task_slug;
    if (name.empty() || name == ".")
      continue;
    if (!out.empty())
      out += '/';
    out += name;
  }
  return out;
}

// Paths must stay inside the workdir: no absolute paths, no ".." segments.
bool escapes(std::string_view path) {
  if (!path.empty() && path[0] == '/')
    return true;
  for (const auto& s : segments(path))
    if (s == "..")
      return true;
  return false;
}

// The line appended to a file, in a comment syntax the file's language accepts.
std::string mark_line(const fs::path& file, const std::string& text) {
  std::string ext = file.extension().string();
  std::string name = file.filename().string();
  for (auto& c : ext)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto any_of = [&](std::initializer_list<const char*> list) {
    for (const char* e : list)
      if (ext == e)
        return true;
    return false;
  };
  if (name == "Makefile" || name == "CMakeLists.txt" || name == "Dockerfile" ||
      any_of({".py", ".sh", ".bash", ".rb", ".pl", ".yml", ".yaml", ".toml", ".cmake",
              ".mk", ".cfg", ".conf", ".ini", ".r"}))
    return "# " + text;
  if (any_of({".sql", ".lua", ".hs"}))
    return "-- " + text;
  if (any_of({".md", ".html", ".htm", ".xml", ".svg"}))
    return "<!-- " + text + " -->";
  if (any_of({".txt", ".json", ".csv"}))
    return text;
  return "// " + text;
}

// Appends `line` to workdir/rel, creating parent directories; never truncates.
// Returns whether the file was created, or nullopt (with a warning) when it failed.
std::optional<bool> append_line(const fs::path& workdir, const std::string& rel,
                                const std::string& text) {
  fs::path target = workdir / rel;
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) {
    std::cerr << "swarm-mock-agent: warning: cannot create "
              << target.parent_path().string() << ": " << ec.message() << "\n";
    return std::nullopt;
  }
  if (fs::is_directory(target, ec)) {
    std::cerr << "swarm-mock-agent: warning: " << rel << " is a directory; skipped\n";
    return std::nullopt;
  }
  bool exists = fs::exists(target, ec);
  bool needs_newline = false;
  if (exists) {
    std::ifstream in(target, std::ios::binary | std::ios::ate);
    auto size = static_cast<std::streamoff>(in.tellg());
    if (size > 0) {
      in.seekg(size - 1);
      needs_newline = in.get() != '\n';
    }
  }
  std::ofstream out(target, std::ios::binary | std::ios::app);
  if (needs_newline)
    out << '\n';
  out << mark_line(target, text) << '\n';
  out.flush();
  if (!out) {
    std::cerr << "swarm-mock-agent: warning: cannot write " << target.string() << ": "
              << std::strerror(errno) << "\n";
    return std::nullopt;
  }
  return !exists;
}

std::string one_line(std::string s) {
  for (auto& c : s)
    if (c == '\n' || c == '\r')
      c = ' ';
  return s;
}

int run(const options& o) {
  auto prompt = read_file(o.prompt);
  if (!prompt)
    throw usage_error{"cannot read the prompt " + o.prompt + ": " + std::strerror(errno),
                      false};

  std::string task_json = o.task_json;
  if (task_json.empty())
    task_json = (fs::path(o.prompt).parent_path() / "task.json").string();
  task_info t;
  if (auto text = read_file(task_json)) {
    t = task_from_json(*text, task_json);
  } else {
    std::cerr << "swarm-mock-agent: no readable " << task_json
              << "; reading the task from the prompt\n";
    t = task_from_prompt(*prompt, o.prompt);
  }
  if (t.agent.empty()) {
    const char* env = std::getenv("SWARM_AGENT");
    t.agent = env != nullptr && *env != '\0' ? env : "mock-agent";
  }

  fs::path workdir = o.workdir.empty() ? fs::current_path() : fs::path(o.workdir);
  std::error_code ec;
  if (!fs::is_directory(workdir, ec))
    throw usage_error{"--workdir " + workdir.string() + " is not a directory", false};

  rng r = seeded(o.seed, t);
  uint64_t work_ms = o.min_work_ms + r.next() % (o.max_work_ms - o.min_work_ms + 1);
  bool fail = r.unit() < o.fail_rate;
  // Simulated tokens, drawn after the decisions above so those stay as they were.
  const uint64_t input_tokens = prompt->size() / 4;
  json::object usage{{"input_tokens", input_tokens},
                     {"output_tokens", 200 + r.next() % 1800},
                     {"cache_read_input_tokens", t.attempt > 1 ? input_tokens / 2 : 0},
                     {"cache_creation_input_tokens", t.attempt > 1 ? 0 : input_tokens / 2}};
  const char* simulated_model = "swarm-mock-agent (simulated)";
  std::cerr << "swarm-mock-agent: " << t.agent << " works on " << t.id << " (attempt "
            << t.attempt << ") for " << work_ms << " ms\n";
  std::this_thread::sleep_for(std::chrono::milliseconds(work_ms));

  json::array changed;
  if (fail) {
    std::ostringstream why;
    why << "injected failure (fail-rate " << o.fail_rate << ")";
    json::object result{{"type", "result"},
                        {"status", "error"},
                        {"task", t.id},
                        {"summary", "simulated failure of \"" + one_line(t.title) + "\""},
                        {"error", why.str()},
                        {"files_changed", std::move(changed)},
                        {"duration_ms", work_ms},
                        {"model", simulated_model},
                        {"usage", usage}};
    std::cout << json::serialize(result) << std::endl;
    return 1;
  }

  std::string task_slug = slug(t.id);
  std::string mark = t.id + " attempt " + std::to_string(t.attempt) + " by " + t.agent +
                     ": " + one_line(t.title);
  int created = 0, edited = 0;
  for (const auto& declared : t.files) {
    if (escapes(declared)) {
      std::cerr << "swarm-mock-agent: warning: " << declared
                << " leaves the workdir (absolute or '..'); skipped\n";
      continue;
    }
    std::string rel = is_glob(declared) ? materialise(declared, task_slug) : declared;
    if (rel.empty() || escapes(rel)) {
      std::cerr << "swarm-mock-agent: warning: " << declared
                << " names no file; skipped\n";
      continue;
    }
    bool seen = false;
    for (const auto& c : changed)
      seen = seen || c.as_string() == rel;
    if (seen)
      continue;
    auto was_created = append_line(workdir, rel, mark);
    if (!was_created)
      continue;
    (*was_created ? created : edited)++;
    std::cerr << "swarm-mock-agent: " << (*was_created ? "created " : "edited ") << rel
              << "\n";
    changed.emplace_back(rel);
  }

  std::string summary = "simulated work on \"" + one_line(t.title) + "\": ";
  if (changed.empty())
    summary += "no files changed";
  else
    summary += std::to_string(changed.size()) +
               (changed.size() == 1 ? " file" : " files") + " changed (" +
               std::to_string(created) + " created, " + std::to_string(edited) +
               " edited)";
  // What a real agent would note for the next one: where the task's work lives.
  json::array learnings;
  if (!changed.empty()) {
    std::string where;
    for (const auto& c : changed)
      where += (where.empty() ? "" : ", ") + std::string{c.as_string()};
    learnings.emplace_back("Work on \"" + one_line(t.title) + "\" touches " + where);
  }
  json::object result{{"type", "result"},
                      {"status", "success"},
                      {"task", t.id},
                      {"summary", summary},
                      {"files_changed", std::move(changed)},
                      {"learnings", std::move(learnings)},
                      {"duration_ms", work_ms},
                      {"model", simulated_model},
                      {"usage", usage}};
  std::cout << json::serialize(result) << std::endl;
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  try {
    return run(parse_args(argc, argv));
  } catch (const usage_error& e) {
    std::cerr << "swarm-mock-agent: " << e.message << "\n";
    if (e.show_usage)
      std::cerr << usage_text;
    return exit_usage;
  } catch (const std::exception& e) {
    std::cerr << "swarm-mock-agent: " << e.what() << "\n";
    return 1;
  }
}
