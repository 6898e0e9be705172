#pragma once
// `swarm mail send|reply|inbox|read|ack|thread|unacked`: agent mail, through the
// running engine or on the database directly.

#include "cli/client.hpp"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace swarm::cli {

struct mail_commands {
  common_flags common;
  std::string from, agent, message, thread, subject, body, body_file, category, type,
      importance = "normal", payload, state, since, older_than = "0s";
  std::vector<std::string> to, cc, bcc;
  bool broadcast = false, ack = false, urgent = false;
  uint32_t limit = 50;
  CLI::App *send = nullptr, *reply = nullptr, *inbox = nullptr, *read = nullptr,
           *ack_cmd = nullptr, *thread_cmd = nullptr, *unacked = nullptr,
           *search = nullptr;
  std::string query, export_dir;
  CLI::App* export_cmd = nullptr;
  CLI::App* follow = nullptr;
  bool stop = false;
};

void register_mail_commands(CLI::App& app, mail_commands& mc);

// The exit code of the mail command that was parsed; nullopt when none was.
std::optional<int> run_mail_commands(const mail_commands& mc);

} // namespace swarm::cli
