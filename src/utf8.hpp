#pragma once
// Text made safe to carry as a JSON string: swarm keeps tails of what subprocesses print
// (model runs, quality checks), cut at a byte count that may fall inside a character.
// Internal (not installed); plain C++, no state: any thread.

#include <string>

namespace swarm {

// `text` made valid UTF-8: a sequence cut at the start is dropped, any other invalid
// byte becomes U+FFFD.
std::string valid_utf8(const std::string& text);

// Makes `text` valid UTF-8 in place, as valid_utf8 does; when it already is (the usual
// case) that costs one pass and no copy. For JSON text on its way out of the engine:
// a damaged row may hold invalid bytes, and a reader's parser would reject the whole
// reply for one of them.
void repair_utf8(std::string& text);

} // namespace swarm
