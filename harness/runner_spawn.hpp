#pragma once
// Starting one child for the subprocess runner: argv[0] looked up in the child's PATH,
// then clone(CLONE_VM | CLONE_VFORK) like posix_spawn — fork where that is refused — and
// exec with default signal dispositions, an empty mask, its own process group and
// PR_SET_PDEATHSIG. Internal to harness/.
//
// Threads: called on the runner's I/O thread only. The child borrows that thread's
// child_stack while the thread is suspended (CLONE_VFORK), and PR_SET_PDEATHSIG ties the
// child to the thread that created it.

#include "harness/process_runner.hpp"
#include "harness/unique_fd.hpp"

#include <swarm/error.hpp>

#include <cstddef>
#include <string>
#include <vector>

#include <sys/types.h>

namespace swarm::harness::detail {

// The stack a child runs on until it execs. The I/O thread that owns it is suspended
// while a child uses it and starts one child at a time, so one suffices. Mapped on first
// use, with a guard page below it.
class child_stack {
public:
  child_stack() = default;
  child_stack(const child_stack&) = delete;
  child_stack& operator=(const child_stack&) = delete;
  ~child_stack();

  // The top of the stack (it grows down); nullptr when it cannot be mapped.
  void* top();

private:
  // The child's deepest path is a libc call or an ASan interceptor: a few KiB.
  static constexpr size_t usable = 128 * 1024;

  void map();

  void* base_ = nullptr;
  size_t mapped_ = 0;
};

// What exec needs, worked out before anything is created for the child.
struct exec_target {
  std::string path;             // what to execve
  std::vector<std::string> env; // the parent's environment with spec.env on top
};

// Finds the program the way execvp would, but in the PATH the child gets and relative to
// its cwd. errc::not_found or errc::bad_request naming the program otherwise.
expected<exec_target> resolve_exec_target(const process_spec& spec);

// The descriptor to give the child as stdin when spec.stdin_bytes is not empty: a memory
// file holding them, read from its start. A memory file rather than a pipe: no one has to
// keep pace with the child, and no SIGPIPE when the child never reads. An invalid
// descriptor for empty bytes (the caller gives /dev/null).
expected<unique_fd> stdin_holding(const process_spec& spec);

// A child that has exec'd.
struct started_child {
  int pid = 0;        // also its process group id
  unique_fd out, err; // read ends of its stdout and stderr pipes (blocking)
};

// Starts spec.argv as `target` with `stdin_fd` as its stdin, in its own process group
// and spec.cwd, and returns once it has exec'd. Every failure up to and including execve
// is returned here, naming the program or directory; the child is then reaped already.
// `parent` is this process's pid (getpid()), read once by the caller.
expected<started_child> start_child(const process_spec& spec, const exec_target& target,
                                    int stdin_fd, child_stack& stack, pid_t parent);

} // namespace swarm::harness::detail
