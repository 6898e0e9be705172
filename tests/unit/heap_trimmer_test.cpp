// heap_trimmer: the heap's free pages go back to the kernel while the engine runs.

#include "src/heap_trimmer.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

using namespace swarm;

TEST_CASE("heap trimmer: freed memory is given back, and it stops at once", "[memory]") {
  heap_trimmer trimmer{std::chrono::milliseconds(20)};
  {
    // 64 MB in small blocks (below glibc's mmap threshold: on the heap), then freed.
    std::vector<std::unique_ptr<char[]>> blocks;
    for (int i = 0; i < 64 * 1024; ++i) {
      blocks.emplace_back(new char[1024]);
      blocks.back()[0] = static_cast<char>(i);
    }
  }
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // A sanitizer's allocator holds the memory, not glibc's arenas: nothing to trim.
#else
  for (int i = 0; i < 500 && trimmer.released() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(trimmer.released() > 0);
#endif
  // Its destructor wakes and joins the thread (the test would hang otherwise).
}
