#include "actors/memory/external_embedder.hpp"

#include <boost/json.hpp>
#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>
#include <vector>

extern char** environ;

namespace swarm::memory {

namespace {

constexpr std::string_view probe_text = "dimension probe";
constexpr size_t builtin_default_dimension = 384;
// Far above any real embedding printed as JSON (4096 floats take about 100 KB).
constexpr size_t max_output_bytes = 16 * 1024 * 1024;
constexpr size_t excerpt_bytes = 200;

const char* const valid_forms =
    "use builtin, builtin:<dimension>, command:<template>, or the http(s):// URL of an "
    "OpenAI-compatible embeddings endpoint";

expected<embedder_spec> bad_spec(std::string_view text, const std::string& what) {
  return make_error(errc::bad_request, "embedder '" + std::string(text) + "': " + what);
}

// At most `max` bytes of `text`, cut at a UTF-8 boundary ("..." marks the cut),
// trailing whitespace dropped.
std::string excerpt(std::string_view text, size_t max = excerpt_bytes) {
  const bool cut = text.size() > max;
  size_t n = std::min(text.size(), max);
  if (cut)
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80)
      --n;
  std::string s(text.substr(0, n));
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.pop_back();
  return cut ? s + "..." : s;
}

std::string with_stderr(std::string message, std::string_view err) {
  auto e = excerpt(err);
  return e.empty() ? message : message + "; stderr: " + e;
}

// The words of a command template, quoted as in a POSIX shell (the same rules as the
// model adapters' command templates, without their placeholders): whitespace separates
// words; '...' is literal; in "..." a backslash escapes " \ $ ` and newline; outside
// quotes a backslash escapes any character.
expected<std::vector<std::string>> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  auto bad = [&](std::string what, size_t i) {
    return make_error(errc::bad_request, "command template: " + what + " at column " +
                                             std::to_string(i + 1));
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(std::move(cur));
      cur.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\'') {
      const auto close = text.find('\'', i + 1);
      if (close == std::string_view::npos)
        return bad("unbalanced ' (no closing quote)", i);
      cur.append(text.substr(i + 1, close - i - 1));
      i = close;
    } else if (c == '"') {
      size_t k = i + 1;
      for (; k < text.size() && text[k] != '"'; ++k) {
        if (text[k] == '\\' && k + 1 < text.size() &&
            std::strchr("\"\\$`\n", text[k + 1]) != nullptr) {
          if (text[++k] != '\n') // backslash-newline joins lines
            cur += text[k];
        } else {
          cur += text[k];
        }
      }
      if (k >= text.size()) return bad("unbalanced \" (no closing quote)", i);
      i = k;
    } else if (c == '\\') {
      if (i + 1 >= text.size()) return bad("trailing backslash", i);
      if (text[++i] != '\n') cur += text[i];
    } else {
      cur += c;
    }
  }
  if (in_word) words.push_back(std::move(cur));
  if (words.empty())
    return make_error(errc::bad_request,
                      "command template: empty; write the program to run, e.g. "
                      "command:python3 embed.py");
  return words;
}

// An http(s) URL taken apart (errors say what is wrong, the caller says where); `url` is
// the endpoint actually posted to.
struct endpoint {
  std::string origin; // scheme://host[:port], what httplib::Client takes
  std::string path;   // from the first '/', query included
  std::string url;    // origin + path
};

expected<endpoint> parse_endpoint(std::string_view url) {
  auto bad = [&](const std::string& what) { return make_error(errc::bad_request, what); };
  std::string_view rest;
  endpoint e;
  for (std::string_view scheme : {"http://", "https://"})
    if (url.substr(0, scheme.size()) == scheme) {
      rest = url.substr(scheme.size());
      e.origin = std::string(scheme);
    }
  if (e.origin.empty()) return bad("must start with http:// or https://");
  const auto slash = std::min(rest.find('/'), rest.find('?'));
  const auto authority = rest.substr(0, slash);
  e.path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  if (authority.find('@') != std::string_view::npos)
    return bad("credentials in the URL are not supported; put the key in an environment "
               "variable (SWARM_EMBEDDER_API_KEY by default)");
  // host, or [IPv6 address], then an optional :port.
  size_t host_end = 0;
  if (!authority.empty() && authority[0] == '[') {
    host_end = authority.find(']');
    if (host_end == std::string_view::npos) return bad("unbalanced [ in the host");
    ++host_end;
  } else {
    host_end = std::min(authority.find(':'), authority.size());
  }
  if (host_end == 0 || (authority[0] == '[' && host_end == 2)) return bad("no host");
  const auto port = authority.substr(host_end);
  if (!port.empty()) {
    const auto digits = port.substr(1);
    const bool numeric = port[0] == ':' && !digits.empty() && digits.size() <= 5 &&
                         std::all_of(digits.begin(), digits.end(),
                                     [](char c) { return c >= '0' && c <= '9'; });
    if (!numeric || std::stoi(std::string(digits)) < 1 ||
        std::stoi(std::string(digits)) > 65535)
      return bad("the port must be a number from 1 to 65535");
  }
  e.origin += std::string(authority);
  // Base URLs as the OpenAI clients take them (OPENAI_BASE_URL) mean their embeddings
  // endpoint; any other path is the endpoint itself.
  auto ends_with = [&](std::string_view s) {
    return e.path.size() >= s.size() &&
           e.path.compare(e.path.size() - s.size(), s.size(), s) == 0;
  };
  if (e.path.empty() || e.path == "/")
    e.path = "/v1/embeddings";
  else if (ends_with("/v1"))
    e.path += "/embeddings";
  else if (ends_with("/v1/"))
    e.path += "embeddings";
  e.url = e.origin + e.path;
  return e;
}

// The embedding in a command's output or an endpoint's answer (the forms listed in the
// header), as floats; not yet normalised.
expected<std::vector<float>> parse_vector(std::string_view text) {
  boost::system::error_code ec;
  const auto doc = boost::json::parse(text, ec);
  if (ec)
    return make_error(errc::io_error, "the output is not JSON (" + ec.message() + "): '" +
                                          excerpt(text) + "'");
  const boost::json::value* vec = &doc;
  if (const auto* o = doc.if_object()) {
    vec = nullptr;
    if (const auto* e = o->if_contains("embedding")) {
      vec = e;
    } else if (const auto* es = o->if_contains("embeddings")) {
      if (es->is_array() && !es->get_array().empty()) vec = &es->get_array()[0];
    } else if (const auto* d = o->if_contains("data")) {
      if (d->is_array() && !d->get_array().empty() && d->get_array()[0].is_object())
        vec = d->get_array()[0].get_object().if_contains("embedding");
    }
  }
  if (vec == nullptr || !vec->is_array())
    return make_error(errc::io_error,
                      "expected a JSON array of numbers, {\"embedding\": [...]} or "
                      "{\"data\": [{\"embedding\": [...]}]}, got '" +
                          excerpt(text) + "'");
  const auto& arr = vec->get_array();
  if (arr.empty()) return make_error(errc::io_error, "the embedding is empty");
  std::vector<float> v;
  v.reserve(arr.size());
  for (size_t i = 0; i < arr.size(); ++i) {
    const auto& x = arr[i];
    if (!x.is_number())
      return make_error(errc::io_error, "element " + std::to_string(i) +
                                            " of the embedding is not a number: " +
                                            excerpt(boost::json::serialize(x), 40));
    const auto f = static_cast<float>(x.to_number<double>());
    if (!std::isfinite(f))
      return make_error(errc::io_error, "element " + std::to_string(i) +
                                            " of the embedding does not fit in a float");
    v.push_back(f);
  }
  return v;
}

void normalise(std::vector<float>& v) {
  double sum = 0;
  for (float x : v)
    sum += static_cast<double>(x) * x;
  if (sum <= 0) return;
  const double inv = 1.0 / std::sqrt(sum);
  for (float& x : v)
    x = static_cast<float>(x * inv);
}

// ---- running a command

struct unique_fd {
  int fd = -1;
  explicit unique_fd(int f = -1) : fd(f) {}
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

struct process_output {
  std::string out, err;
  int exit_code = -1; // when it exited, else -1
  int signal = 0;     // the signal that ended it, else 0
  bool timed_out = false;
  bool too_much_output = false;
};

expected<process_output> io_failure(const std::string& what, int err) {
  return make_error(errc::io_error, what + ": " + std::strerror(err));
}

enum class leader { running, zombie, gone };

// Whether the leader has ended. A zombie is not reaped yet, so its pid still names the
// group and killing the group is safe; `gone` means someone else reaped it (a program
// that sets SIGCHLD to SIG_IGN), and the pid may already name another process.
leader leader_state(pid_t pid) {
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0)
    return errno == EINTR ? leader::running : leader::gone;
  return info.si_pid != 0 ? leader::zombie : leader::running;
}

// Runs argv (no shell) in its own process group with `input` as stdin, and collects
// both output streams until the leader exits and the pipes close, or `timeout` passes.
// When the leader exits, the rest of its group is SIGKILLed, so a background job left
// holding stdout cannot stall the call; on timeout the whole group is.
expected<process_output> run_process(const std::vector<std::string>& args,
                                     std::string_view input,
                                     std::chrono::milliseconds timeout) {
  // stdin is a memory file rather than a pipe: no writer to keep pace with the child,
  // and no SIGPIPE for this process when the child never reads it.
  unique_fd in{::memfd_create("swarm-embedder-input", MFD_CLOEXEC)};
  if (in.fd < 0) return io_failure("cannot create the input buffer", errno);
  for (size_t done = 0; done < input.size();) {
    const auto n = ::write(in.fd, input.data() + done, input.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_failure("cannot write the input buffer", errno);
    done += static_cast<size_t>(n);
  }
  if (::lseek(in.fd, 0, SEEK_SET) != 0)
    return io_failure("cannot rewind the input buffer", errno);
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return io_failure("cannot create a pipe", errno);
  unique_fd out_r{out_pipe[0]}, out_w{out_pipe[1]};
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) return io_failure("cannot create a pipe", errno);
  unique_fd err_r{err_pipe[0]}, err_w{err_pipe[1]};

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.fd, 0);
  posix_spawn_file_actions_adddup2(&actions, out_w.fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_w.fd, 2);
  // A blocked or ignored signal of this process (SIGPIPE, typically) would be inherited
  // across exec; the own group lets a timeout kill everything the command started.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                      POSIX_SPAWN_SETPGROUP);
  std::vector<char*> argv;
  for (const auto& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned =
      ::posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  in.reset();
  out_w.reset();
  err_w.reset();
  if (spawned != 0) return io_failure("cannot run '" + args[0] + "'", spawned);

  // Without a pidfd (Linux < 5.3) the exit is noticed by looking every 10 ms.
  unique_fd pidfd{static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))};
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + timeout;
  process_output r;
  unique_fd* pipes[2] = {&out_r, &err_r};
  std::string* sinks[2] = {&r.out, &r.err};
  const size_t caps[2] = {max_output_bytes, 4096};
  bool exited = false, reaped = false;
  char buf[65536];
  for (;;) {
    if (!exited) {
      const auto state = leader_state(pid);
      exited = state != leader::running;
      reaped = state == leader::gone;
      if (state == leader::zombie) ::kill(-pid, SIGKILL);
      if (exited) pidfd.reset();
    }
    if (exited && out_r.fd < 0 && err_r.fd < 0) break;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now())
            .count();
    if (left <= 0 || r.too_much_output) {
      r.timed_out = left <= 0;
      break;
    }
    pollfd fds[3] = {{out_r.fd, POLLIN, 0}, {err_r.fd, POLLIN, 0}, {pidfd.fd, POLLIN, 0}};
    const int wait = pidfd.fd < 0 && !exited
                         ? static_cast<int>(std::min<int64_t>(left, 10))
                         : static_cast<int>(std::min<int64_t>(left, 60000));
    if (::poll(fds, 3, wait) < 0 && errno != EINTR) {
      const int e = errno;
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      return io_failure("poll", e);
    }
    for (int i = 0; i < 2; ++i) {
      if (pipes[i]->fd < 0 || fds[i].revents == 0) continue;
      const auto n = ::read(pipes[i]->fd, buf, sizeof buf);
      if (n > 0) {
        const size_t keep = std::min(static_cast<size_t>(n),
                                     caps[i] - std::min(caps[i], sinks[i]->size()));
        sinks[i]->append(buf, keep);
        if (i == 0 && keep < static_cast<size_t>(n)) r.too_much_output = true;
      } else if (n == 0 || errno != EINTR) {
        pipes[i]->reset();
      }
    }
  }
  if (!reaped && (!exited || r.timed_out || r.too_much_output)) ::kill(-pid, SIGKILL);
  int status = 0; // stays 0 (exit code 0) when someone else reaped the leader
  while (!reaped && ::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status))
    r.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    r.signal = WTERMSIG(status);
  return r;
}

// ---- the embedders

// Checks the dimension and normalises; the subclasses only fetch raw vectors.
class external_embedder : public embedder {
public:
  const std::string& name() const override { return name_; }
  size_t dimension() const override { return dimension_; }

  expected<std::vector<float>> embed(std::string_view text) const override {
    auto v = embed_unnamed(text);
    if (!v) return make_error(v.error().code, "embedder " + name_ + ": " + v.error().message);
    return v;
  }

  // embed() with errors not yet naming the embedder.
  expected<std::vector<float>> embed_unnamed(std::string_view text) const {
    expected<std::vector<float>> v = make_error(errc::internal, "");
    try {
      v = fetch(text);
    } catch (const std::exception& e) {
      v = make_error(errc::internal, std::string("unexpected exception: ") + e.what());
    }
    if (!v) return v;
    if (dimension_ != 0 && v->size() != dimension_)
      return make_error(errc::io_error,
                        "gave a vector of dimension " + std::to_string(v->size()) +
                            " where every other had " + std::to_string(dimension_));
    normalise(*v);
    return v;
  }

  // Called once, by make_embedder, before anyone else sees the embedder.
  void set_dimension(size_t d) { dimension_ = d; }

protected:
  explicit external_embedder(std::string name) : name_(std::move(name)) {}
  virtual expected<std::vector<float>> fetch(std::string_view text) const = 0;

private:
  std::string name_;
  size_t dimension_ = 0; // 0 only while probing
};

class command_embedder final : public external_embedder {
public:
  command_embedder(const std::string& tmpl, std::vector<std::string> argv,
                   std::chrono::milliseconds timeout)
      : external_embedder("command:" + tmpl), argv_(std::move(argv)), timeout_(timeout) {}

protected:
  expected<std::vector<float>> fetch(std::string_view text) const override {
    auto run = run_process(argv_, text, timeout_);
    if (!run) return run.error();
    if (run->timed_out)
      return make_error(
          errc::timeout,
          with_stderr("no answer within " + std::to_string(timeout_.count()) +
                          " ms; killed it (raise the timeout if it is just slow)",
                      run->err));
    if (run->too_much_output)
      return make_error(errc::io_error, "printed more than " +
                                            std::to_string(max_output_bytes >> 20) +
                                            " MiB; killed it");
    if (run->signal != 0)
      return make_error(
          errc::io_error,
          with_stderr("killed by signal " + std::to_string(run->signal), run->err));
    if (run->exit_code != 0)
      return make_error(
          errc::io_error,
          with_stderr("exited with code " + std::to_string(run->exit_code), run->err));
    auto v = parse_vector(run->out);
    if (!v) return make_error(v.error().code, with_stderr(v.error().message, run->err));
    return v;
  }

private:
  std::vector<std::string> argv_;
  std::chrono::milliseconds timeout_;
};

class http_embedder final : public external_embedder {
public:
  http_embedder(endpoint ep, std::string model, std::string key, std::string key_env,
                std::chrono::milliseconds timeout)
      : external_embedder("http:" + ep.url + "#" + model), endpoint_(std::move(ep)),
        model_(std::move(model)), key_(std::move(key)), key_env_(std::move(key_env)),
        timeout_(timeout) {}

protected:
  // One client per call: nothing shared between threads, at the price of a new
  // connection each time (embeddings are written rarely).
  expected<std::vector<float>> fetch(std::string_view text) const override {
    httplib::Client client(endpoint_.origin);
    if (!client.is_valid())
      return make_error(errc::bad_request,
                        "cannot make a client for " + endpoint_.origin);
    client.set_connection_timeout(timeout_);
    client.set_read_timeout(timeout_);
    client.set_write_timeout(timeout_);
    boost::json::object body;
    if (!model_.empty()) body["model"] = model_;
    body["input"] = text;
    httplib::Headers headers;
    if (!key_.empty()) headers.emplace("Authorization", "Bearer " + key_);
    const auto res = client.Post(endpoint_.path, headers, boost::json::serialize(body),
                                 "application/json");
    if (!res) {
      const auto e = res.error();
      const bool timed_out = e == httplib::Error::ConnectionTimeout;
      std::string hint = e == httplib::Error::Connection || timed_out
                             ? "; is the server running at " + endpoint_.origin + "?"
                             : "";
      return make_error(timed_out ? errc::timeout : errc::io_error,
                        "POST " + endpoint_.url + " failed (" + httplib::to_string(e) +
                            ")" + hint);
    }
    if (res->status != 200) {
      std::string hint;
      if (res->status == 401 || res->status == 403)
        hint = key_.empty() ? " (no API key sent: set " + key_env_ + ")"
                            : " (check the key in " + key_env_ + ")";
      return make_error(errc::io_error, "POST " + endpoint_.url + " answered HTTP " +
                                            std::to_string(res->status) + hint + ": '" +
                                            excerpt(res->body) + "'");
    }
    return parse_vector(res->body);
  }

private:
  endpoint endpoint_;
  std::string model_, key_;
  std::string key_env_; // where the key came from (or was looked for), for messages
  std::chrono::milliseconds timeout_;
};

std::string env_value(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v == nullptr ? "" : v;
}

expected<std::unique_ptr<embedder>> probed(std::unique_ptr<external_embedder> e,
                                           size_t wanted_dimension) {
  auto v = e->embed_unnamed(probe_text);
  if (!v)
    return make_error(v.error().code, "embedder " + e->name() +
                                        " failed its start-up probe: " + v.error().message);
  if (wanted_dimension != 0 && v->size() != wanted_dimension)
    return make_error(errc::refused, "embedder " + e->name() +
                                         ": gives vectors of dimension " +
                                         std::to_string(v->size()) + ", not the " +
                                         std::to_string(wanted_dimension) + " asked for");
  e->set_dimension(v->size());
  return std::unique_ptr<embedder>(std::move(e));
}

} // namespace

expected<embedder_spec> parse_embedder_spec(std::string_view text) {
  auto starts = [&](std::string_view p) { return text.substr(0, p.size()) == p; };
  embedder_spec spec;
  if (text == "builtin") {
    spec.kind = "builtin";
    return spec;
  }
  if (starts("builtin:")) {
    const auto digits = text.substr(8);
    const bool numeric = !digits.empty() && digits.size() <= 5 &&
                         std::all_of(digits.begin(), digits.end(),
                                     [](char c) { return c >= '0' && c <= '9'; });
    const auto dim = numeric ? std::stoul(std::string(digits)) : 0;
    if (dim < 16 || dim > 65536)
      return bad_spec(text, "the dimension '" + std::string(digits) +
                                "' must be a whole number from 16 to 65536");
    spec.kind = "builtin";
    spec.dimension = dim;
    return spec;
  }
  if (starts("command:")) {
    auto tmpl = text.substr(8);
    while (!tmpl.empty() && std::isspace(static_cast<unsigned char>(tmpl.front())))
      tmpl.remove_prefix(1);
    while (!tmpl.empty() && std::isspace(static_cast<unsigned char>(tmpl.back())))
      tmpl.remove_suffix(1);
    if (auto words = split_words(tmpl); !words)
      return bad_spec(text, words.error().message);
    spec.kind = "command";
    spec.target = std::string(tmpl);
    return spec;
  }
  if (text == "command")
    return bad_spec(text, "needs the program to run, e.g. command:python3 embed.py");
  if (text == "http")
    return bad_spec(text, "needs a URL, e.g. http://127.0.0.1:8080/v1/embeddings");
  if (starts("http:") || starts("https:")) {
    // "http://..." also starts with "http:": a plain URL is taken whole.
    const auto url = starts("http://") || starts("https://") ? text : text.substr(5);
    auto ep = parse_endpoint(url);
    if (!ep) return bad_spec(text, ep.error().message);
    spec.kind = "http";
    spec.target = ep->url;
    return spec;
  }
  return bad_spec(text, std::string("unknown kind; ") + valid_forms);
}

expected<std::unique_ptr<embedder>> make_embedder(const embedder_spec& spec) {
  if (spec.kind == "builtin") {
    const size_t dim = spec.dimension == 0 ? builtin_default_dimension : spec.dimension;
    if (dim < 16 || dim > 65536)
      return make_error(errc::refused,
                        "the built-in embedder takes 16 to 65536 dimensions, not " +
                            std::to_string(dim));
    return std::unique_ptr<embedder>(std::make_unique<builtin_embedder>(dim));
  }
  if (spec.kind != "command" && spec.kind != "http")
    return make_error(errc::bad_request, "unknown embedder kind '" + spec.kind +
                                             "'; use builtin, command or http");
  if (spec.timeout_ms <= 0)
    return make_error(errc::bad_request, "embedder timeout must be positive, not " +
                                             std::to_string(spec.timeout_ms) + " ms");
  const std::chrono::milliseconds timeout{spec.timeout_ms};
  try {
    if (spec.kind == "command") {
      auto argv = split_words(spec.target);
      if (!argv)
        return make_error(errc::bad_request, "embedder 'command:" + spec.target +
                                                 "': " + argv.error().message);
      return probed(
          std::make_unique<command_embedder>(spec.target, std::move(*argv), timeout),
          spec.dimension);
    }
    auto ep = parse_endpoint(spec.target);
    if (!ep)
      return make_error(errc::bad_request,
                        "embedder URL '" + spec.target + "': " + ep.error().message);
    std::string key_env = spec.api_key_env, key;
    if (!key_env.empty()) {
      key = env_value(key_env);
    } else {
      key_env = "SWARM_EMBEDDER_API_KEY";
      key = env_value(key_env);
      if (key.empty() && !(key = env_value("OPENAI_API_KEY")).empty())
        key_env = "OPENAI_API_KEY";
    }
    return probed(std::make_unique<http_embedder>(std::move(*ep), spec.model,
                                                  std::move(key), std::move(key_env),
                                                  timeout),
                  spec.dimension);
  } catch (const std::exception& e) {
    return make_error(errc::internal, "making the embedder: " + std::string(e.what()));
  }
}

} // namespace swarm::memory
