#pragma once
// The subprocess runner: starts model CLIs and reports when they end, without ever
// blocking the caller on a child. Plain C++ (no CAF); Linux only (pidfd, epoll).
//
// Ownership and threads: a process_runner owns ONE I/O thread. That thread starts every
// child — clone(CLONE_VM|CLONE_VFORK) like posix_spawn, so the cost does not grow with
// the program's memory, fork() as a fallback; PR_SET_PDEATHSIG, which fires when the
// creating *thread* dies, therefore lasts as long as the runner — reads every output
// pipe, enforces timeouts, reaps, and calls every on_started and on_exit. Other threads
// only hand it requests through a mutex-guarded queue and an eventfd; start() waits for
// its own spawn and exec (about a millisecond, more when many starts queue up),
// start_async() not even that, and neither ever waits for the child. All child state
// lives on the I/O thread and is touched by no one else.
//
// Each child leads its own process group (pgid == pid). When it ends, the rest of its
// group is SIGKILLed before on_exit runs, so background jobs a model leaves behind die
// with it. Processes that leave the group themselves (setsid, setpgid) are out of reach.
// The runner installs no signal handler and reaps only its own children, by pid; it never
// calls waitpid(-1), so it can live inside any program (one that reaps with waitpid(-1)
// itself, or sets SIGCHLD to SIG_IGN, loses exit statuses: such a child reports
// exit_code -1, signal 0).
//
// Each running child holds about five descriptors of this process (two pipes, a pidfd,
// two output files): 256 children need a descriptor limit above 1024.
//
// The pieces behind this face, all internal to harness/: runner_spawn (clone and exec),
// runner_capture (pipes into capped files or memory), runner_proc (/proc reads), and
// process_runner.cpp itself (the I/O thread's loop).

#include <swarm/error.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swarm::harness {

// Watches a child's output as it comes (process_spec::watch), on the I/O thread:
// each call gets the next bytes read from stdout (is_stderr false) or stderr, in order
// per stream. A non-empty return stops the child. Owned by one child, so it may keep
// state across calls; it must not throw, and should be quick.
using output_watch = std::function<std::string(bool is_stderr, std::string_view bytes)>;

struct process_spec {
  // The program and its arguments. argv[0] without '/' is looked up in the PATH of the
  // environment the child gets; a relative path with '/' is relative to `cwd`.
  std::vector<std::string> argv;
  // Set or override on top of the parent's environment (read when the child starts).
  std::vector<std::pair<std::string, std::string>> env;
  // The child's working directory; empty inherits the parent's.
  std::string cwd;
  // What the child reads on stdin, then EOF. The bytes sit in a memory file, so the child
  // may read them at its own pace, or not at all. Empty: stdin is /dev/null.
  std::string stdin_bytes;
  // Where stdout and stderr go: files created or truncated (parent directories must
  // exist). Empty: the stream is read and counted but not kept. REQUIRES: the two paths
  // differ when both are set.
  std::string stdout_path;
  std::string stderr_path;
  // Per stream, the file ends up holding exactly the last min(total, cap) bytes; while
  // the child runs it is written live (`tail -f` works) and never exceeds 2*cap bytes.
  // 0 keeps nothing.
  uint64_t output_cap_bytes = 10 * 1024 * 1024;
  // Keep both streams in process_result::stdout_text and stderr_text instead of files,
  // under the same cap (the last min(total, cap) bytes; 2*cap of memory at most per
  // stream while the child runs). REQUIRES: no stdout_path or stderr_path. run() sets it.
  bool output_in_memory = false;
  // For a caller that needs all of the output or none of it: as soon as a stream passes
  // output_cap_bytes, SIGKILL to the group (its *_truncated flag then says which).
  bool kill_past_cap = false;
  // 0: no limit. Else when it passes, SIGTERM to the group, SIGKILL kill_grace later.
  std::chrono::milliseconds timeout{0};
  // 0: no limit. Else when neither stream got a byte for this long (since the spawn or
  // the last byte), SIGTERM to the group, SIGKILL kill_grace later; the result says
  // `stalled`.
  std::chrono::milliseconds stall_timeout{0};
  // Empty: none. Else sees every byte the child writes, as it is read; its first
  // non-empty answer is kept in process_result::watch_stop and stops the child (SIGTERM
  // to the group, SIGKILL kill_grace later). Bytes still read after the leader exited
  // are seen too, so an answer can come for a child that ended by itself.
  output_watch watch;
  // Time between SIGTERM and SIGKILL, for a timeout, a stall, a watch stop and for
  // terminate().
  std::chrono::milliseconds kill_grace{5000};
};

struct process_result {
  int pid = 0; // also the process group id
  // Field 22 of /proc/<pid>/stat: names this process across pid reuse.
  int64_t start_ticks = 0;
  int exit_code = -1;     // the exit status when the child exited, else -1
  int signal = 0;         // the signal that ended it (SIGSEGV=11, SIGKILL=9), else 0
  bool timed_out = false; // the spec's timeout passed and the runner signalled the group
  bool stalled = false;   // the spec's stall_timeout passed in silence: signalled too
  std::string watch_stop; // the spec's watch answered this (and the group was signalled
                          // unless it had ended already); else empty
  double duration_s = 0;  // from the spawn until the child was reaped
  uint64_t stdout_bytes = 0; // total bytes the group wrote to stdout (kept or not)
  uint64_t stderr_bytes = 0;
  // stdout_bytes > output_cap_bytes: the file holds only the tail.
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  // spec.output_in_memory: the kept tail of each stream, else empty.
  std::string stdout_text;
  std::string stderr_text;
  // The first failure writing an output file ("writing /x/out.log: No space left on
  // device"), else empty. The stream is still read and counted; its file stops growing.
  std::string output_error;
  // Spawn failures are reported by start() and never reach on_exit; these stay
  // false/empty in every result on_exit sees. Kept so a caller can carry one record for
  // both outcomes.
  bool spawn_failed = false;
  std::string spawn_error;
};

// A child that has reached exec.
struct process_started {
  int pid = 0;             // also the process group id
  int64_t start_ticks = 0; // as in process_result: record both to clean up after a crash
};

using exit_callback = std::function<void(const process_result&)>;
using start_callback = std::function<void(const swarm::expected<process_started>&)>;

class process_runner {
public:
  process_runner();
  // SIGKILLs every live group, reaps every child, delivers every outstanding on_exit
  // (with signal == SIGKILL for the ones it killed) on the I/O thread, then joins the
  // thread. REQUIRES: no other thread calls start() or terminate() any more; not called
  // from inside an on_exit (the I/O thread cannot join itself).
  ~process_runner();

  process_runner(const process_runner&) = delete;
  process_runner& operator=(const process_runner&) = delete;

  // Starts the process and returns its pid. Later calls on_exit exactly once, on the I/O
  // thread, after the child ended, the rest of its group was killed and both output files
  // are final. Every failure to start (no argv, program not in PATH or not executable,
  // missing cwd, output file not creatable, exec failed) is returned here, naming the
  // program or path, and on_exit is never called. Safe from any thread, including from
  // inside an on_exit callback. The caller waits while the I/O thread spawns and the
  // child reaches exec (typically well under a millisecond of work), never for the child
  // to run. on_exit runs on the I/O thread: keep it short (send a message) and let it not
  // throw.
  swarm::expected<int> start(process_spec spec, exit_callback on_exit);

  // start() for callers that must not wait at all (a CAF scheduler thread while many
  // agents start at once): returns at once; on_started runs on the I/O thread with the
  // pid, or with the error start() would have returned, and always before on_exit. After
  // an error on_exit is never called. When the runner is shutting down, on_started runs
  // at once on the calling thread with errc::shutting_down. A caller that wants to
  // terminate before on_started arrived must remember that and call terminate() from
  // on_started.
  void start_async(process_spec spec, start_callback on_started, exit_callback on_exit);

  // Runs `spec` to its end with both streams kept in memory (output_in_memory is set for
  // you) and returns its result; spawn failures as start() returns them. The child is
  // started, watched and reaped on the I/O thread like any other; the calling thread
  // blocks until on_exit (with a timeout, about spec.timeout plus kill_grace at most;
  // without one, as long as the child runs): call it where blocking is fine (main, a
  // detached actor), never on a CAF scheduler thread. errc::bad_request from inside an
  // on_exit (the I/O thread would wait for itself). Safe from any other thread, several
  // at once.
  swarm::expected<process_result> run(process_spec spec);

  // SIGTERM to the group of child `pid` now, SIGKILL after its spec's kill_grace.
  // Does nothing when `pid` is not a running child of this runner. Safe from any thread.
  void terminate(int pid);

  // Ends the runner's work without destroying it: terminate() of every running child,
  // and every start from then on (queued ones too) fails with errc::shutting_down — a
  // thread blocked in run() gets its child's result, then no other child starts. For
  // an owner that must stop work it does not own the threads of. Safe from any thread;
  // the destructor still joins.
  void close();

  // Children started whose on_exit has not been called yet (a child stops counting just
  // before its on_exit runs).
  size_t running() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// Field 22 of /proc/<pid>/stat (start time in clock ticks after boot); 0 if no such
// process.
int64_t process_start_ticks(int pid);

// SIGKILLs what is left of process group `pgid`, started by an earlier swarm process
// that died: the whole group when its leader still runs with the recorded
// `start_ticks`; the remaining members when the leader is gone (PR_SET_PDEATHSIG took
// it, its background jobs live on) — Linux hands out no pid still used as a group id,
// so they cannot belong to anyone else. A leader pid now naming another process, or
// this process's own group, is never touched. Returns true when it sent the signal.
bool kill_leftover_group(int pgid, int64_t start_ticks);

} // namespace swarm::harness
