// The control socket's server stopping (service/socket/control_server.hpp): a request
// being handled when it stops still gets its reply (lost, its client could not tell
// whether it ran, and might run it again elsewhere), while a new connection finds no
// engine at once.
#include "service/socket/control_server.hpp"
#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <thread>

using namespace std::chrono_literals;

TEST_CASE("control socket: a request being handled when the server stops gets its reply",
          "[unit][control]") {
  swarm::test::temp_dir dir;
  const auto path = (dir.path() / "s.sock").string();
  std::promise<void> entered, release;
  auto released = release.get_future().share();
  auto started = swarm::control_server::start(path, [&](const std::string& line) {
    entered.set_value();
    released.wait();
    return R"({"id":1,"ok":true,"result":)" + line + "}";
  });
  REQUIRE(started);
  std::unique_ptr<swarm::control_server> server = std::move(*started);
  auto reply = std::async(std::launch::async,
                          [&] { return swarm::control_call(path, R"({"n":1})"); });
  REQUIRE(entered.get_future().wait_for(10s) == std::future_status::ready);
  // Stopping waits for the handler; meanwhile nobody new gets in.
  std::thread stopper{[&] { server.reset(); }};
  for (int i = 0; i < 500 && std::filesystem::exists(path); ++i)
    std::this_thread::sleep_for(10ms);
  CHECK_FALSE(std::filesystem::exists(path));
  auto late = swarm::control_call(path, "{}");
  REQUIRE_FALSE(late);
  CHECK(late.error().code == swarm::errc::engine_unavailable);
  release.set_value();
  stopper.join();
  auto got = reply.get();
  REQUIRE(got);
  CHECK(*got == R"({"id":1,"ok":true,"result":{"n":1}})");
}
