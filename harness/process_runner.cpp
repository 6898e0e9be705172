#include "harness/process_runner.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <unordered_map>

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

// A child's life, all of it on the I/O thread:
// * spawn: clone(CLONE_VM | CLONE_VFORK), fork where that is refused; exec confirmed by
//   EOF on a close-on-exec report pipe.
// * running: pipes drained into the files; timeout and terminate() timers.
// * exited: the pidfd is readable. The group is SIGKILLed while the leader's zombie still
//   holds the pid (so the group id cannot be anyone else's), then the leader is reaped.
// * settling: until both pipes hit EOF and no live process is left in the group, or
//   until cleanup_limit passes.
// * delivered: files cut to their tail and closed, on_exit called, the child forgotten.

namespace swarm::harness {

namespace {

using clock = std::chrono::steady_clock;

// After the leader is reaped, how long the runner waits for the rest of the group to die
// and for the pipes to close. Past it, a process that escaped the group still holds a
// pipe; the runner closes its end and reports what it has.
constexpr auto cleanup_limit = std::chrono::seconds(2);
// How often a finished child's group is checked for survivors while it settles.
constexpr int settle_poll_ms = 2;
// How often children are polled with waitid when pidfd_open is unavailable (Linux < 5.3).
constexpr int no_pidfd_poll_ms = 10;
// At most this much is read from one pipe per wake-up, so one chatty child cannot starve
// the others (epoll is level-triggered: the rest comes next round).
constexpr size_t read_budget = 1024 * 1024;
constexpr size_t buffer_size = 256 * 1024;
// What is still read from a pipe when its child is delivered; bounded because a process
// that escaped the group may go on writing.
constexpr size_t final_read_budget = 16 * 1024 * 1024;

std::string errno_text(int err) {
  return std::system_category().message(err);
}

class unique_fd {
public:
  unique_fd() = default;
  explicit unique_fd(int fd) : fd_(fd) {}
  unique_fd(unique_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~unique_fd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

private:
  int fd_ = -1;
};

// Moves `fd` to a number above stdin/stdout/stderr (close-on-exec), so dup2 onto 0..2 in
// the child can never clobber it, even in a program that closed its standard streams.
unique_fd above_stdio(unique_fd fd) {
  if (fd.get() > 2) return fd;
  return unique_fd(fcntl(fd.get(), F_DUPFD_CLOEXEC, 3));
}

struct pipe_pair {
  unique_fd read_end, write_end;
};

std::optional<pipe_pair> make_pipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
  pipe_pair p{unique_fd(fds[0]), above_stdio(unique_fd(fds[1]))};
  if (!p.write_end.valid()) return std::nullopt;
  return p;
}

// ---- /proc

struct proc_stat {
  char state = '?';
  int pgrp = 0;
  int64_t start_ticks = 0;
};

// Fields 3 (state), 5 (pgrp) and 22 (starttime) of /proc/<pid>/stat. The command name
// (field 2) may hold spaces and parentheses, so parsing starts after the last ')'.
std::optional<proc_stat> read_proc_stat(int pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/stat";
  unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return std::nullopt;
  char buf[1024];
  ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
  if (n <= 0) return std::nullopt;
  buf[n] = '\0';
  const char* p = std::strrchr(buf, ')');
  if (p == nullptr) return std::nullopt;
  proc_stat st;
  int ppid = 0;
  long long ticks = 0;
  // state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
  // cutime cstime priority nice num_threads itrealvalue starttime
  int got = std::sscanf(p + 1,
                        " %c %d %d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
                        "%*d %*d %*d %lld",
                        &st.state, &ppid, &st.pgrp, &ticks);
  if (got != 4) return std::nullopt;
  st.start_ticks = ticks;
  return st;
}

// True when some process of group `pgid` is still alive. A killed member lingers as a
// zombie until its parent (often init) reaps it; zombies count as gone. Some init
// processes in containers never reap, so "kill(-pgid, 0) fails" is not enough.
bool group_has_live_member(int pgid) {
  if (::kill(-pgid, 0) != 0 && errno == ESRCH) return false;
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return false;
  bool alive = false;
  while (dirent* e = ::readdir(dir)) {
    int pid = std::atoi(e->d_name);
    if (pid <= 0) continue;
    auto st = read_proc_stat(pid);
    if (st && st->pgrp == pgid && st->state != 'Z' && st->state != 'X') {
      alive = true;
      break;
    }
  }
  ::closedir(dir);
  return alive;
}

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

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings)
    out.push_back(s.data());
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

// The stack a child runs on until it execs. The I/O thread that owns it is suspended
// while a child uses it (CLONE_VFORK) and starts one child at a time, so one suffices.
// Mapped on first use, with a guard page below it.
class child_stack {
public:
  child_stack() = default;
  child_stack(const child_stack&) = delete;
  child_stack& operator=(const child_stack&) = delete;
  ~child_stack() {
    if (base_ != nullptr) ::munmap(base_, mapped_);
  }

  // The top of the stack (it grows down); nullptr when it cannot be mapped.
  void* top() {
    if (base_ == nullptr) map();
    return base_ == nullptr ? nullptr : static_cast<char*>(base_) + mapped_;
  }

private:
  // The child's deepest path is a libc call or an ASan interceptor: a few KiB.
  static constexpr size_t usable = 128 * 1024;

  void map() {
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

  void* base_ = nullptr;
  size_t mapped_ = 0;
};

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
pid_t start_child(const exec_plan& plan, child_stack& stack) {
  all_signals_blocked blocked; // no handler runs in the child, on its borrowed stack
  if (void* top = stack.top()) {
    pid_t pid = ::clone(exec_child_entry, top, CLONE_VM | CLONE_VFORK | SIGCHLD,
                        const_cast<exec_plan*>(&plan));
    if (pid >= 0 || (errno != ENOSYS && errno != EINVAL)) return pid;
  }
  pid_t pid = ::fork();
  if (pid == 0) exec_child(plan);
  return pid;
}

// ---- output capture (I/O thread only)

// One stream of a child: the pipe it writes and the file that keeps the tail.
struct captured_stream {
  unique_fd pipe; // read end, non-blocking; reset at EOF
  unique_fd file; // invalid when the stream is not kept or writing failed
  std::string path;
  uint64_t cap = 0;
  uint64_t total = 0;     // bytes read from the pipe
  uint64_t file_size = 0; // bytes in the file now
  std::string error;      // the first failure writing the file
};

void file_failed(captured_stream& s, const char* what) {
  if (s.error.empty())
    s.error = std::string(what) + " " + s.path + ": " + errno_text(errno);
  s.file.reset();
}

bool write_all_at(int fd, const char* data, size_t n, uint64_t offset) {
  while (n > 0) {
    ssize_t w = ::pwrite(fd, data, n, static_cast<off_t>(offset));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data += w;
    n -= static_cast<size_t>(w);
    offset += static_cast<uint64_t>(w);
  }
  return true;
}

// Moves the last `keep` bytes of the file to its start and cuts it there. Copying forward
// is safe even when the ranges overlap, since the destination lies before the source.
void keep_tail(captured_stream& s, uint64_t keep, std::vector<char>& buf) {
  if (!s.file.valid() || s.file_size <= keep) return;
  uint64_t from = s.file_size - keep;
  for (uint64_t done = 0; done < keep;) {
    size_t chunk = static_cast<size_t>(std::min<uint64_t>(buf.size(), keep - done));
    ssize_t r = ::pread(s.file.get(), buf.data(), chunk, static_cast<off_t>(from + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0 || !write_all_at(s.file.get(), buf.data(), static_cast<size_t>(r), done))
      return file_failed(s, "compacting");
    done += static_cast<uint64_t>(r);
  }
  if (::ftruncate(s.file.get(), static_cast<off_t>(keep)) != 0)
    return file_failed(s, "truncating");
  s.file_size = keep;
}

// Appends live (so `tail -f` works) and compacts whenever the file reaches twice the cap:
// each byte is copied at most once more, and the file always ends in the stream's tail.
void append(captured_stream& s, const char* data, size_t n, std::vector<char>& buf) {
  s.total += n;
  if (!s.file.valid() || s.cap == 0) return;
  if (!write_all_at(s.file.get(), data, n, s.file_size)) return file_failed(s, "writing");
  s.file_size += n;
  if (s.file_size >= s.cap && s.file_size - s.cap >= s.cap) // >= 2*cap, without overflow
    keep_tail(s, s.cap, buf);
}

enum class drain_result { open, eof };

// Reads what the pipe holds, up to `budget` bytes.
drain_result drain(captured_stream& s, std::vector<char>& in, std::vector<char>& copy,
                   size_t budget) {
  for (size_t got = 0; got < budget;) {
    ssize_t r = ::read(s.pipe.get(), in.data(), in.size());
    if (r > 0) {
      append(s, in.data(), static_cast<size_t>(r), copy);
      got += static_cast<size_t>(r);
    } else if (r == 0) {
      return drain_result::eof;
    } else if (errno != EINTR) {
      return errno == EAGAIN ? drain_result::open : drain_result::eof;
    }
  }
  return drain_result::open;
}

// ---- the children

// An epoll registration is keyed by the child's serial id and what the descriptor is.
// Not by pid: once a leader is reaped, its pid may be reused by a new child while the old
// one is still settling.
enum class watch_kind : uint64_t { wake = 0, out = 1, err = 2, exit = 3 };

uint64_t watch_key(uint64_t id, watch_kind kind) {
  return (id << 2) | static_cast<uint64_t>(kind);
}

// A started child, owned by the I/O thread from spawn until its on_exit returns.
struct child {
  uint64_t id = 0; // serial, never reused; 0 is the wake-up eventfd's key
  int pid = 0;
  exit_callback on_exit;
  unique_fd pidfd; // invalid without pidfd_open, or once the leader is reaped
  captured_stream out, err;
  clock::time_point started;
  std::optional<clock::time_point> term_at; // when the timeout sends SIGTERM
  std::optional<clock::time_point> kill_at; // when SIGKILL follows
  std::chrono::milliseconds grace{0};
  bool reaped = false;
  clock::time_point give_up_at; // reaped: the cleanup deadline
  process_result result;
};

void record_status(process_result& r, const siginfo_t& si) {
  if (si.si_code == CLD_EXITED)
    r.exit_code = si.si_status;
  else if (si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED)
    r.signal = si.si_status;
}

struct start_request {
  process_spec spec;
  start_callback on_started;
  exit_callback on_exit;
};

// A callback that throws has no one on the I/O thread to hand the exception to.
template <class Callback, class Arg>
void call_quietly(const Callback& callback, const Arg& arg) noexcept {
  try {
    if (callback) callback(arg);
  } catch (...) {
  }
}

} // namespace

// ---- the runner

struct process_runner::impl {
  // Shared between callers and the I/O thread; guarded by mutex_.
  std::mutex mutex_;
  std::deque<start_request> starts_;
  std::vector<int> terminations_;
  bool stopping_ = false;

  std::atomic<size_t> running_{0};

  // Set before the thread starts, constant afterwards.
  unique_fd epoll_, wake_, devnull_;
  pid_t self_ = ::getpid();
  std::thread thread_;

  // I/O thread only.
  std::unordered_map<uint64_t, std::unique_ptr<child>> children_; // by id
  std::unordered_map<int, uint64_t> unreaped_;                    // pid -> id
  uint64_t next_id_ = 1;
  bool shutting_down_ = false;
  std::vector<char> read_buf_ = std::vector<char>(buffer_size);
  std::vector<char> copy_buf_ = std::vector<char>(buffer_size);
  child_stack spawn_stack_;

  static thread_local const impl* io_thread_of;

  bool on_io_thread() const { return io_thread_of == this; }
  void wake();
  void run();
  int next_timeout_ms(clock::time_point now) const;
  void dispatch(const epoll_event& e);
  void take_requests();
  void start_now(start_request r);
  swarm::expected<int> spawn(process_spec spec, exit_callback on_exit);
  swarm::expected<int> fork_exec(process_spec& spec, child& c);
  bool watch(int fd, uint64_t id, watch_kind kind);
  bool watch_all(child& c);
  void unwatch(unique_fd& fd);
  void signal_group(child& c, int sig);
  void terminate_now(int pid);
  void on_leader_exit(child& c);
  void check_timers(clock::time_point now);
  bool settled(child& c, clock::time_point now);
  void finish_settled();
  void deliver(std::unique_ptr<child> c);
};

thread_local const process_runner::impl* process_runner::impl::io_thread_of = nullptr;

void process_runner::impl::wake() {
  uint64_t one = 1;
  ssize_t ignored = ::write(wake_.get(), &one, sizeof one);
  (void)ignored; // the counter only saturates when the thread already has to wake
}

bool process_runner::impl::watch(int fd, uint64_t id, watch_kind kind) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = watch_key(id, kind);
  return ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) == 0;
}

// Without a pidfd (Linux < 5.3) the exit is noticed by polling in check_timers.
bool process_runner::impl::watch_all(child& c) {
  bool ok = (!c.pidfd.valid() || watch(c.pidfd.get(), c.id, watch_kind::exit)) &&
            watch(c.out.pipe.get(), c.id, watch_kind::out) &&
            watch(c.err.pipe.get(), c.id, watch_kind::err);
  if (!ok) {
    int err = errno;
    unwatch(c.pidfd);
    unwatch(c.out.pipe);
    unwatch(c.err.pipe);
    errno = err;
  }
  return ok;
}

// Always deregistered explicitly: a child forked but not yet exec'd may still share the
// descriptor, and closing ours alone would leave the registration alive.
void process_runner::impl::unwatch(unique_fd& fd) {
  if (!fd.valid()) return;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd.get(), nullptr);
  fd.reset();
}

// Only while the leader is unreaped: its zombie holds the pid, so the group id cannot
// have been reused by anyone else.
void process_runner::impl::signal_group(child& c, int sig) {
  if (!c.reaped) ::kill(-c.pid, sig);
}

void process_runner::impl::run() {
  io_thread_of = this;
  epoll_event events[64];
  while (!(shutting_down_ && children_.empty())) {
    int n = ::epoll_wait(epoll_.get(), events, 64, next_timeout_ms(clock::now()));
    for (int i = 0; i < n; ++i)
      dispatch(events[i]);
    check_timers(clock::now());
    finish_settled();
  }
}

int process_runner::impl::next_timeout_ms(clock::time_point now) const {
  auto next = clock::time_point::max();
  for (const auto& [id, c] : children_) {
    if (c->reaped) return settle_poll_ms;
    if (!c->pidfd.valid())
      next = std::min(next, now + std::chrono::milliseconds(no_pidfd_poll_ms));
    if (c->term_at) next = std::min(next, *c->term_at);
    if (c->kill_at) next = std::min(next, *c->kill_at);
  }
  if (next == clock::time_point::max()) return -1;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(next - now).count();
  return static_cast<int>(std::clamp<int64_t>(ms, 0, 60'000));
}

void process_runner::impl::dispatch(const epoll_event& e) {
  auto kind = static_cast<watch_kind>(e.data.u64 & 3);
  if (kind == watch_kind::wake) {
    uint64_t count;
    ssize_t ignored = ::read(wake_.get(), &count, sizeof count);
    (void)ignored;
    return take_requests();
  }
  auto it = children_.find(e.data.u64 >> 2);
  if (it == children_.end()) return;
  child& c = *it->second;
  if (kind == watch_kind::exit) return on_leader_exit(c);
  captured_stream& s = kind == watch_kind::out ? c.out : c.err;
  if (drain(s, read_buf_, copy_buf_, read_budget) == drain_result::eof) unwatch(s.pipe);
}

void process_runner::impl::take_requests() {
  std::deque<start_request> starts;
  std::vector<int> terminations;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    starts.swap(starts_);
    terminations.swap(terminations_);
    if (stopping_ && !shutting_down_) {
      shutting_down_ = true;
      for (auto& [id, c] : children_)
        signal_group(*c, SIGKILL);
    }
  }
  for (auto& r : starts)
    start_now(std::move(r));
  for (int pid : terminations)
    terminate_now(pid);
}

void process_runner::impl::start_now(start_request r) {
  swarm::expected<process_started> started = make_error(errc::internal, "not started");
  try {
    auto pid = spawn(std::move(r.spec), std::move(r.on_exit));
    if (pid)
      started =
          process_started{*pid, children_.at(unreaped_.at(*pid))->result.start_ticks};
    else
      started = pid.error();
  } catch (const std::exception& e) { // bad_alloc, mostly: never leave a caller hanging
    started = make_error(errc::internal, std::string("process_runner: ") + e.what());
  }
  call_quietly(r.on_started, started);
}

void process_runner::impl::terminate_now(int pid) {
  auto it = unreaped_.find(pid);
  if (it == unreaped_.end()) return;
  child& c = *children_.at(it->second);
  signal_group(c, SIGTERM);
  c.term_at.reset();
  auto kill_at = clock::now() + c.grace;
  if (!c.kill_at || kill_at < *c.kill_at) c.kill_at = kill_at;
}

swarm::expected<int> process_runner::impl::spawn(process_spec spec,
                                                 exit_callback on_exit) {
  if (shutting_down_)
    return make_error(errc::shutting_down, "the process runner is shutting down");
  if (spec.argv.empty() || spec.argv[0].empty())
    return make_error(errc::bad_request, "process_spec.argv is empty: nothing to run");
  if (!spec.stdout_path.empty() && spec.stdout_path == spec.stderr_path)
    return make_error(errc::bad_request, "stdout and stderr both go to " +
                                             spec.stdout_path +
                                             ": give them different files");
  auto c = std::make_unique<child>();
  c->id = next_id_++;
  c->on_exit = std::move(on_exit);
  c->grace = spec.kill_grace;
  auto pid = fork_exec(spec, *c);
  if (!pid) return pid;
  c->pid = *pid;
  c->result.pid = *pid;
  c->result.start_ticks = process_start_ticks(*pid);
  if (spec.timeout.count() > 0) c->term_at = c->started + spec.timeout;
  if (!watch_all(*c)) {
    std::string why = errno_text(errno);
    ::kill(-*pid, SIGKILL); // unreaped, so the group is still ours
    ::waitpid(*pid, nullptr, 0);
    return make_error(errc::io_error, "cannot watch " + spec.argv[0] + ": epoll: " + why);
  }
  unreaped_.emplace(*pid, c->id);
  children_.emplace(c->id, std::move(c));
  running_.fetch_add(1);
  return pid;
}

namespace {

swarm::expected<unique_fd> open_output(const std::string& path, const char* stream) {
  if (path.empty()) return unique_fd();
  unique_fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid())
    return make_error(errc::io_error, std::string("cannot create the ") + stream +
                                          " file " + path + ": " + errno_text(errno));
  return fd;
}

void capture(captured_stream& s, unique_fd pipe, unique_fd file, const std::string& path,
             uint64_t cap) {
  s.pipe = std::move(pipe);
  s.file = std::move(file);
  s.path = path;
  s.cap = cap;
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

// Resolves, clones and execs; fills c's pipes, files, pidfd and start time. The error
// pipe turns every failure up to and including execve into an error returned here.
swarm::expected<int> process_runner::impl::fork_exec(process_spec& spec, child& c) {
  auto env = child_environment(spec);
  auto path = resolve_program(spec.argv[0], env, spec.cwd);
  if (!path) return path.error();
  auto out_file = open_output(spec.stdout_path, "stdout");
  if (!out_file) return out_file.error();
  auto err_file = open_output(spec.stderr_path, "stderr");
  if (!err_file) return err_file.error();
  auto out = make_pipe(), err = make_pipe(), report = make_pipe();
  if (!out || !err || !report)
    return make_error(errc::io_error,
                      "cannot start " + spec.argv[0] + ": pipe: " + errno_text(errno));
  auto argv = c_strings(spec.argv);
  auto envp = c_strings(env);
  exec_plan plan{path->c_str(),
                 argv.data(),
                 envp.data(),
                 spec.cwd.empty() ? nullptr : spec.cwd.c_str(),
                 devnull_.get(),
                 out->write_end.get(),
                 err->write_end.get(),
                 report->write_end.get(),
                 self_};
  c.started = clock::now();
  pid_t pid = start_child(plan, spawn_stack_);
  if (pid < 0)
    return make_error(errc::io_error,
                      "cannot start " + spec.argv[0] + ": " + errno_text(errno));
  ::setpgid(pid, pid); // the child did it already, unless fork let the parent run first
  out->write_end.reset();
  err->write_end.reset();
  report->write_end.reset();
  if (auto failed = await_exec(report->read_end)) {
    ::waitpid(pid, nullptr, 0); // the child has _exit'ed already
    return exec_failure(*failed, *path, spec.cwd);
  }
  ::fcntl(out->read_end.get(), F_SETFL, O_NONBLOCK);
  ::fcntl(err->read_end.get(), F_SETFL, O_NONBLOCK);
  c.pidfd = unique_fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  capture(c.out, std::move(out->read_end), std::move(*out_file), spec.stdout_path,
          spec.output_cap_bytes);
  capture(c.err, std::move(err->read_end), std::move(*err_file), spec.stderr_path,
          spec.output_cap_bytes);
  return static_cast<int>(pid);
}

// The leader is a zombie: kill what is left of its group first (the zombie still holds
// the pid, so the group id is ours), then reap exactly this child.
void process_runner::impl::on_leader_exit(child& c) {
  if (c.reaped) return;
  signal_group(c, SIGKILL);
  siginfo_t si{};
  int rc;
  do
    rc = ::waitid(P_PID, static_cast<id_t>(c.pid), &si, WEXITED);
  while (rc != 0 && errno == EINTR);
  if (rc == 0)
    record_status(c.result, si); // else someone called waitpid(-1): the status is lost
  c.reaped = true;
  unreaped_.erase(c.pid);
  c.result.duration_s = std::chrono::duration<double>(clock::now() - c.started).count();
  c.give_up_at = clock::now() + cleanup_limit;
  c.term_at.reset();
  c.kill_at.reset();
  unwatch(c.pidfd);
}

void process_runner::impl::check_timers(clock::time_point now) {
  for (auto& [id, cp] : children_) {
    child& c = *cp;
    if (c.reaped) continue;
    if (!c.pidfd.valid()) {
      siginfo_t si{};
      if (::waitid(P_PID, static_cast<id_t>(c.pid), &si, WEXITED | WNOHANG | WNOWAIT) ==
              0 &&
          si.si_pid != 0) {
        on_leader_exit(c);
        continue;
      }
    }
    if (c.term_at && now >= *c.term_at) {
      c.result.timed_out = true;
      signal_group(c, SIGTERM);
      c.term_at.reset();
      c.kill_at = now + c.grace;
    }
    if (c.kill_at && now >= *c.kill_at) {
      signal_group(c, SIGKILL);
      c.kill_at.reset();
    }
  }
}

// Reaped, the group has no live member and both pipes are closed — or the cleanup
// deadline passed (a process that left the group may hold a pipe forever).
bool process_runner::impl::settled(child& c, clock::time_point now) {
  if (!c.reaped) return false;
  if (now >= c.give_up_at) return true;
  return !c.out.pipe.valid() && !c.err.pipe.valid() && !group_has_live_member(c.pid);
}

void process_runner::impl::finish_settled() {
  auto now = clock::now();
  std::vector<uint64_t> done;
  for (auto& [id, c] : children_)
    if (settled(*c, now)) done.push_back(id);
  for (uint64_t id : done) // callbacks may start children: no iterator is live here
    deliver(std::move(children_.extract(id).mapped()));
}

namespace {

void finalize(captured_stream& s, std::vector<char>& in, std::vector<char>& copy,
              uint64_t& bytes, bool& truncated, std::string& error) {
  if (s.pipe.valid()) drain(s, in, copy, final_read_budget);
  keep_tail(s, s.cap, copy);
  bytes = s.total;
  truncated = s.total > s.cap;
  if (error.empty()) error = s.error;
}

} // namespace

// Makes the output files final and calls on_exit; the child's descriptors are closed
// before the callback runs, so a callback may start the next process at once.
void process_runner::impl::deliver(std::unique_ptr<child> c) {
  auto& r = c->result;
  finalize(c->out, read_buf_, copy_buf_, r.stdout_bytes, r.stdout_truncated,
           r.output_error);
  finalize(c->err, read_buf_, copy_buf_, r.stderr_bytes, r.stderr_truncated,
           r.output_error);
  unwatch(c->out.pipe);
  unwatch(c->err.pipe);
  c->out.file.reset();
  c->err.file.reset();
  running_.fetch_sub(1);
  call_quietly(c->on_exit, r);
}

// ---- public surface

process_runner::process_runner() : impl_(std::make_unique<impl>()) {
  auto& m = *impl_;
  m.epoll_ = unique_fd(::epoll_create1(EPOLL_CLOEXEC));
  m.wake_ = unique_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  m.devnull_ = above_stdio(unique_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC)));
  if (!m.epoll_.valid() || !m.wake_.valid() || !m.devnull_.valid() ||
      !m.watch(m.wake_.get(), 0, watch_kind::wake))
    throw std::system_error(errno, std::system_category(), "process_runner: setup");
  // The I/O thread blocks every signal, so the embedding program's handlers never run on
  // it; children get a clean mask back in exec_child.
  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  m.thread_ = std::thread([&m] { m.run(); });
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

process_runner::~process_runner() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex_);
    impl_->stopping_ = true;
  }
  impl_->wake();
  impl_->thread_.join();
}

swarm::expected<int> process_runner::start(process_spec spec, exit_callback on_exit) {
  if (impl_->on_io_thread()) return impl_->spawn(std::move(spec), std::move(on_exit));
  std::promise<swarm::expected<int>> reply;
  auto pid = reply.get_future();
  auto on_started = [&reply](const swarm::expected<process_started>& started) {
    reply.set_value(started ? swarm::expected<int>(started->pid)
                            : swarm::expected<int>(started.error()));
  };
  start_async(std::move(spec), on_started, std::move(on_exit));
  return pid.get();
}

void process_runner::start_async(process_spec spec, start_callback on_started,
                                 exit_callback on_exit) {
  start_request r{std::move(spec), std::move(on_started), std::move(on_exit)};
  if (impl_->on_io_thread()) return impl_->start_now(std::move(r));
  bool queued = false;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex_);
    if (!impl_->stopping_) {
      impl_->starts_.push_back(std::move(r));
      queued = true;
    }
  }
  if (queued) return impl_->wake();
  call_quietly(r.on_started,
               swarm::expected<process_started>(make_error(
                   errc::shutting_down, "the process runner is shutting down")));
}

void process_runner::terminate(int pid) {
  if (impl_->on_io_thread()) return impl_->terminate_now(pid);
  {
    std::lock_guard<std::mutex> lock(impl_->mutex_);
    impl_->terminations_.push_back(pid);
  }
  impl_->wake();
}

size_t process_runner::running() const {
  return impl_->running_.load();
}

int64_t process_start_ticks(int pid) {
  if (pid <= 0) return 0;
  auto st = read_proc_stat(pid);
  return st ? st->start_ticks : 0;
}

bool kill_leftover_group(int pgid, int64_t start_ticks) {
  if (pgid <= 1 || pgid == ::getpgrp()) return false;
  if (auto st = read_proc_stat(pgid)) {
    // The pid is in use: only by our leader, started when recorded, still leading.
    if (start_ticks <= 0 || st->start_ticks != start_ticks || st->pgrp != pgid) return false;
  } else if (!group_has_live_member(pgid)) {
    return false; // the leader is gone and nothing of its group is left
  }
  // A leaderless group's id cannot have been reused: Linux hands out no pid that is
  // still some process's group id, so every member is a leftover.
  return ::kill(-pgid, SIGKILL) == 0;
}

} // namespace swarm::harness
