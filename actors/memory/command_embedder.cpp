// The "command:" embedder: one run of a program per text, the text on its stdin, the
// vector read from its stdout — through the harness's process runner (no shell, its own
// process group, the whole group killed at the timeout or when the command is done).

#include "actors/memory/external_embedder_internal.hpp"

#include "harness/process_runner.hpp"
#include "harness/shell_words.hpp"

#include <utility>

namespace swarm::memory::detail {

namespace {

// Far above any real embedding printed as JSON (4096 floats take about 100 KB).
constexpr size_t max_output_bytes = 16 * 1024 * 1024;

// "cannot run 'PROGRAM': why", without the runner's own "cannot run <path>: " when it
// said that already.
error cannot_run(const std::string& program, const error& e) {
  std::string why = e.message;
  if (why.rfind("cannot run ", 0) == 0)
    if (const auto colon = why.find(": "); colon != std::string::npos)
      why.erase(0, colon + 2);
  return make_error(errc::io_error, "cannot run '" + program + "': " + why);
}

class command_embedder final : public external_embedder {
public:
  command_embedder(const std::string& tmpl, std::vector<std::string> argv,
                   std::chrono::milliseconds timeout)
      : external_embedder("command:" + tmpl), argv_(std::move(argv)), timeout_(timeout),
        runner_(std::make_unique<harness::process_runner>()) {}

protected:
  // Blocks for the whole run: embed() is called off the CAF scheduler threads.
  expected<std::vector<float>> fetch(std::string_view text) const override {
    harness::process_spec spec;
    spec.argv = argv_;
    spec.stdin_bytes = std::string(text);
    spec.timeout = timeout_;
    spec.kill_grace = std::chrono::milliseconds(0); // the timeout SIGKILLs at once
    spec.output_cap_bytes = max_output_bytes;
    spec.kill_past_cap = true;
    auto run = runner_->run(std::move(spec));
    if (!run) return cannot_run(argv_[0], run.error());
    if (run->timed_out)
      return make_error(
          errc::timeout,
          with_stderr("no answer within " + std::to_string(timeout_.count()) +
                          " ms; killed it (raise the timeout if it is just slow)",
                      run->stderr_text));
    if (run->stdout_truncated || run->stderr_truncated)
      return make_error(errc::io_error, "printed more than " +
                                            std::to_string(max_output_bytes >> 20) +
                                            " MiB; killed it");
    if (run->signal != 0)
      return make_error(errc::io_error,
                        with_stderr("killed by signal " + std::to_string(run->signal),
                                    run->stderr_text));
    if (run->exit_code != 0)
      return make_error(errc::io_error,
                        with_stderr("exited with code " + std::to_string(run->exit_code),
                                    run->stderr_text));
    auto v = parse_vector(run->stdout_text);
    if (!v)
      return make_error(v.error().code, with_stderr(v.error().message, run->stderr_text));
    return v;
  }

private:
  std::vector<std::string> argv_;
  std::chrono::milliseconds timeout_;
  // Its own I/O thread, so embedding never queues behind the agents' model runs.
  std::unique_ptr<harness::process_runner> runner_;
};

} // namespace

expected<std::vector<std::string>> command_argv(std::string_view tmpl) {
  auto words = harness::split_shell_words(tmpl);
  if (!words) return words.error();
  if (words->empty())
    return make_error(errc::bad_request,
                      "command template: empty; write the program to run, e.g. "
                      "command:python3 embed.py");
  std::vector<std::string> argv;
  for (auto& w : *words)
    argv.push_back(std::move(w.text));
  return argv;
}

expected<std::unique_ptr<external_embedder>>
make_command_embedder(const embedder_spec& spec, std::chrono::milliseconds timeout) {
  auto argv = command_argv(spec.target);
  if (!argv)
    return make_error(errc::bad_request,
                      "embedder 'command:" + spec.target + "': " + argv.error().message);
  return std::unique_ptr<external_embedder>(
      std::make_unique<command_embedder>(spec.target, std::move(*argv), timeout));
}

} // namespace swarm::memory::detail
