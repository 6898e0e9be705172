// The MCP session (include/swarm/mcp.hpp): JSON-RPC 2.0 framing, the lifecycle
// (initialize, or the stateless form's server/discover and per-request _meta), and
// tools/list and tools/call over the tools table (mcp_tools.hpp). Protocol problems are
// JSON-RPC errors; an op's refusal is a tool result with isError, carrying its code.

#include <swarm/mcp.hpp>

#include "service/mcp/mcp_tools.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <optional>

namespace swarm {

namespace json = boost::json;

namespace {

constexpr int parse_error = -32700;
constexpr int invalid_request = -32600;
constexpr int method_not_found = -32601;
constexpr int invalid_params = -32602;

constexpr const char* version_key = "io.modelcontextprotocol/protocolVersion";
// The stateless revision: no initialize, a version in every request's _meta.
constexpr const char* stateless_version = "2026-07-28";

constexpr const char* instructions =
    "swarm coordinates the agents working on this repository. Reserve files before "
    "editing ones outside your task, mail HANDOFF or BLOCKED when you hand over or are "
    "stuck, store learnings with memory_add, and add work you discover with task_add.";

std::string error_line(const json::value& id, int code, std::string message,
                       json::value data = nullptr) {
  json::object err{{"code", code}, {"message", std::move(message)}};
  if (!data.is_null()) err["data"] = std::move(data);
  return json::serialize(
      json::object{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(err)}});
}

std::string result_line(const json::value& id, json::object result) {
  return json::serialize(
      json::object{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}});
}

// A JSON-RPC id: a string or an integer (null only on errors about unreadable ids).
bool valid_id(const json::value& v) {
  return v.is_string() || v.is_int64() || v.is_uint64();
}

// The version the engine journals at start (bootstrap.cpp).
json::object server_info() {
  return {{"name", "swarm"}, {"version", "0.1.0"}};
}

json::object capabilities() {
  return {{"tools", {{"listChanged", false}}}};
}

// A tool result from an op's reply: its result as structuredContent (and as text, for
// clients that read only content), or its error with isError.
json::object tool_result(const json::value& reply) {
  const auto* o = reply.if_object();
  const auto* ok = o != nullptr ? o->if_contains("ok") : nullptr;
  if (ok != nullptr && ok->is_bool() && ok->get_bool()) {
    json::value result = o->contains("result") ? o->at("result") : json::object{};
    if (!result.is_object()) result = json::object{{"result", std::move(result)}};
    return {
        {"content", json::array{{{"type", "text"}, {"text", json::serialize(result)}}}},
        {"structuredContent", std::move(result)},
        {"isError", false}};
  }
  std::string code = "internal", message = "the engine refused without a reason";
  const auto* err = o != nullptr ? o->if_contains("error") : nullptr;
  if (err != nullptr && err->is_object()) {
    if (const auto* c = err->get_object().if_contains("code"); c && c->is_string())
      code = std::string{c->get_string()};
    if (const auto* m = err->get_object().if_contains("message"); m && m->is_string())
      message = std::string{m->get_string()};
  }
  return {{"content", json::array{{{"type", "text"}, {"text", code + ": " + message}}}},
          {"isError", true}};
}

json::object tool_refusal(const std::string& code, const std::string& message) {
  return tool_result(
      json::object{{"ok", false}, {"error", {{"code", code}, {"message", message}}}});
}

} // namespace

struct mcp_session::impl {
  command_sender send;
  mcp_options opts;
  std::string version; // agreed by initialize
  int64_t next_request = 1;

  // One command-protocol request line: the one place a credential is added.
  std::string request_line(const char* op, json::object args) {
    json::object request{{"id", next_request++}, {"op", op}, {"args", std::move(args)}};
    if (!opts.token.empty()) request["token"] = opts.token;
    return json::serialize(request);
  }

  std::string answer(const json::value& id, const std::string& method,
                     const json::object& params, bool stateless);
  std::string initialize(const json::value& id, const json::object& params);
  std::string list_tools(const json::value& id, const json::object& params,
                         json::object extra);
  std::string call_tool(const json::value& id, const json::object& params,
                        json::object extra);
  json::object run_tool(const mcp::tool& t, const json::object& arguments);
};

std::string mcp_session::impl::initialize(const json::value& id,
                                          const json::object& params) {
  const auto* asked = params.if_contains("protocolVersion");
  if (asked == nullptr || !asked->is_string())
    return error_line(id, invalid_params,
                      "initialize needs params.protocolVersion, a string such as \"" +
                          mcp_protocol_versions().back() + "\"");
  const auto& ours = mcp_protocol_versions();
  const std::string wanted{asked->get_string()};
  version =
      std::find(ours.begin(), ours.end(), wanted) != ours.end() ? wanted : ours.back();
  return result_line(id, {{"protocolVersion", version},
                          {"capabilities", capabilities()},
                          {"serverInfo", server_info()},
                          {"instructions", instructions}});
}

std::string mcp_session::impl::list_tools(const json::value& id,
                                          const json::object& params,
                                          json::object extra) {
  const auto& all = mcp::tools();
  size_t start = 0;
  if (const auto* cursor = params.if_contains("cursor"); cursor && !cursor->is_null()) {
    const std::string text = cursor->is_string() ? std::string{cursor->get_string()} : "";
    const bool digits = !text.empty() && text.size() < 6 &&
                        std::all_of(text.begin(), text.end(),
                                    [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || std::stoul(text) >= all.size())
      return error_line(
          id, invalid_params,
          "cursor " + json::serialize(*cursor) +
              " is not one this server gave; pass a nextCursor from tools/list");
    start = std::stoul(text);
  }
  const size_t page = std::max<size_t>(1, opts.page_size);
  const size_t end = std::min(all.size(), start + page);
  json::array listed;
  for (size_t i = start; i < end; ++i)
    listed.push_back(mcp::listing(all[i]));
  extra["tools"] = std::move(listed);
  if (end < all.size()) extra["nextCursor"] = std::to_string(end);
  return result_line(id, std::move(extra));
}

json::object mcp_session::impl::run_tool(const mcp::tool& t,
                                         const json::object& arguments) {
  json::object args;
  if (t.defaults != nullptr) args = json::parse(t.defaults).as_object();
  for (const auto& [key, value] : arguments) {
    if (!mcp::takes(t, key)) {
      std::string names;
      for (const auto& [name, _] :
           mcp::listing(t).at("inputSchema").at("properties").as_object())
        names += (names.empty() ? "" : ", ") + std::string{name};
      return tool_refusal("bad_request", "unknown argument '" + std::string{key} +
                                             "' for tool " + t.name + "; it takes " +
                                             (names.empty() ? "no arguments" : names));
    }
    args[key] = value;
  }
  // A missing required argument would make some ops answer something else (task_show
  // without an id: a page of every task).
  const auto& schema = mcp::listing(t).at("inputSchema").as_object();
  if (const auto* required = schema.if_contains("required"))
    for (const auto& name : required->as_array())
      if (!arguments.contains(name.as_string()))
        return tool_refusal("bad_request", "missing argument '" +
                                               std::string{name.as_string()} +
                                               "' for tool " + t.name);
  if (t.self_arg != nullptr) {
    if (opts.agent.empty())
      return tool_refusal("bad_request",
                          std::string{"tool "} + t.name +
                              " acts as an agent and this session has "
                              "none; start `swarm mcp` with SWARM_AGENT set");
    args[t.self_arg] = opts.agent;
  }
  json::error_code ec;
  const auto reply = json::parse(send(request_line(t.op, std::move(args))), ec);
  if (ec) return tool_refusal("internal", "unreadable reply from the engine");
  return tool_result(reply);
}

std::string mcp_session::impl::call_tool(const json::value& id,
                                         const json::object& params, json::object extra) {
  const auto* name = params.if_contains("name");
  if (name == nullptr || !name->is_string())
    return error_line(id, invalid_params, "tools/call needs params.name, a tool's name");
  const auto* t = mcp::find_tool(name->get_string());
  if (t == nullptr)
    return error_line(id, invalid_params,
                      "unknown tool '" + std::string{name->get_string()} +
                          "'; tools/list names the tools");
  static const json::object none;
  const auto* arguments = params.if_contains("arguments");
  if (arguments != nullptr && !arguments->is_null() && !arguments->is_object())
    return error_line(id, invalid_params, "params.arguments must be an object");
  auto result = run_tool(*t, arguments != nullptr && arguments->is_object()
                                 ? arguments->get_object()
                                 : none);
  for (auto& [key, value] : extra)
    result[key] = std::move(value);
  return result_line(id, std::move(result));
}

std::string mcp_session::impl::answer(const json::value& id, const std::string& method,
                                      const json::object& params, bool stateless) {
  // The stateless revision marks each result complete.
  json::object extra;
  if (stateless) extra["resultType"] = "complete";
  if (method == "initialize") return initialize(id, params);
  if (method == "ping") return result_line(id, std::move(extra));
  if (method == "tools/list") return list_tools(id, params, std::move(extra));
  if (method == "tools/call") return call_tool(id, params, std::move(extra));
  if (method == "server/discover") {
    json::array versions;
    for (const auto& v : mcp_protocol_versions())
      versions.emplace_back(v);
    versions.emplace_back(stateless_version);
    extra["resultType"] = "complete";
    extra["supportedVersions"] = std::move(versions);
    extra["capabilities"] = capabilities();
    extra["serverInfo"] = server_info();
    extra["instructions"] = instructions;
    return result_line(id, std::move(extra));
  }
  return error_line(
      id, method_not_found,
      "method '" + method +
          "' not found; this server "
          "answers initialize, ping, tools/list, tools/call and server/discover");
}

mcp_session::mcp_session(command_sender send, mcp_options o)
    : impl_(std::make_unique<impl>()) {
  impl_->send = std::move(send);
  impl_->opts = std::move(o);
}

mcp_session::~mcp_session() = default;
mcp_session::mcp_session(mcp_session&&) noexcept = default;
mcp_session& mcp_session::operator=(mcp_session&&) noexcept = default;

const std::string& mcp_session::protocol_version() const {
  return impl_->version;
}

std::string mcp_session::handle(std::string_view message) {
  json::error_code ec;
  auto v = json::parse(message, ec);
  if (ec)
    return error_line(nullptr, parse_error,
                      "not JSON (" + ec.message() +
                          "); send one "
                          "JSON-RPC 2.0 message per line");
  if (!v.is_object())
    return error_line(nullptr, invalid_request,
                      v.is_array()
                          ? "batches are not supported; send one message per line"
                          : "a JSON-RPC message is an object");
  const auto& o = v.get_object();
  const auto* id = o.if_contains("id");
  const auto* method = o.if_contains("method");
  if (method == nullptr && id != nullptr && (o.contains("result") || o.contains("error")))
    return {}; // a response to a request we never send; nothing to answer
  const json::value reply_id = id != nullptr && valid_id(*id) ? *id : json::value{};
  const auto* version = o.if_contains("jsonrpc");
  if (version == nullptr || !version->is_string() || version->get_string() != "2.0")
    return error_line(reply_id, invalid_request, "\"jsonrpc\" must be \"2.0\"");
  if (method == nullptr || !method->is_string())
    return error_line(reply_id, invalid_request, "a request needs a \"method\" string");
  if (id != nullptr && !valid_id(*id))
    return error_line(nullptr, invalid_request, "\"id\" must be a string or an integer");
  const auto* params = o.if_contains("params");
  if (params != nullptr && !params->is_object() && !params->is_null())
    return id == nullptr
               ? std::string{}
               : error_line(*id, invalid_params, "\"params\" must be an object");
  if (id == nullptr)
    return {}; // notifications (initialized, cancelled, ...) need nothing
  static const json::object none;
  const auto& p = params != nullptr && params->is_object() ? params->get_object() : none;
  bool stateless = false;
  if (const auto* meta = p.if_contains("_meta"); meta && meta->is_object()) {
    if (const auto* asked = meta->get_object().if_contains(version_key)) {
      const auto& ours = mcp_protocol_versions();
      const std::string wanted =
          asked->is_string() ? std::string{asked->get_string()} : "";
      json::array supported(ours.begin(), ours.end());
      supported.emplace_back(stateless_version);
      if (wanted != stateless_version &&
          std::find(ours.begin(), ours.end(), wanted) == ours.end())
        return error_line(
            *id, invalid_params,
            "unsupported protocol version " + json::serialize(*asked),
            json::object{{"supported", std::move(supported)}, {"requested", *asked}});
      stateless = true;
    }
  }
  return impl_->answer(*id, std::string{method->get_string()}, p, stateless);
}

const std::vector<std::string>& mcp_protocol_versions() {
  static const std::vector<std::string> versions = {"2025-06-18", "2025-11-25"};
  return versions;
}

} // namespace swarm
