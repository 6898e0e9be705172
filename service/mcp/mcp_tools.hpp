#pragma once
// The MCP tools: one table, each tool a name, a terse description, its input and
// output schemas, and the op it calls. A tool's arguments are its op's arguments under
// the same names; the session adds the acting agent under `self_arg` (an argument of
// that name from the client is refused, so a model cannot act as another agent).
// Plain C++, immutable after first use (any thread).

#include <boost/json/object.hpp>

#include <string_view>
#include <vector>

namespace swarm::mcp {

struct tool {
  const char* name;
  const char* description;
  // Schemas in a short form, one field per word: `name:type`, `name*:type` when
  // required; types s string, i integer, n number, b boolean, S string array, o object,
  // O object or null, A array of objects. Expanded to JSON Schema by schema_of.
  const char* input;
  const char* output;
  const char* op;
  const char* self_arg; // the op's argument naming the acting agent; nullptr: none
  const char* defaults = nullptr; // op arguments (a JSON object) the client may override
};

const std::vector<tool>& tools();
const tool* find_tool(std::string_view name);

// {"type": "object", "properties": {...}, "required": [...]} for a short form.
boost::json::object schema_of(std::string_view short_form);

// The tool as tools/list shows it: name, description, inputSchema, outputSchema.
const boost::json::object& listing(const tool& t);

// Whether the short form names the field.
bool takes(const tool& t, std::string_view field);

} // namespace swarm::mcp
