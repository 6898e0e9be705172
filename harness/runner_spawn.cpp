#include "harness/runner_spawn.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <optional>
#include <string_view>

#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace swarm::harness::detail {

namespace {

// ---- what the child gets

// The parent's environment with spec.env set on top (a later entry wins).
std::vector<std::string> child_environment(const process_spec& spec) {
  auto overridden = [&](std::string_view entry) {
    auto name = entry.substr(0, entry.find('='));
    return std::any_of(spec.env.begin(), spec.env.end(),
                       [&](const auto& kv) { return kv.first == name; });
  };
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e)
    if (!overridden(*e)) out.emplace_back(*e);
  for (size_t i = 0; i < spec.env.size(); ++i) {
    auto later =
        std::find_if(spec.env.begin() + i + 1, spec.env.end(),
                     [&](const auto& kv) { return kv.first == spec.env[i].first; });
    if (later == spec.env.end())
      out.push_back(spec.env[i].first + "=" + spec.env[i].second);
  }
  return out;
}

std::string env_value(const std::vector<std::string>& env, std::string_view name,
                      std::string fallback) {
  for (const auto& e : env)
    if (e.size() > name.size() && e.compare(0, name.size(), name) == 0 &&
        e[name.size()] == '=')
      return e.substr(name.size() + 1);
  return fallback;
}

// A relative path as the child, after chdir(cwd), will see it.
std::string in_cwd(const std::string& path, const std::string& cwd) {
  if (path.empty() || path[0] == '/' || cwd.empty()) return path;
  return cwd + "/" + path;
}

// 0 when `path` is a file the child may execute, else an errno and `why` says what.
int check_executable(const std::string& path, std::string& why) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    why = errno_text(err);
    return err;
  }
  if (!S_ISREG(st.st_mode)) {
    why = "not a regular file";
    return EACCES;
  }
  if (::access(path.c_str(), X_OK) != 0) {
    int err = errno;
    why = "not executable (" + errno_text(err) + ")";
    return err;
  }
  return 0;
}

// The path to execve for argv[0], looked up like execvp does but in the child's PATH.
swarm::expected<std::string> resolve_program(const std::string& name,
                                             const std::vector<std::string>& env,
                                             const std::string& cwd) {
  if (name.find('/') != std::string::npos) {
    std::string path = in_cwd(name, cwd), why;
    int err = check_executable(path, why);
    if (err == 0) return path;
    return make_error(err == ENOENT ? errc::not_found : errc::bad_request,
                      "cannot run " + path + ": " + why);
  }
  std::string search = env_value(env, "PATH", "/usr/local/bin:/usr/bin:/bin");
  std::string refused;
  size_t begin = 0;
  while (begin <= search.size()) {
    size_t end = std::min(search.find(':', begin), search.size());
    std::string dir = search.substr(begin, end - begin);
    std::string path = in_cwd((dir.empty() ? "." : dir) + "/" + name, cwd), why;
    int err = check_executable(path, why);
    if (err == 0) return path;
    if (refused.empty() && err != ENOENT && err != ENOTDIR) refused = path + ": " + why;
    begin = end + 1;
  }
  if (!refused.empty())
    return make_error(errc::bad_request, "cannot run " + name + ": " + refused);
  return make_error(errc::not_found, name + ": not found in PATH (" + search + ")");
}

// execve takes char* const*, and only reads through it.
std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const auto& s : strings)
    out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// ---- between clone and exec: async-signal-safe calls only
//
// The child normally shares the parent's memory (CLONE_VM) and runs on a stack of its
// own while the I/O thread is suspended (CLONE_VFORK): it only reads what the parent
// prepared, never allocates, throws or locks, and ends in execve or _exit. errno is the
// I/O thread's (the same TLS): it is read right after each failing call, and the parent
// treats it as clobbered once the child ran. Not instrumented by ASan: its bookkeeping
// belongs to the parent's thread and knows nothing of this stack, and frames that never
// return would leave their redzones poisoned.
#define SWARM_CHILD_SIDE __attribute__((no_sanitize("address")))

// Everything the child needs, prepared by the parent before clone.
struct exec_plan {
  const char* path;
  char* const* argv;
  char* const* envp;
  const char* cwd; // nullptr: inherit
  int stdin_fd, stdout_fd, stderr_fd;
  int report_fd; // close-on-exec: EOF tells the parent that exec succeeded
  pid_t parent;
};

// What the child writes to report_fd when a step before or at exec fails.
struct exec_report {
  int step;
  int err;
};
enum exec_step : int { step_stdio = 1, step_chdir = 2, step_exec = 3 };

[[noreturn]] SWARM_CHILD_SIDE void report_and_exit(int fd, int step, int err) {
  exec_report r{step, err};
  ssize_t ignored = ::write(fd, &r, sizeof r);
  (void)ignored;
  _exit(127);
}

// The parent blocks all signals around clone, the runner's thread blocks them anyway,
// and the embedding program may ignore some (SIGPIPE, typically): all of it would be
// inherited across exec. Dispositions are reset before the mask is cleared, so no handler
// of the embedding program ever runs on the child's stack.
SWARM_CHILD_SIDE void reset_signals() {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig)
    ::sigaction(sig, &dfl, nullptr); // fails harmlessly for SIGKILL, SIGSTOP, glibc's own
  // glibc's wrapper refuses its two internal signals (SIGRTMIN-2, -1 = 32, 33), which a
  // parent started through posix_spawn may have ignored — and an ignored signal stays
  // ignored across exec. The kernel takes them: an all-zero kernel sigaction is SIG_DFL
  // with no flags and an empty mask, whatever the architecture's field order.
  for (int sig = 32; sig <= 33; ++sig) {
    unsigned long kernel_dfl[4] = {0, 0, 0, 0};
    ::syscall(SYS_rt_sigaction, sig, kernel_dfl, nullptr, _NSIG / 8);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

// Closes every descriptor from 3 up, except `keep`.
SWARM_CHILD_SIDE void close_other_fds(int keep) {
  bool ok = (keep == 3 || ::close_range(3, keep - 1, 0) == 0) &&
            ::close_range(keep + 1, ~0U, 0) == 0;
  if (ok) return;
  for (int fd = 3; fd < 4096; ++fd) // no close_range (Linux < 5.9)
    if (fd != keep) ::close(fd);
}

[[noreturn]] SWARM_CHILD_SIDE void exec_child(const exec_plan& p) noexcept {
  reset_signals();
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != p.parent) // the swarm died before prctl took effect
    _exit(127);
  if (::dup2(p.stdin_fd, 0) < 0 || ::dup2(p.stdout_fd, 1) < 0 ||
      ::dup2(p.stderr_fd, 2) < 0)
    report_and_exit(p.report_fd, step_stdio, errno);
  if (p.cwd != nullptr && ::chdir(p.cwd) != 0)
    report_and_exit(p.report_fd, step_chdir, errno);
  close_other_fds(p.report_fd);
  ::execve(p.path, p.argv, p.envp);
  report_and_exit(p.report_fd, step_exec, errno);
}

SWARM_CHILD_SIDE int exec_child_entry(void* plan) {
  exec_child(*static_cast<const exec_plan*>(plan));
}

// ---- the parent's side

// Blocks every signal of the calling thread, glibc's internal ones included (the
// sigprocmask wrappers leave those out), and restores the old mask when it goes away.
class all_signals_blocked {
public:
  all_signals_blocked() {
    sigset_t all;
    sigfillset(&all);
    sigemptyset(&old_);
    ::syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old_, _NSIG / 8);
  }
  ~all_signals_blocked() {
    int err = errno; // what the caller reports
    ::syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old_, nullptr, _NSIG / 8);
    errno = err;
  }
  all_signals_blocked(const all_signals_blocked&) = delete;
  all_signals_blocked& operator=(const all_signals_blocked&) = delete;

private:
  sigset_t old_;
};

// Starts a child that runs exec_child(plan) and returns its pid, or -1 with errno set.
// With CLONE_VM | CLONE_VFORK (what glibc's posix_spawn does) this costs the same
// whatever the parent's size, where fork copies every page table of a large process.
// Returns once the child has exec'd or exited. Falls back to fork where that clone is
// refused or no stack could be mapped.
pid_t clone_child(const exec_plan& plan, child_stack& stack) {
  all_signals_blocked blocked; // no handler runs in the child, on its borrowed stack
#if defined(__SANITIZE_THREAD__)
  // ThreadSanitizer wraps clone in its fork bookkeeping, which a CLONE_VM child runs on
  // the parent's own memory: the parent then believes it is a forked child (new
  // threads die) and loses its happens-before edges. Under TSan children are forked.
  (void)stack;
#else
  if (void* top = stack.top()) {
    pid_t pid = ::clone(exec_child_entry, top, CLONE_VM | CLONE_VFORK | SIGCHLD,
                        const_cast<exec_plan*>(&plan));
    if (pid >= 0 || (errno != ENOSYS && errno != EINVAL)) return pid;
  }
#endif
  pid_t pid = ::fork();
  if (pid == 0) exec_child(plan);
  return pid;
}

// Blocks until the child execs (EOF: the report pipe was close-on-exec) or reports why it
// could not.
std::optional<exec_report> await_exec(const unique_fd& report) {
  exec_report r{};
  ssize_t n;
  do
    n = ::read(report.get(), &r, sizeof r);
  while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof r)) return r;
  return std::nullopt;
}

swarm::error exec_failure(const exec_report& r, const std::string& path,
                          const std::string& cwd) {
  std::string what = r.step == step_chdir ? "cannot enter " + cwd
                     : r.step == step_exec
                         ? "cannot execute " + path
                         : "cannot redirect the standard streams of " + path;
  auto code = r.err == ENOENT ? errc::not_found : errc::io_error;
  return make_error(code, what + ": " + errno_text(r.err));
}

} // namespace

child_stack::~child_stack() {
  if (base_ != nullptr) ::munmap(base_, mapped_);
}

void* child_stack::top() {
  if (base_ == nullptr) map();
  return base_ == nullptr ? nullptr : static_cast<char*>(base_) + mapped_;
}

void child_stack::map() {
  auto page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  size_t size = usable + page;
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (p == MAP_FAILED) return;
  if (::mprotect(p, page, PROT_NONE) != 0) {
    ::munmap(p, size);
    return;
  }
  base_ = p;
  mapped_ = size;
}

expected<exec_target> resolve_exec_target(const process_spec& spec) {
  exec_target t;
  t.env = child_environment(spec);
  auto path = resolve_program(spec.argv[0], t.env, spec.cwd);
  if (!path) return path.error();
  t.path = std::move(*path);
  return t;
}

expected<unique_fd> stdin_holding(const process_spec& spec) {
  if (spec.stdin_bytes.empty()) return unique_fd();
  auto failed = [&](const char* what) {
    return make_error(errc::io_error, "cannot start " + spec.argv[0] + ": " + what +
                                          " its stdin: " + errno_text(errno));
  };
  unique_fd fd(::memfd_create("swarm-stdin", MFD_CLOEXEC));
  if (!fd.valid()) return failed("cannot create");
  const std::string& bytes = spec.stdin_bytes;
  for (size_t done = 0; done < bytes.size();) {
    const auto n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failed("cannot write");
    done += static_cast<size_t>(n);
  }
  if (::lseek(fd.get(), 0, SEEK_SET) != 0) return failed("cannot rewind");
  fd = above_stdio(std::move(fd));
  if (!fd.valid()) return failed("cannot place");
  return fd;
}

// The report pipe turns every failure up to and including execve into an error here.
expected<started_child> start_child(const process_spec& spec, const exec_target& target,
                                    int stdin_fd, child_stack& stack, pid_t parent) {
  auto out = make_pipe(), err = make_pipe(), report = make_pipe();
  if (!out || !err || !report)
    return make_error(errc::io_error,
                      "cannot start " + spec.argv[0] + ": pipe: " + errno_text(errno));
  auto argv = c_strings(spec.argv);
  auto envp = c_strings(target.env);
  exec_plan plan{target.path.c_str(),
                 argv.data(),
                 envp.data(),
                 spec.cwd.empty() ? nullptr : spec.cwd.c_str(),
                 stdin_fd,
                 out->write_end.get(),
                 err->write_end.get(),
                 report->write_end.get(),
                 parent};
  pid_t pid = clone_child(plan, stack);
  if (pid < 0)
    return make_error(errc::io_error,
                      "cannot start " + spec.argv[0] + ": " + errno_text(errno));
  ::setpgid(pid, pid); // the child did it already, unless fork let the parent run first
  out->write_end.reset();
  err->write_end.reset();
  report->write_end.reset();
  if (auto failed = await_exec(report->read_end)) {
    ::waitpid(pid, nullptr, 0); // the child has _exit'ed already
    return exec_failure(*failed, target.path, spec.cwd);
  }
  return started_child{static_cast<int>(pid), std::move(out->read_end),
                       std::move(err->read_end)};
}

} // namespace swarm::harness::detail
