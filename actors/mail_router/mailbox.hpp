#pragma once
// The post office's books: every message, every recipient's copy and its state, and
// the rules of sending, reading and acknowledging. Plain C++ (no CAF, no SQLite).
//
// Owner: the MailRouter actor; only its thread touches an instance. Mutations return
// what changed so the actor can journal exactly that.
//
// Invariants:
// * Messages are held in sending order; ids are "msg-<n>" with n increasing.
// * Every recipient (to, cc, bcc, or everyone for a broadcast) has a copy and nobody
//   else does; its state only moves forward (unread -> read -> acked), and each
//   timestamp is written once.
// * A broadcast is held once, whatever the number of agents: it reaches the first
//   `audience` names of the roster (every agent seen registered when a broadcast was
//   sent, in the order first seen; it only grows) but its sender, so audiences only
//   grow along the sending order. Its copies are implicit (unread) until a recipient
//   reads or acks one; only then is that copy held.
// * bcc is shown to the sender only.

#include <swarm/error.hpp>
#include <swarm/types.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace swarm {

struct mail_limits {
  size_t subject_chars = 200;     // a subject is one line
  size_t body_bytes = 256 * 1024; // a long report fits; a log dump does not
  size_t payload_bytes = 64 * 1024;
  size_t recipients = 1000;
};

class mailbox {
public:
  // Checks a draft and turns it into the message to store: id, thread, ack rule,
  // recipients deduplicated (the sender never receives its own broadcast). `agents`
  // are the registered agents; sender and recipients must be among them. Errors:
  // errc::bad_request (malformed: empty subject, unknown type, ...), errc::refused
  // (too large — the limit is named), errc::not_found (unknown agent or message).
  // Nothing changes until store().
  expected<mail_message> prepare(mail_draft d, const std::set<std::string>& agents,
                                 int64_t now_us) const;

  // A reply to `original` from `from`: to its sender, in its thread, "Re: " once,
  // importance and ack rule inherited. Only someone who sent or received the original
  // may reply.
  expected<mail_draft> reply_draft(const std::string& original, const std::string& from,
                                   std::string body) const;

  // The engine's own mail (sender "swarm": agent.started, task.completed, ...) goes to
  // the followers, and to `also_to` (agents it concerns, e.g. the holder of a
  // conflicting reservation); nullopt when that is nobody.
  std::optional<mail_message> prepare_system(std::string type, std::string subject,
                                             std::string body, std::string payload,
                                             int64_t now_us,
                                             const std::vector<std::string>& also_to = {}) const;
  // Starts (or stops) sending the engine's mail to `agent`; false when nothing changed.
  bool follow(const std::string& agent, bool on);
  const std::set<std::string>& followers() const { return followers_; }

  // Adds a prepared message and its copies (unread). A broadcast also enrolls the
  // agents in `agents` (those prepare() was given) that the roster lacks, and returns
  // their names, in roster order: the event that journals the message records them.
  std::vector<std::string> store(const mail_message& m,
                                 const std::set<std::string>& agents = {});
  // Whether `agent` holds a copy of `m` (is among its recipients).
  bool reaches(const mail_message& m, const std::string& agent) const;

  // Moves `agent`'s copy of `id` to read (ack=false) or acked (ack=true; also read).
  // `changed` says whether a timestamp was written (false when already there).
  // errc::not_found for an unknown message; errc::not_recipient-like refusal
  // (errc::refused) when `agent` holds no copy.
  expected<mail_copy> mark(const std::string& agent, const std::string& id, bool ack,
                           int64_t now_us, bool& changed);

  // `agent`'s copies, newest first. errc::bad_request for a limit outside 1..1000.
  expected<std::vector<mail_copy>> inbox(const std::string& agent,
                                         const inbox_filter& f) const;

  // The conversation `thread` (or the thread of the message with that id), in order;
  // bcc shown only when `viewer` sent the message.
  expected<std::vector<mail_message>> thread(const std::string& id,
                                             const std::string& viewer = {}) const;

  // Copies that need an ack, are not acked and were sent before `before_us`.
  std::vector<mail_copy> unacked_before(int64_t before_us) const;

  // The message as `viewer` may see it (bcc hidden unless viewer sent it).
  mail_message view(const mail_message& m, const std::string& viewer) const;

  // Restore: the roster (in order), messages in sending order, then copies' states.
  void restore_roster(std::vector<std::string> names);
  void restore(std::vector<mail_message> messages);
  expected<void> restore_copy(const std::string& id, const std::string& recipient,
                              copy_state state, int64_t read_us, int64_t acked_us);

  size_t size() const { return messages_.size(); }
  const mail_limits& limits() const { return limits_; }

private:
  struct held_copy {
    uint32_t message; // index into messages_
    copy_state state = copy_state::unread;
    int64_t read_us = 0, acked_us = 0;
  };
  mail_copy copy_of(const held_copy& c, const std::string& recipient) const;
  const mail_message* find(const std::string& id) const;
  void add(const mail_message& m);
  // `agent`'s held copy of message `index`, or null.
  const held_copy* held(const std::string& agent, uint32_t index) const;

  mail_limits limits_;
  std::vector<mail_message> messages_;
  std::unordered_map<std::string, uint32_t> by_id_;
  uint64_t next_number_ = 1;
  std::set<std::string> followers_;
  // recipient -> held copies in sending order.
  std::unordered_map<std::string, std::vector<held_copy>> copies_;
  std::vector<uint32_t> broadcasts_; // the messages held once (audience > 0), in order
  std::vector<std::string> roster_;
  std::unordered_map<std::string, uint32_t> ordinal_; // roster name -> 1-based place
  std::unordered_map<std::string, std::vector<uint32_t>> threads_; // thread -> messages
};

// The recipients a message lists (to, cc, bcc or an old broadcast's list), each once;
// none for a broadcast held once (mailbox::reaches says who it reaches).
std::vector<std::string> mail_recipients(const mail_message& m);

} // namespace swarm
