#include "harness/process_runner.hpp"

#include "harness/runner_capture.hpp"
#include "harness/runner_proc.hpp"
#include "harness/runner_spawn.hpp"
#include "harness/unique_fd.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <unordered_map>

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

// A child's life, all of it on the I/O thread:
// * spawn: clone(CLONE_VM | CLONE_VFORK), fork where that is refused; exec confirmed by
//   EOF on a close-on-exec report pipe (runner_spawn).
// * running: pipes drained into the files or memory (runner_capture); timeout and
//   terminate() timers.
// * exited: the pidfd is readable. The group is SIGKILLed while the leader's zombie still
//   holds the pid (so the group id cannot be anyone else's), then the leader is reaped.
// * settling: until both pipes hit EOF and no live process is left in the group
//   (runner_proc), or until cleanup_limit passes.
// * delivered: output cut to its tail and files closed, on_exit called, the child
//   forgotten.

namespace swarm::harness {

using namespace detail;

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
// the others.
constexpr size_t read_budget = 1024 * 1024;
constexpr size_t buffer_size = 256 * 1024;
// What is still read from a pipe when its child is delivered; bounded because a process
// that escaped the group may go on writing.
constexpr size_t final_read_budget = 16 * 1024 * 1024;

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
  bool kill_past_cap = false;         // cleared once the group got its SIGKILL for it
  std::chrono::milliseconds stall{0}; // 0: no stall limit
  clock::time_point last_output;      // the spawn, then the last byte read
  output_watch watch;                 // may be empty
  bool watch_acted = false;           // the group got its SIGTERM for watch_stop
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

void capture(captured_stream& s, unique_fd pipe, unique_fd file, const std::string& path,
             const process_spec& spec) {
  s.pipe = std::move(pipe);
  s.file = std::move(file);
  s.path = path;
  s.in_memory = spec.output_in_memory;
  s.cap = spec.output_cap_bytes;
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
  bool closing_ = false; // close() asked: terminate every running child, start none
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
  bool closed_ = false; // I/O thread: close() took effect, starts are refused
  capture_buffers buffers_{buffer_size};
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
  swarm::expected<int> fork_exec(const process_spec& spec, child& c);
  bool watch(int fd, uint64_t id, watch_kind kind);
  bool watch_all(child& c);
  void unwatch(unique_fd& fd);
  void signal_group(child& c, int sig);
  void terminate_now(int pid);
  void stop_gently(child& c, clock::time_point now);
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
    if (c->stall.count() > 0 && !c->result.stalled && !c->kill_at) // as check_timers
      next = std::min(next, c->last_output + c->stall);
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
  const uint64_t before = s.total;
  if (drain(s, buffers_, read_budget) == drain_result::eof) unwatch(s.pipe);
  if (s.total != before) c.last_output = clock::now();
  if (!c.result.watch_stop.empty() && !c.watch_acted) {
    c.watch_acted = true;
    stop_gently(c, clock::now());
  }
  if (c.kill_past_cap && s.total > s.cap) {
    signal_group(c, SIGKILL);
    c.kill_past_cap = false;
  }
}

void process_runner::impl::take_requests() {
  std::deque<start_request> starts;
  std::vector<int> terminations;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    starts.swap(starts_);
    terminations.swap(terminations_);
    if (closing_ && !closed_) {
      closed_ = true;
      for (const auto& [pid, id] : unreaped_) terminations.push_back(pid);
    }
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
  stop_gently(*children_.at(it->second), clock::now());
}

// SIGTERM now, SIGKILL after the grace (an earlier SIGKILL already due stands).
void process_runner::impl::stop_gently(child& c, clock::time_point now) {
  signal_group(c, SIGTERM);
  c.term_at.reset();
  auto kill_at = now + c.grace;
  if (!c.kill_at || kill_at < *c.kill_at) c.kill_at = kill_at;
}

swarm::expected<int> process_runner::impl::spawn(process_spec spec,
                                                 exit_callback on_exit) {
  if (shutting_down_ || closed_)
    return make_error(errc::shutting_down, "the process runner is shutting down");
  if (spec.argv.empty() || spec.argv[0].empty())
    return make_error(errc::bad_request, "process_spec.argv is empty: nothing to run");
  if (!spec.stdout_path.empty() && spec.stdout_path == spec.stderr_path)
    return make_error(errc::bad_request, "stdout and stderr both go to " +
                                             spec.stdout_path +
                                             ": give them different files");
  if (spec.output_in_memory && (!spec.stdout_path.empty() || !spec.stderr_path.empty()))
    return make_error(errc::bad_request,
                      "process_spec keeps the output of " + spec.argv[0] +
                          " in memory and names output files too: choose one");
  auto c = std::make_unique<child>();
  c->id = next_id_++;
  c->on_exit = std::move(on_exit);
  c->grace = spec.kill_grace;
  c->kill_past_cap = spec.kill_past_cap;
  c->stall = spec.stall_timeout;
  if (spec.watch) {
    c->watch = std::move(spec.watch);
    child* cp = c.get(); // owns the streams, so it outlives their observers
    auto observe = [cp](bool is_stderr, std::string_view bytes) {
      if (!cp->result.watch_stop.empty()) return;
      try {
        cp->result.watch_stop = cp->watch(is_stderr, bytes);
      } catch (...) { // a watch that throws sees nothing more
        cp->watch = [](bool, std::string_view) { return std::string{}; };
      }
    };
    c->out.observer = [observe](std::string_view b) { observe(false, b); };
    c->err.observer = [observe](std::string_view b) { observe(true, b); };
  }
  auto pid = fork_exec(spec, *c);
  if (!pid) return pid;
  c->last_output = c->started;
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

// Resolves, creates the output files and the stdin, clones and execs; fills c's pipes,
// files, pidfd and start time. The program is resolved first, so a missing one leaves
// no output file behind.
swarm::expected<int> process_runner::impl::fork_exec(const process_spec& spec, child& c) {
  auto target = resolve_exec_target(spec);
  if (!target) return target.error();
  auto out_file = open_output(spec.stdout_path, "stdout");
  if (!out_file) return out_file.error();
  auto err_file = open_output(spec.stderr_path, "stderr");
  if (!err_file) return err_file.error();
  auto input = stdin_holding(spec);
  if (!input) return input.error();
  c.started = clock::now();
  auto started = start_child(
      spec, *target, input->valid() ? input->get() : devnull_.get(), spawn_stack_, self_);
  if (!started) return started.error();
  ::fcntl(started->out.get(), F_SETFL, O_NONBLOCK);
  ::fcntl(started->err.get(), F_SETFL, O_NONBLOCK);
  c.pidfd = unique_fd(static_cast<int>(::syscall(SYS_pidfd_open, started->pid, 0)));
  capture(c.out, std::move(started->out), std::move(*out_file), spec.stdout_path, spec);
  capture(c.err, std::move(started->err), std::move(*err_file), spec.stderr_path, spec);
  return started->pid;
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
    if (c.stall.count() > 0 && !c.result.stalled && !c.kill_at &&
        now >= c.last_output + c.stall) {
      c.result.stalled = true;
      stop_gently(c, now);
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

// Makes the output final and calls on_exit; the child's descriptors are closed before
// the callback runs, so a callback may start the next process at once.
void process_runner::impl::deliver(std::unique_ptr<child> c) {
  auto& r = c->result;
  auto finish = [&](captured_stream& s, uint64_t& bytes, bool& truncated,
                    std::string& text) {
    finish_capture(s, buffers_, final_read_budget);
    bytes = s.total;
    truncated = s.total > s.cap;
    text = std::move(s.memory);
    if (r.output_error.empty()) r.output_error = s.error;
  };
  finish(c->out, r.stdout_bytes, r.stdout_truncated, r.stdout_text);
  finish(c->err, r.stderr_bytes, r.stderr_truncated, r.stderr_text);
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

swarm::expected<process_result> process_runner::run(process_spec spec) {
  if (impl_->on_io_thread())
    return make_error(errc::bad_request,
                      "process_runner::run called from an on_exit callback would wait "
                      "for itself; use start() there");
  spec.output_in_memory = true;
  std::promise<process_result> done;
  auto result = done.get_future();
  auto pid =
      start(std::move(spec), [&done](const process_result& r) { done.set_value(r); });
  if (!pid) return pid.error();
  return result.get();
}

void process_runner::terminate(int pid) {
  if (impl_->on_io_thread()) return impl_->terminate_now(pid);
  {
    std::lock_guard<std::mutex> lock(impl_->mutex_);
    impl_->terminations_.push_back(pid);
  }
  impl_->wake();
}

void process_runner::close() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex_);
    impl_->closing_ = true;
  }
  impl_->wake();
}

size_t process_runner::running() const {
  return impl_->running_.load();
}

} // namespace swarm::harness
