#include "harness/model_adapter.hpp"

#include "harness/shell_words.hpp"

#include <boost/json/parse.hpp>

#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace swarm::harness {

expected<std::unique_ptr<model_adapter>> make_adapter(const std::string& spec,
                                                      const adapter_options& opts) {
  const char* valid = "use mock, command:<template>, claude, codex or gemini";
  if (opts.permissions != "workdir" && opts.permissions != "none" && opts.permissions != "full")
    return make_error(errc::bad_request, "unknown permissions profile '" + opts.permissions +
                                           "'; use workdir (the default), none or full");
  if (spec == "mock")
    return detail::make_mock_adapter(opts);
  if (spec == "claude")
    return detail::make_claude_adapter(opts);
  if (spec == "codex")
    return detail::make_codex_adapter(opts);
  if (spec == "gemini")
    return detail::make_gemini_adapter(opts);
  if (spec.rfind("command:", 0) == 0) {
    auto tmpl = command_template::parse(std::string_view(spec).substr(8));
    if (!tmpl)
      return make_error(errc::bad_request, "model '" + spec + "': " + tmpl.error().message);
    return detail::make_command_adapter(std::move(*tmpl), opts);
  }
  if (spec == "command")
    return make_error(
      errc::bad_request,
      "model 'command' needs a template, e.g. command:./agent.sh {prompt_file}");
  return make_error(errc::bad_request, "unknown model '" + spec + "'; " + valid);
}

std::string find_mock_agent() {
  const char* name = "swarm-mock-agent";
  if (const char* env = std::getenv("SWARM_MOCK_AGENT"); env != nullptr && *env != '\0')
    return env;
  auto executable = [](const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
  };
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&find_mock_agent), &info) != 0 &&
      info.dli_fname != nullptr && *info.dli_fname != '\0') {
    std::error_code ec;
    fs::path dir = fs::absolute(info.dli_fname, ec).parent_path();
    for (const fs::path& candidate : {dir / ".." / "bin" / name, dir / name})
      if (!ec && executable(candidate))
        return candidate.lexically_normal().string();
  }
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && executable(self.parent_path() / name))
    return (self.parent_path() / name).string();
  return name;
}

// ---- command templates

namespace {

constexpr const char* placeholder_names[] = {"prompt_file", "task_id", "agent",
                                             "workdir",     "run_dir", "attempt"};

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

// The placeholder name at word[k] == '{' ("" when what follows is not {name}), and the
// index of its closing brace.
std::string_view placeholder_at(std::string_view word, size_t k, size_t& close) {
  size_t e = k + 1;
  if (e >= word.size() || !is_name_start(word[e]))
    return {};
  while (e < word.size() && is_name_char(word[e]))
    ++e;
  if (e >= word.size() || word[e] != '}')
    return {};
  close = e;
  return word.substr(k + 1, e - k - 1);
}

bool known_placeholder(std::string_view name) {
  for (const char* p : placeholder_names)
    if (name == p)
      return true;
  return false;
}

expected<void> template_error(std::string what, size_t column) {
  return make_error(errc::bad_request,
                    "command template: " + what + " at column " + std::to_string(column));
}

} // namespace

expected<command_template> command_template::parse(std::string_view text) {
  auto words = split_shell_words(text);
  if (!words)
    return words.error();
  if (words->empty())
    return make_error(errc::bad_request,
                      "command template: empty; write the command to run, "
                      "e.g. command:./agent.sh {prompt_file}");

  command_template t;
  for (auto& w : *words) {
    for (size_t k = 0; k < w.text.size(); ++k) {
      if (w.text[k] != '{')
        continue;
      if (k + 1 < w.text.size() && w.text[k + 1] == '{') {
        ++k;
        continue;
      }
      size_t close = 0;
      auto name = placeholder_at(w.text, k, close);
      if (name.empty())
        continue;
      if (!known_placeholder(name))
        return template_error("unknown placeholder {" + std::string(name) +
                                "} (known: {prompt_file} {task_id} {agent} {workdir} "
                                "{run_dir} {attempt}; write {{ for a literal brace)",
                              w.columns[k])
          .error();
      k = close;
    }
    t.words_.push_back(std::move(w.text));
  }
  return t;
}

std::vector<std::string> command_template::expand(const model_run& run) const {
  auto value = [&](std::string_view name) -> std::string {
    if (name == "prompt_file")
      return run.prompt_file;
    if (name == "task_id")
      return run.task_id;
    if (name == "agent")
      return run.agent;
    if (name == "workdir")
      return run.workdir;
    if (name == "run_dir")
      return run.run_dir;
    return std::to_string(run.attempt);
  };
  std::vector<std::string> argv;
  argv.reserve(words_.size());
  for (const auto& w : words_) {
    std::string out;
    for (size_t k = 0; k < w.size(); ++k) {
      size_t close = 0;
      if (w[k] == '{' && k + 1 < w.size() && w[k + 1] == '{') {
        out += '{';
        ++k;
      } else if (auto name =
                   w[k] == '{' ? placeholder_at(w, k, close) : std::string_view();
                 !name.empty()) {
        out += value(name); // parse() accepted only known names
        k = close;
      } else {
        out += w[k];
      }
    }
    argv.push_back(std::move(out));
  }
  return argv;
}

// ---- helpers shared by the adapters

namespace detail {

model_outcome succeeded(std::string_view summary) {
  model_outcome o;
  o.success = true;
  o.summary = std::string(summary);
  return o;
}

model_outcome failed(const char* failure_type, std::string_view reason) {
  model_outcome o;
  o.failure_type = failure_type;
  o.reason = one_line(reason, 300);
  return o;
}

std::optional<model_outcome> judge_exit(const run_exit& exit) {
  if (exit.spawn_failed)
    return failed(failure::spawn_error, "could not start the model: " + exit.spawn_error);
  // What the CLI said about its service explains any end: the exit code, the SIGTERM the
  // runner sent for it, a deadline reached while it kept reconnecting.
  if (!exit.unavailable.empty())
    return failed(failure::model_unavailable, exit.unavailable);
  if (exit.timed_out)
    return failed(failure::timeout, "stopped at the harness's deadline");
  if (exit.stalled)
    return failed(failure::model_stalled,
                  "wrote nothing (stdout or stderr) for the stall timeout; stopped");
  if (exit.signal != 0) {
    const char* abbrev = ::sigabbrev_np(exit.signal);
    return failed(failure::model_crash,
                  "killed by " + (abbrev ? "SIG" + std::string(abbrev) : "a signal") +
                    " (signal " + std::to_string(exit.signal) + ")");
  }
  return std::nullopt;
}

std::string exit_reason(const run_exit& exit, const std::string& stderr_tail) {
  std::string r = "exited with code " + std::to_string(exit.exit_code);
  if (auto line = last_line(stderr_tail); !line.empty())
    r += ": " + line;
  return r;
}

std::string one_line(std::string_view text, size_t max) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      space = !out.empty();
      continue;
    }
    if (space)
      out += ' ';
    space = false;
    out += c;
  }
  if (out.size() <= max)
    return out;
  size_t cut = max > 3 ? max - 3 : 0;
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80)
    --cut; // never split a UTF-8 sequence
  out.resize(cut);
  return out + "...";
}

std::string last_line(std::string_view text) {
  size_t end = text.size();
  while (end > 0) {
    size_t start = text.rfind('\n', end - 1);
    start = start == std::string_view::npos ? 0 : start + 1;
    auto line = text.substr(start, end - start);
    auto b = line.find_first_not_of(" \t\r");
    if (b != std::string_view::npos) {
      auto e = line.find_last_not_of(" \t\r");
      return std::string(line.substr(b, e - b + 1));
    }
    end = start == 0 ? 0 : start - 1;
  }
  return {};
}

namespace {

std::optional<boost::json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(boost::json::string_view(text.data(), text.size()), ec);
  if (ec || !v.is_object())
    return std::nullopt;
  return std::move(v.get_object());
}

} // namespace

std::optional<boost::json::object> last_json_object(std::string_view text) {
  size_t end = text.size();
  while (end > 0) {
    size_t start = text.rfind('\n', end - 1);
    start = start == std::string_view::npos ? 0 : start + 1;
    if (text[start] == '{') {
      if (auto o = parse_object(text.substr(start, end - start)))
        return o;
      if (auto o = parse_object(text.substr(start)))
        return o;
    }
    end = start == 0 ? 0 : start - 1;
  }
  return std::nullopt;
}

std::string string_field(const boost::json::object& o, std::string_view key) {
  auto* v = o.if_contains(boost::json::string_view(key.data(), key.size()));
  if (v == nullptr || !v->is_string())
    return {};
  return std::string(v->get_string());
}

expected<std::string> read_prompt(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return make_error(errc::io_error,
                      "cannot read the prompt " + path + ": " + std::strerror(errno));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

expected<void> check_argument_size(const std::string& cli, const std::string& text) {
  constexpr size_t max_arg = 128 * 1024; // MAX_ARG_STRLEN, terminating NUL included
  if (text.size() < max_arg)
    return {};
  return make_error(
    errc::bad_request,
    cli + ": the prompt is " + std::to_string(text.size()) +
      " bytes, more than Linux passes in one argument (128 KiB); shorten the "
      "task, or run the CLI through command:<template> reading {prompt_file}");
}

std::vector<std::pair<std::string, std::string>> run_env(const model_run& run) {
  return {{"SWARM_AGENT", run.agent},
          {"SWARM_TASK", run.task_id},
          {"SWARM_ATTEMPT", std::to_string(run.attempt)},
          {"SWARM_RUN_DIR", run.run_dir},
          {"SWARM_PROMPT_FILE", run.prompt_file},
          {"SWARM_WORKDIR", run.workdir}};
}

std::vector<std::string> profile_args(const std::string& profile, const permission_flags& f,
                                      const std::vector<std::string>& extra_args) {
  for (const auto& arg : extra_args)
    for (const auto& name : f.names)
      if (arg == name || arg.rfind(name + "=", 0) == 0)
        return {};
  if (profile == "workdir")
    return f.workdir;
  if (profile == "full")
    return f.full;
  return {};
}

std::vector<std::pair<std::string, std::string>>
mcp_server_env(const model_run& run,
               const std::vector<std::pair<std::string, std::string>>& swarm_env) {
  std::vector<std::pair<std::string, std::string>> env{{"SWARM_AGENT", run.agent}};
  env.insert(env.end(), swarm_env.begin(), swarm_env.end());
  return env;
}

expected<void> write_run_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush())
    return make_error(errc::io_error, "cannot write " + path + ": " + std::strerror(errno));
  return {};
}

} // namespace detail

namespace detail {

std::optional<boost::json::object> last_result_object(std::string_view text) {
  auto result = last_json_object(text);
  if (result && string_field(*result, "type") != "result")
    result.reset();
  return result;
}

expected<model_command> prompt_cli_adapter::prompt_command(const model_run& run,
                                                           std::vector<std::string> before,
                                                           std::vector<std::string> after,
                                                           bool prompt_last) const {
  auto prompt = read_prompt(run.prompt_file);
  if (!prompt)
    return prompt.error();
  if (auto fits = check_argument_size(cli_, *prompt); !fits)
    return fits.error();
  model_command c;
  c.argv.push_back(binary_);
  c.argv.insert(c.argv.end(), before.begin(), before.end());
  if (!prompt_last)
    c.argv.push_back(*prompt);
  c.argv.insert(c.argv.end(), after.begin(), after.end());
  if (!model_.empty()) {
    c.argv.push_back("--model");
    c.argv.push_back(model_);
  }
  c.argv.insert(c.argv.end(), extra_args_.begin(), extra_args_.end());
  if (prompt_last)
    c.argv.push_back(std::move(*prompt));
  c.env = run_env(run);
  return c;
}

} // namespace detail

model_outcome model_adapter::judge(const model_run& run, const run_exit& exit,
                                   const std::string& stdout_tail,
                                   const std::string& stderr_tail) const {
  if (auto verdict = detail::judge_exit(exit))
    return *verdict;
  auto outcome = judge_output(run, exit, stdout_tail, stderr_tail);
  if (outcome.success)
    return outcome;
  // The run's watch may have missed a last line without a newline, or not have run (a
  // caller judging saved output): a failure is looked at once more for the signs.
  if (auto w = watch()) {
    auto said = w(false, stdout_tail + "\n");
    if (said.empty())
      said = w(true, stderr_tail + "\n");
    if (!said.empty())
      return detail::failed(failure::model_unavailable, said);
  }
  return outcome;
}

} // namespace swarm::harness
