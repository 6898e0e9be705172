#include "src/heap_trimmer.hpp"

#include <malloc.h>

namespace swarm {

heap_trimmer::heap_trimmer(std::chrono::milliseconds every)
    : every_(every), thread_([this] { loop(); }) {}

heap_trimmer::~heap_trimmer() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

unsigned long heap_trimmer::released() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return released_;
}

void heap_trimmer::loop() {
  std::unique_lock<std::mutex> lock{mtx_};
  while (!cv_.wait_for(lock, every_, [this] { return stop_; })) {
    lock.unlock();
    const bool released = ::malloc_trim(0) != 0;
    lock.lock();
    if (released) ++released_;
  }
}

} // namespace swarm
