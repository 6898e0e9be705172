// ThreadSanitizer builds only (make test-tsan): tells TSan about the synchronisation
// CAF 0.17 does inside Debian's libcaf_core.so, which is not built with
// -fsanitize=thread. CAF hands a message from its sender to its receiver, and an actor
// from one scheduler worker to the next, through lock-free queues and atomic flags in
// that library; TSan sees none of it, and would take every message's content and every
// actor's state for a race. Instead of suppressing those reports (which would hide our
// races too), each hand-over is stated as a release on one side and an acquire on the
// other, on the object handed over:
//
//   a message:  released by scheduled_actor::enqueue / blocking_actor::enqueue, on the
//               mailbox element, and acquired where CAF delivers that element to the
//               actor (scheduled_actor::reactivate, blocking_actor's mailbox visitor);
//               a delayed one is released to the clock's thread when scheduled
//               (thread_safe_actor_clock::schedule_message) and acquired there when the
//               clock enqueues it (or drops it, when its receiver is gone);
//   an actor:   released by launch (the spawning thread made it) and after each
//               activation or message, acquired before the next one, on the actor.
//
// So TSan still reports a race between two actors touching shared memory, or between an
// actor and a plain thread, unless our code synchronises them itself.
//
// How: these CAF member functions are defined here too, with default visibility, so the
// dynamic linker binds every call and vtable slot to these (the library calls them
// through its PLT and vtables); each annotates and then calls CAF's own definition,
// found with dlsym(RTLD_NEXT). Mangled names are those of libcaf_core.so.0.17.
#if defined(__SANITIZE_THREAD__)

#include <caf/blocking_actor.hpp>
#include <caf/detail/thread_safe_actor_clock.hpp>
#include <caf/scheduled_actor.hpp>

#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>

namespace {

// CAF's definition of the function whose mangled name is `name`; a build that cannot
// find it stops at once rather than run unannotated.
template <class Fn>
Fn caf_definition(const char* name) {
  void* found = dlsym(RTLD_NEXT, name);
  if (found == nullptr) {
    std::fprintf(stderr, "swarm tsan: %s not found in libcaf_core: %s\n", name, dlerror());
    std::abort();
  }
  return reinterpret_cast<Fn>(found);
}

}  // namespace

#define SWARM_TSAN_EXPORT __attribute__((visibility("default")))

namespace caf {

SWARM_TSAN_EXPORT void scheduled_actor::enqueue(mailbox_element_ptr ptr, execution_unit* eu) {
  using fn = void (*)(scheduled_actor*, mailbox_element_ptr, execution_unit*);
  static const fn real = caf_definition<fn>(
      "_ZN3caf15scheduled_actor7enqueueESt10unique_ptrINS_15mailbox_elementENS_6detail8"
      "disposerEEPNS_14execution_unitE");
  __tsan_acquire(ptr.get()); // from its scheduling, when the clock sends it
  __tsan_release(ptr.get());
  real(this, std::move(ptr), eu);
}

SWARM_TSAN_EXPORT void detail::thread_safe_actor_clock::schedule_message(
    time_point t, strong_actor_ptr receiver, mailbox_element_ptr content) {
  using fn = void (*)(thread_safe_actor_clock*, time_point, strong_actor_ptr,
                      mailbox_element_ptr);
  static const fn real = caf_definition<fn>(
      "_ZN3caf6detail23thread_safe_actor_clock16schedule_messageENSt6chrono10time_pointIN"
      "S2_3_V212steady_clockENS2_8durationIlSt5ratioILl1ELl1000000000EEEEEENS_13intrusive_"
      "ptrINS_19actor_control_blockEEESt10unique_ptrINS_15mailbox_elementENS0_8disposerEE");
  __tsan_release(content.get());
  real(this, t, std::move(receiver), std::move(content));
}

SWARM_TSAN_EXPORT void scheduled_actor::launch(execution_unit* eu, bool lazy, bool hide) {
  using fn = void (*)(scheduled_actor*, execution_unit*, bool, bool);
  static const fn real =
      caf_definition<fn>("_ZN3caf15scheduled_actor6launchEPNS_14execution_unitEbb");
  __tsan_release(this);
  real(this, eu, lazy, hide);
}

SWARM_TSAN_EXPORT bool scheduled_actor::activate(execution_unit* ctx) {
  using fn = bool (*)(scheduled_actor*, execution_unit*);
  static const fn real =
      caf_definition<fn>("_ZN3caf15scheduled_actor8activateEPNS_14execution_unitE");
  __tsan_acquire(this);
  bool alive = real(this, ctx);
  __tsan_release(this);
  return alive;
}

SWARM_TSAN_EXPORT scheduled_actor::activation_result scheduled_actor::reactivate(
    mailbox_element& x) {
  using fn = activation_result (*)(scheduled_actor*, mailbox_element&);
  static const fn real =
      caf_definition<fn>("_ZN3caf15scheduled_actor10reactivateERNS_15mailbox_elementE");
  __tsan_acquire(this);
  __tsan_acquire(&x);
  activation_result result = real(this, x);
  __tsan_release(this);
  return result;
}

SWARM_TSAN_EXPORT void blocking_actor::enqueue(mailbox_element_ptr ptr, execution_unit* eu) {
  using fn = void (*)(blocking_actor*, mailbox_element_ptr, execution_unit*);
  static const fn real = caf_definition<fn>(
      "_ZN3caf14blocking_actor7enqueueESt10unique_ptrINS_15mailbox_elementENS_6detail8"
      "disposerEEPNS_14execution_unitE");
  __tsan_acquire(ptr.get());
  __tsan_release(ptr.get());
  real(this, std::move(ptr), eu);
}

SWARM_TSAN_EXPORT intrusive::task_result blocking_actor::mailbox_visitor::operator()(
    mailbox_element& x) {
  using fn = intrusive::task_result (*)(mailbox_visitor*, mailbox_element&);
  static const fn real = caf_definition<fn>(
      "_ZN3caf14blocking_actor15mailbox_visitorclERNS_15mailbox_elementE");
  __tsan_acquire(&x);
  return real(this, x);
}

}  // namespace caf

#endif
