// The journal over HTTP (`swarm serve`, real HTTP on an ephemeral port): GET
// /api/events, the Server-Sent Events stream GET /api/stream — a subscriber cut off
// mid-burst resumes with Last-Event-ID and gets every event once, in order, each only
// after its commit — and GET /metrics in Prometheus text; all behind the token.

#include "tests/e2e/served.hpp"

#include <atomic>
#include <future>
#include <thread>

namespace {

using namespace e2e;

// One SSE frame as received.
struct frame {
  int64_t seq = 0;
  std::string kind;
  std::string data;
  bool committed = false; // the events table held its seq when it arrived
};

// Reads GET /api/stream on its own thread until `enough` says so or the server ends
// it. Catch2 is not thread-safe: the thread only records; the test checks afterwards.
class subscriber {
public:
  subscriber(const served& s, const fs::path& db, httplib::Headers headers,
             std::string path, std::function<bool(const std::vector<frame>&)> enough)
      : db_(db), enough_(std::move(enough)) {
    for (const auto& h : s.auth())
      headers.insert(h);
    done_ = std::async(std::launch::async, [this, &s, headers, path] {
      auto c = s.client();
      auto r = c.Get(path.c_str(), headers,
                     [this](const httplib::Response& res) {
                       status = res.status;
                       content_type = res.get_header_value("Content-Type");
                       return true;
                     },
                     [this](const char* data, size_t n) { return take(data, n); });
      return r ? r->status : -1;
    });
  }

  // The frames received, once the stream ended.
  const std::vector<frame>& frames() {
    REQUIRE(done_.wait_for(60s) == std::future_status::ready);
    done_.get();
    return frames_;
  }

  int status = 0;
  std::string content_type;
  bool comment_seen = false;

private:
  bool take(const char* data, size_t n) {
    buffer_.append(data, n);
    for (size_t end; (end = buffer_.find("\n\n")) != std::string::npos;) {
      auto block = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      if (block.rfind(':', 0) == 0) {
        comment_seen = true;
        continue;
      }
      frame f;
      std::istringstream lines{block};
      for (std::string line; std::getline(lines, line);) {
        if (line.rfind("id: ", 0) == 0) f.seq = std::stoll(line.substr(4));
        else if (line.rfind("event: ", 0) == 0) f.kind = line.substr(7);
        else if (line.rfind("data: ", 0) == 0) f.data = line.substr(6);
      }
      auto db = open_db(db_);
      f.committed = db.execAndGet("SELECT count(*) FROM events WHERE seq = " +
                                  std::to_string(f.seq))
                        .getInt64() == 1;
      frames_.push_back(std::move(f));
      if (enough_(frames_)) return false; // hangs up, mid-stream
    }
    return true;
  }

  fs::path db_;
  std::function<bool(const std::vector<frame>&)> enough_;
  std::string buffer_;
  std::vector<frame> frames_;
  std::future<int> done_;
};

json::value body_json(const httplib::Result& r) {
  REQUIRE(r);
  INFO("body: " << r->body);
  return parse_json(r->body);
}

int64_t last_seq(const served& s) {
  auto r = s.get("/api/events?limit=0");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  return int_at(body_json(r), "last_seq");
}

void add_tasks(const served& s, int n, const std::string& title) {
  auto c = s.client();
  for (int i = 0; i < n; ++i) {
    auto r = c.Post("/api/command", s.auth(),
                    R"({"op":"task.add","args":{"title":")" + title + " " +
                        std::to_string(i) + R"("}})",
                    "application/json");
    REQUIRE(r);
    REQUIRE(r->status == 200);
  }
}

} // namespace

TEST_CASE("stream: a subscriber cut off mid-burst resumes with Last-Event-ID and gets "
          "every committed event once, in order",
          "[e2e][stream]") {
  temp_dir dir;
  served s{dir};
  const auto db = dir / ".swarm" / "swarm.db";
  const auto start = last_seq(s);

  // The first subscriber hangs up after 50 events, while the burst goes on.
  subscriber first{s, db, {}, "/api/stream?since=" + std::to_string(start),
                   [](const std::vector<frame>& f) { return f.size() == 50; }};
  add_tasks(s, 200, "Burst");
  const auto& a = first.frames();
  CHECK(first.status == 200);
  CHECK(first.content_type.rfind("text/event-stream", 0) == 0);
  REQUIRE(a.size() == 50);

  const auto end = last_seq(s);
  REQUIRE(end >= start + 200);
  // Last-Event-ID wins over ?since (an EventSource reconnecting keeps its URL).
  subscriber second{s, db, {{"Last-Event-ID", std::to_string(a.back().seq)}},
                    "/api/stream?since=0",
                    [end](const std::vector<frame>& f) { return f.back().seq >= end; }};
  const auto& b = second.frames();

  auto journal = body_json(s.get("/api/events?since=" + std::to_string(start) +
                                 "&limit=10000"));
  const auto& events = journal.at("events").as_array();
  REQUIRE(static_cast<int64_t>(events.size()) == end - start);
  CHECK(int_at(journal, "last_seq") == end);

  std::vector<frame> both = a;
  both.insert(both.end(), b.begin(), b.end());
  REQUIRE(both.size() == events.size());
  for (size_t i = 0; i < both.size(); ++i) {
    INFO("event " << i);
    CHECK(both[i].seq == start + 1 + static_cast<int64_t>(i));
    CHECK(both[i].committed);
    // The frame's data is the event's one JSON shape, as GET /api/events gives it.
    CHECK(parse_json(both[i].data) == events[i]);
    CHECK(both[i].kind == str_at(events[i], "kind"));
  }
  CHECK(str_at(events.back(), "kind") == "task.created");
  CHECK(events.back().at("body").is_object());
}

TEST_CASE("stream: without since a stream starts after the last committed event",
          "[e2e][stream]") {
  temp_dir dir;
  served s{dir};
  const auto db = dir / ".swarm" / "swarm.db";
  add_tasks(s, 3, "Before");
  const auto before = last_seq(s);
  subscriber sub{s, db, {}, "/api/stream",
                 [](const std::vector<frame>& f) { return !f.empty(); }};
  // Until the subscriber sees something: the stream may begin after any of these.
  std::atomic<bool> stop{false};
  auto adder = std::async(std::launch::async, [&] {
    auto c = s.client();
    for (int i = 0; i < 200 && !stop; ++i) {
      c.Post("/api/command", s.auth(), R"({"op":"task.add","args":{"title":"After"}})",
             "application/json");
      std::this_thread::sleep_for(50ms);
    }
  });
  const auto& got = sub.frames();
  stop = true;
  adder.get();
  REQUIRE(got.size() == 1);
  CHECK(got[0].seq > before);
  CHECK(got[0].committed);
}

TEST_CASE("stream: events, stream and metrics need the token and refuse bad requests with 400",
          "[e2e][stream]") {
  temp_dir dir;
  served s{dir};
  auto c = s.client();
  for (const char* path : {"/api/stream", "/metrics", "/api/events"}) {
    INFO(path);
    auto r = c.Get(path);
    REQUIRE(r);
    CHECK(r->status == 401);
    CHECK(str_at(body_json(r).at("error"), "code") == "unauthorized");
  }
  auto over = s.get("/api/events?limit=10001");
  REQUIRE(over);
  CHECK(over->status == 400);
  CHECK(contains(over->body, "10000"));
  auto unknown = s.get("/api/events?from=3");
  REQUIRE(unknown);
  CHECK(unknown->status == 400);
  CHECK(contains(unknown->body, "from"));
  auto bad_since = s.get("/api/stream?since=yesterday");
  REQUIRE(bad_since);
  CHECK(bad_since->status == 400);
  CHECK(contains(bad_since->body, "since"));
}

TEST_CASE("metrics: Prometheus text with every family", "[e2e][stream]") {
  temp_dir dir;
  served s{dir};
  add_tasks(s, 2, "Counted");
  auto r = s.get("/metrics");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  CHECK(r->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0) == 0);
  const auto& text = r->body;
  for (const char* family :
       {"swarm_tasks gauge", "swarm_claims_total counter", "swarm_completions_total counter",
        "swarm_commit_latency_seconds histogram", "swarm_journal_events_total counter",
        "swarm_journal_last_seq gauge", "swarm_journal_bytes gauge", "swarm_agents gauge",
        "swarm_model_runs_total counter", "swarm_mail_messages_total counter",
        "swarm_reservations_active gauge"}) {
    INFO(family);
    CHECK(contains(text, std::string{"# TYPE "} + family + "\n"));
  }
  CHECK(contains(text, "swarm_tasks{state=\"ready\"} 2\n"));
  CHECK(contains(text, "swarm_journal_last_seq " + std::to_string(last_seq(s)) + "\n"));
  CHECK(contains(text, "swarm_commit_latency_seconds_bucket{le=\"+Inf\"} "));
  CHECK_FALSE(contains(text, "swarm_journal_bytes 0\n"));
}
