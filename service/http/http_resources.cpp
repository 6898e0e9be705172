#include "service/http/http_resources.hpp"

#include "service/http/http_translate.hpp"

#include <httplib.h>

#include <memory>

namespace swarm::http {

const char* const resource_list =
    "POST /api/command; GET /api/status, /api/agents, /api/quality, /api/graph, "
    "/api/graph/summary; GET and POST "
    "/api/tasks; GET and PATCH /api/tasks/{id}; GET /api/tasks/{id}/attempts, "
    "/api/mail, /api/mail/threads, /api/mail/{thread}, /api/reservations, /api/leases, "
    "/api/memory, /api/events, /api/stream; GET /metrics";

namespace {

// Runs the resource's command for whoever sent `req` (the pre-routing check let only
// known callers in; a token revoked since is refused here).
struct runner {
  command_runner run;
  caller_finder who;
};

void answer(const httplib::Request& req, httplib::Response& res, const runner& r,
            expected<command_call> request) {
  if (!request) return send_json(res, error_response(request.error()));
  auto by = r.who(req);
  if (!by) return send_json(res, error_response(by.error()));
  send_json(res, from_result(r.run(std::move(*request), *by)));
}

query query_of(const httplib::Request& req) {
  return {req.params.begin(), req.params.end()};
}

bool has_param(const httplib::Request& req, const char* name) {
  return req.params.find(name) != req.params.end();
}

} // namespace

void send_json(httplib::Response& res, response r) {
  res.status = r.status;
  if (r.status >= 400) {
    // Small; and a body httplib's error handler sees (it fills only empty ones).
    res.set_content(r.body, "application/json");
    return;
  }
  // A provider of known length is written as it is (see the header).
  auto body = std::make_shared<const std::string>(std::move(r.body));
  res.set_content_provider(body->size(), "application/json",
                           [body](size_t offset, size_t length, httplib::DataSink& sink) {
                             return sink.write(body->data() + offset, length);
                           });
}

void install_resources(httplib::Server& server, command_runner r, caller_finder who) {
  auto dispatch = std::make_shared<runner>(runner{std::move(r), std::move(who)});
  // GET `path` -> op with the allowed query parameters.
  auto get = [&server, dispatch](const char* path, const char* op,
                                 std::vector<query_arg> allowed) {
    server.Get(path, [dispatch, op, allowed](const httplib::Request& req,
                                             httplib::Response& res) {
      answer(req, res, *dispatch, command_request(op, query_of(req), allowed));
    });
  };
  get("/api/status", "status", {});
  get("/api/events", "events", {{"since", arg_kind::count}, {"limit", arg_kind::count}});
  get("/api/agents", "agents", {});
  get("/api/quality", "quality", {{"limit", arg_kind::count}});
  get("/api/graph", "graph", {});
  get("/api/graph/summary", "graph.summary", {{"max_groups", arg_kind::count}});
  get("/api/tasks", "tasks",
      {{"state", arg_kind::text},
       {"q", arg_kind::text},
       {"limit", arg_kind::count},
       {"cursor", arg_kind::text},
       {"ready", arg_kind::flag}});
  server.Post("/api/tasks", [dispatch](const auto& req, auto& res) {
    answer(req, res, *dispatch, body_request("task.add", req.body));
  });
  server.Get(R"(/api/tasks/([^/]+)/attempts)", [dispatch](const auto& req, auto& res) {
    answer(req, res, *dispatch,
           command_request("task.attempts", query_of(req), {},
                           {{"id", req.matches[1].str()}}));
  });
  server.Get(R"(/api/tasks/([^/]+))", [dispatch](const auto& req, auto& res) {
    answer(req, res, *dispatch,
           command_request("tasks", query_of(req), {}, {{"id", req.matches[1].str()}}));
  });
  server.Patch(R"(/api/tasks/([^/]+))", [dispatch](const auto& req, auto& res) {
    answer(req, res, *dispatch, patch_task_request(req.matches[1].str(), req.body));
  });
  get("/api/mail", "mail.list",
      {{"agent", arg_kind::text},
       {"q", arg_kind::text, "query"},
       {"thread", arg_kind::text},
       {"limit", arg_kind::count}});
  get("/api/mail/threads", "mail.threads", {{"limit", arg_kind::count}});
  server.Get(R"(/api/mail/([^/]+))", [dispatch](const auto& req, auto& res) {
    answer(req, res, *dispatch,
           command_request("mail.thread", query_of(req), {{"agent", arg_kind::text}},
                           {{"id", req.matches[1].str()}}));
  });
  get("/api/reservations", "reservation.list",
      {{"agent", arg_kind::text}, {"task", arg_kind::text}, {"expired", arg_kind::flag}});
  get("/api/leases", "lease.list", {{"all", arg_kind::flag}});
  // With q a search (memory.search), without one the newest (memory.list).
  server.Get("/api/memory", [dispatch](const auto& req, auto& res) {
    const bool search = has_param(req, "q");
    std::vector<query_arg> allowed = {{"k", arg_kind::count},
                                      {"kind", arg_kind::text, "type"},
                                      {"agent", arg_kind::text},
                                      {"task", arg_kind::text}};
    if (search) {
      allowed.push_back({"q", arg_kind::text, "query"});
      allowed.push_back({"mode", arg_kind::text});
    } else {
      allowed.push_back({"limit", arg_kind::count});
    }
    answer(req, res, *dispatch,
           command_request(search ? "memory.search" : "memory.list", query_of(req),
                           allowed));
  });
}

} // namespace swarm::http
