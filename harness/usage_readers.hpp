#pragma once
// Tokens and cost of one model run, read from what its CLI printed on stdout (README
// "Tokens and cost"; the formats, with samples, in tests/data/usage/README.md). Plain
// C++: no CAF, no SQLite; any thread; each call reads only its file.
//
// Every reader takes the run's whole stdout file and reads it line by line, holding one
// line at a time (a line longer than max_usage_line is skipped without being kept), so
// a long run costs one pass over its file, never its size in memory. A run whose CLI
// reported nothing, or printed something unreadable, has no usage: nullopt, never an
// error. Each usage read has runs = 1.

#include <swarm/types.hpp>

#include <boost/json/object.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace swarm::harness {

// Longer lines are skipped: no usage report is anywhere near it.
inline constexpr size_t max_usage_line = 16 * 1024 * 1024;

// Calls `line` with each line of the file, without its newline (a last line without one
// too); lines longer than `max_line` are skipped. False when the file cannot be opened.
bool for_each_line(const std::string& path, const std::function<void(std::string_view)>& line,
                   size_t max_line = max_usage_line);

// Claude Code's result object ("type":"result", the last line of --output-format
// stream-json and the object of --output-format json), and any output ending in one
// (the mock's result line, a command printing one): the last result's
//   modelUsage {<model>: {inputTokens, outputTokens, cacheReadInputTokens,
//               cacheCreationInputTokens, costUSD}}   summed over its models, or else
//   usage {input_tokens, output_tokens, cache_read_input_tokens,
//          cache_creation_input_tokens}               (the main loop only),
// and total_cost_usd as the cost (else the models' costUSD summed). The model is the
// modelUsage keys, or the result's own "model" string (the mock names itself there).
std::optional<model_usage> claude_usage(const std::string& stdout_path);
// One result object's usage, as above; nullopt when it holds none of those keys.
std::optional<model_usage> result_object_usage(const boost::json::object& result);

// Codex `exec --json`: every turn.completed event's usage {input_tokens,
// cached_input_tokens, output_tokens}, summed over the turns. Codex counts cached tokens
// inside input_tokens: input is input_tokens - cached_input_tokens. No cost, no model.
std::optional<model_usage> codex_usage(const std::string& stdout_path);

// Gemini CLI --output-format json: the last pretty-printed object's stats.models, each
// model's tokens {prompt, candidates, total, cached, thoughts, tool} summed over the
// models: input = prompt - cached + tool, output = candidates + thoughts, cache read =
// cached. No cost; the model is the models' names.
std::optional<model_usage> gemini_usage(const std::string& stdout_path);

} // namespace swarm::harness
