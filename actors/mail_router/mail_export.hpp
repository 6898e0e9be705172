#pragma once
// The mail audit export: one Markdown file per thread, JSON front matter (valid YAML)
// then the messages in order, fit to commit to git — file names are stable (derived
// from the thread id) and an unchanged thread renders byte for byte the same. bcc
// lists are never written. Plain C++.

#include "persistence/reader.hpp"

#include <swarm/types.hpp>

#include <string>
#include <vector>

namespace swarm {

struct export_file {
  std::string name; // "<thread>.md", sanitised; unique among the files
  std::string content;
};

// `messages` in sending order; `states` the copies that are no longer unread.
std::vector<export_file>
render_mail_threads(const std::vector<mail_message>& messages,
                    const std::vector<persistence::stored_copy>& states);

// A thread id as a file name: [A-Za-z0-9._-] kept, anything else '_', plus a short
// hash of the id when that changed it (so "a/b" and "a_b" do not collide).
std::string thread_file_name(const std::string& thread);

} // namespace swarm
