#pragma once
// Credentials (README "Identity"). The operator token: the secret a person's CLI and
// every operator /api request carry ("Authorization: Bearer TOKEN"). It lives in a
// file beside the database (.swarm/token), only its owner may read it (0600), and
// whoever can read it may act as anyone. Agents' tokens: the same kind of secret, made
// at registration; only token_hash() of one is stored. Plain functions, no state, any
// thread.

#include <swarm/error.hpp>

#include <cstddef>
#include <string>

namespace swarm {

// The token in the file at `path`, made first when the file is missing: 32 random bytes
// from /dev/urandom as 64 hex digits, written to a file created with mode 0600 (never
// wider, whatever the umask); a missing directory is created with mode 0700.
// errc::refused when the file exists but group or others may read or write it (the
// message says to chmod 600 it) or it holds no token (the message says to remove it);
// errc::io_error when it cannot be made or read.
expected<std::string> load_or_create_token(const std::string& path);

// `bytes` random bytes from /dev/urandom as hex digits (the token's source, also used
// for the dashboard's login codes and sessions); errc::io_error when it cannot be read.
expected<std::string> random_hex(size_t bytes);

// A fresh token: 32 random bytes as 64 hex digits (random_hex).
expected<std::string> make_token();

// The SHA-256 of `token` as 64 lowercase hex digits: what is stored and looked up.
std::string token_hash(const std::string& token);

} // namespace swarm
