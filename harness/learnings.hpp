#pragma once
// What a model says it learned, read from its output, for the memory system to keep as
// procedural memories. Plain C++; any thread.
//
// Two forms are understood, anywhere in the text:
//   a section      a line "LEARNINGS:" (any case, optionally a Markdown heading or in
//                  bold), then one learning per bullet ("- ", "* ", "1. ") or per line,
//                  up to a blank line after the first learning, a heading, or another
//                  "NAME:" section; text after the colon on the same line is one too;
//   a JSON field   a line holding a JSON object with "learnings": ["...", ...]; an
//                  object's "result" string (Claude Code's JSON output) is searched in
//                  turn.
// Learnings are trimmed, de-duplicated, at most 1,000 bytes each and 10 in all.

#include <string>
#include <string_view>
#include <vector>

namespace swarm::harness {

std::vector<std::string> extract_learnings(std::string_view output);

} // namespace swarm::harness
