// The quality gates' records read back (quality/record.hpp): the summary `swarm
// quality` shows (baseline, latest, trend in journal order, regressions), an older
// journal's baseline kept as a quality.snapshot, a record that does not parse, and the
// per-check figures of GET /metrics.
#include "quality/record.hpp"

#include <catch2/catch.hpp>

#include <boost/json/value.hpp>

#include <string>
#include <vector>

using namespace swarm;

namespace {

journal_entry entry(int64_t seq, const std::string& kind, const std::string& body) {
  return {seq, timestamp{std::chrono::microseconds{1'000'000 * seq}}, kind, body};
}

const std::string passing =
    R"({"commit":"aaa","checks":[{"name":"test","passed":true,"errors":0,"warnings":2,)"
    R"("failing_tests":[]}]})";
const std::string failing =
    R"({"commit":"bbb","checks":[{"name":"test","passed":false,"errors":1,"warnings":4,)"
    R"("failing_tests":["t1","t2"]}]})";

journal_entry baseline(int64_t seq) {
  return entry(seq, "quality.baseline",
               R"({"integration":"main","commit":"aaa","by":"operator","adopted":true,)"
               R"("checks":[],"snapshot":)" + passing + "}");
}

journal_entry task_snapshot(int64_t seq, const std::string& task, const std::string& snap,
                            int regressions) {
  return entry(seq, "quality.snapshot",
               R"({"task":")" + task + R"(","attempt":1,"agent":"alice","baseline":false,)"
               R"("commit":"bbb","regressions":)" + std::to_string(regressions) +
                   R"(,"snapshot":)" + snap + R"(,"worse":[{"check":"test","kind":)"
                   R"("new_failing_test"}]})");
}

} // namespace

TEST_CASE("quality summary: the newest baseline, the latest task, the trend in journal "
          "order and the tasks that got worse",
          "[unit][quality]") {
  const std::vector<journal_entry> bases{baseline(3)};
  const std::vector<journal_entry> snaps{task_snapshot(5, "sw-1", passing, 0),
                                         entry(6, "quality.snapshot", "{not json"),
                                         task_snapshot(9, "sw-2", failing, 1)};
  const auto v = quality::summary(bases, snaps);
  const auto& o = v.as_object();
  const auto& base = o.at("baseline").as_object();
  CHECK(base.at("seq").as_int64() == 3);
  CHECK(base.at("ts_us").as_int64() == 3'000'000);
  CHECK(base.at("by").as_string() == "operator");
  CHECK(base.at("integration").as_string() == "main");
  CHECK(base.at("adopted").as_bool());
  CHECK(base.at("snapshot").at("commit").as_string() == "aaa"); // all it found
  CHECK(base.at("checks").at(0).at("warnings").as_uint64() == 2);
  const auto& latest = o.at("latest").as_object();
  CHECK(latest.at("task").as_string() == "sw-2");
  const auto& check = latest.at("checks").at(0).as_object();
  CHECK_FALSE(check.at("passed").as_bool());
  CHECK(check.at("errors").as_uint64() == 1);
  CHECK(check.at("failing_tests").as_uint64() == 2); // a count in a point
  const auto& trend = o.at("trend").as_array();
  REQUIRE(trend.size() == 3); // the unreadable record is left out
  CHECK(trend[0].at("baseline").as_bool());
  CHECK(trend[1].at("task").as_string() == "sw-1");
  CHECK(trend[2].at("seq").as_int64() == 9);
  const auto& worse = o.at("regressions").as_array();
  REQUIRE(worse.size() == 1);
  CHECK(worse[0].at("task").as_string() == "sw-2");
  CHECK(worse[0].at("worse").at(0).at("kind").as_string() == "new_failing_test");
}

TEST_CASE("quality summary: nothing recorded, and an older journal's baseline",
          "[unit][quality]") {
  const auto empty = quality::summary({}, {});
  CHECK(empty.at("baseline").is_null());
  CHECK(empty.at("latest").is_null());
  CHECK(empty.at("trend").as_array().empty());
  // Before quality.baseline, a baseline was a quality.snapshot with baseline true.
  const std::vector<journal_entry> old{
      entry(2, "quality.snapshot",
            R"({"task":"","agent":"swarm","baseline":true,"commit":"aaa","regressions":0,)"
            R"("snapshot":)" + passing + "}")};
  const auto v = quality::summary({}, old);
  CHECK(v.at("baseline").at("by").as_string() == "swarm");
  CHECK(v.at("latest").is_null());
  CHECK(quality::baseline_view(old[0]).at("commit").as_string() == "aaa");
}

TEST_CASE("quality figures: per check, the newest baseline then the latest task",
          "[unit][quality]") {
  const auto base = baseline(3);
  const auto latest = task_snapshot(9, "sw-2", failing, 1);
  const auto f = quality::figures(&base, &latest);
  REQUIRE(f.size() == 2);
  CHECK(f[0].check == "test");
  CHECK(f[0].of == "baseline");
  CHECK(f[0].passed);
  CHECK(f[0].warnings == 2);
  CHECK(f[1].of == "latest");
  CHECK_FALSE(f[1].passed);
  CHECK(f[1].errors == 1);
  CHECK(f[1].failing_tests == 2);
  CHECK(quality::figures(nullptr, nullptr).empty());
  CHECK(quality::figures(nullptr, &latest).size() == 1);
}
