#include "cli/reservation_commands.hpp"

#include <boost/json.hpp>

#include <iostream>

namespace json = boost::json;

namespace swarm::cli {

namespace {

bool is_id(const std::string& s) {
  return s.size() > 4 && s.compare(0, 4, "res-") == 0 &&
         s.find_first_not_of("0123456789", 4) == std::string::npos;
}

// "res-3  bob  src/**  edit exclusive  task sw-1a2b.1  expires in 59m58s"
void print_reservation(const reservation& r) {
  std::cout << r.id << "  " << r.agent << "  " << r.pattern << "  " << to_string(r.type) << " "
            << (r.exclusive ? "exclusive" : "shared");
  if (!r.task.empty()) std::cout << "  task " << r.task;
  const int64_t left = ms_until(r.expires);
  std::cout << (left > 0 ? "  expires in " + duration_text(left) : "  expired") << "\n";
}

void print_conflict(const reservation_conflict& c) {
  const auto& r = c.held;
  std::cout << "  conflict: " << c.path << " overlaps " << r.pattern << " held by "
            << r.agent << " (" << r.id << ", " << to_string(r.type)
            << (r.exclusive ? " exclusive" : " shared");
  if (!r.task.empty()) std::cout << ", task " << r.task;
  std::cout << ", expires in " << duration_text(ms_until(r.expires))
            << (c.holder_stale ? ", holder is stale" : "") << ")\n";
}

void print_grants(const json::value& v) {
  auto grants = reply_list<reservation_grant>(v, "reservations");
  if (!grants) return;
  for (const auto& g : *grants) {
    std::cout << (g.refreshed ? "refreshed " : "reserved ");
    print_reservation(g.r);
    for (const auto& c : g.conflicts)
      print_conflict(c);
  }
}

void print_reservations(const json::value& v) {
  auto list = reply_list<reservation>(v, "reservations");
  if (!list) return;
  if (list->empty()) std::cout << "no reservations\n";
  for (const auto& r : *list)
    print_reservation(r);
}

void print_released(const json::value& v) {
  auto list = reply_list<reservation>(v, "released");
  if (!list) return;
  std::cout << "released " << list->size() << " reservation(s)\n";
  for (const auto& r : *list)
    std::cout << "  " << r.id << "  " << r.agent << "  " << r.pattern << "\n";
}

void print_lease(const lease& l) {
  std::cout << "lease " << l.name << "  ";
  if (l.holder.empty())
    std::cout << "free";
  else
    std::cout << "held by " << l.holder << "  expires in "
              << duration_text(ms_until(l.expires));
  std::cout << "  token " << l.token << "\n";
}

void print_one_lease(const json::value& v) {
  if (auto l = reply_as<lease>(v)) print_lease(*l);
}

void print_leases(const json::value& v) {
  auto list = reply_list<lease>(v, "leases");
  if (!list) return;
  if (list->empty()) std::cout << "no leases\n";
  for (const auto& l : *list)
    print_lease(l);
}

// Splits positional targets into reservation ids and patterns.
void split_targets(const std::vector<std::string>& targets, std::vector<std::string>& ids,
                   std::vector<std::string>& patterns) {
  for (const auto& t : targets)
    (is_id(t) ? ids : patterns).push_back(t);
}

} // namespace

void register_reservation_commands(CLI::App& app, reservation_commands& rc) {
  rc.reserve = app.add_subcommand(
      "reserve", "reserve paths or globs for an agent (advisory: always granted, "
                 "conflicts reported)");
  rc.reserve
      ->add_option("patterns", rc.targets, "paths or globs (*, ?, **, [a-z], {a,b})")
      ->required();
  rc.reserve->add_option("--type", rc.type, "edit, read, create or delete")
      ->capture_default_str()
      ->check(CLI::IsMember({"edit", "read", "create", "delete"}));
  auto* shared = rc.reserve->add_flag(
      "--shared", rc.shared, "shared with other shared holders (default for read)");
  auto* exclusive = rc.reserve->add_flag("--exclusive", rc.exclusive,
                                         "exclusive (default except read)");
  shared->excludes(exclusive);
  rc.reserve->add_option("--task", rc.task, "the task it serves");
  rc.reserve->add_option("--reason", rc.reason, "why (shown to others)");

  rc.renew = app.add_subcommand("renew", "extend an agent's reservations");
  rc.renew->add_option("targets", rc.targets,
                       "ids or patterns (default: all the agent's)");

  rc.release = app.add_subcommand("release", "release reservations");
  rc.release->add_option("targets", rc.targets, "ids (res-N) or patterns");
  rc.release->add_flag("--all", rc.all, "every reservation of the agent");
  rc.release->add_flag("--force", rc.force,
                       "take over another agent's reservation (only when it is stale)");
  rc.release->add_option("--older-than", rc.older_than,
                         "clean up: every reservation granted or renewed longer ago than "
                         "this (e.g. 2h), whoever holds it");

  for (auto* c : {rc.reserve, rc.renew, rc.release}) {
    c->add_option("--agent", rc.agent, "the agent")->required(c != rc.release);
    if (c != rc.release)
      c->add_option("--ttl", rc.ttl, "lifetime, e.g. 90s, 30m, 2h")
          ->capture_default_str();
  }

  rc.list = app.add_subcommand("reservations", "active reservations");
  rc.list->add_option("--agent", rc.agent, "one agent's");
  rc.list->add_flag("--expired", rc.expired, "include expired ones not yet swept");

  auto* lease = app.add_subcommand("lease", "hard leases: exclusive, TTL, fencing token");
  lease->require_subcommand(1);
  rc.lease_acquire = lease->add_subcommand("acquire", "take a lease if free or expired");
  rc.lease_renew = lease->add_subcommand("renew", "extend a lease you hold");
  rc.lease_release = lease->add_subcommand("release", "free a lease");
  for (auto* c : {rc.lease_acquire, rc.lease_renew, rc.lease_release}) {
    c->add_option("name", rc.lease_name, "lease name (build slots: slot:<name>)")
        ->required();
    c->add_option("--holder", rc.holder, "who holds it")->required();
    if (c != rc.lease_release)
      c->add_option("--ttl", rc.ttl, "lifetime, e.g. 90s, 30m")->capture_default_str();
    if (c != rc.lease_acquire)
      c->add_option("--token", rc.token, "the fencing token you hold (checked if given)");
    if (c != rc.lease_renew)
      c->add_flag("--force", rc.force, "take over from a stale holder");
  }
  for (auto* c : {rc.release, rc.lease_acquire, rc.lease_release})
    c->add_option("--heartbeat", rc.heartbeat,
                  "with no engine running: the agents' heartbeat interval (default 30s); "
                  "silent for two intervals is stale, so --force may take over");
  rc.lease_list = lease->add_subcommand("list", "leases, with holders and tokens");
  rc.lease_list->add_flag("--all", rc.all, "include free leases");

  for (auto* c : {rc.reserve, rc.renew, rc.release, rc.list, rc.lease_acquire,
                  rc.lease_renew, rc.lease_release, rc.lease_list})
    add_common(c, rc.common);
}

std::optional<int> run_reservation_commands(const reservation_commands& rc) {
  common_flags f = rc.common;
  if (!rc.heartbeat.empty()) {
    auto ms = parse_duration_ms(rc.heartbeat);
    if (!ms || *ms <= 0)
      return usage("--heartbeat takes a positive duration such as 30s");
    f.heartbeat_ms = *ms;
  }
  auto ttl = [&]() -> std::optional<int64_t> {
    auto ms = parse_duration_ms(rc.ttl);
    if (!ms || *ms <= 0) return std::nullopt;
    return ms;
  };
  const char* bad_ttl = "--ttl takes a positive duration such as 90s, 30m or 2h";
  if (rc.reserve->parsed()) {
    auto ms = ttl();
    if (!ms) return usage(bad_ttl);
    reserve_request r;
    r.agent = rc.agent;
    r.patterns = rc.targets;
    r.ttl = std::chrono::milliseconds{*ms};
    r.task = rc.task;
    r.reason = rc.reason;
    if (rc.shared || rc.exclusive) r.exclusive = rc.exclusive;
    auto args = args_of(r);
    pass_name(args, "type", rc.type);
    return print_result(call(f, "reservation.reserve", std::move(args), true), f.json_out,
                        print_grants);
  }
  if (rc.renew->parsed()) {
    auto ms = ttl();
    if (!ms) return usage(bad_ttl);
    std::vector<std::string> ids, patterns;
    split_targets(rc.targets, ids, patterns);
    return print_result(call(f, "reservation.renew",
                             {{"agent", rc.agent},
                              {"ids", json::value_from(ids)},
                              {"patterns", json::value_from(patterns)},
                              {"ttl_ms", *ms}},
                             true),
                        f.json_out, print_reservations);
  }
  if (rc.release->parsed()) {
    if (!rc.older_than.empty()) {
      auto ms = parse_duration_ms(rc.older_than);
      if (!ms) return usage("--older-than takes a duration such as 30m or 2h");
      if (!rc.targets.empty() || rc.all || !rc.agent.empty())
        return usage("--older-than cleans up everyone's old reservations; give it alone");
      return print_result(call(f, "reservation.cleanup", {{"older_than_ms", *ms}}, true),
                          f.json_out, print_released);
    }
    if (rc.agent.empty()) return usage("release needs --agent (or --older-than)");
    if (rc.targets.empty() && !rc.all)
      return usage("say what to release: ids (res-N), patterns, or --all");
    release_request r;
    r.agent = rc.agent;
    split_targets(rc.targets, r.ids, r.patterns);
    r.all = rc.all;
    r.force = rc.force;
    return print_result(call(f, "reservation.release", args_of(r), true), f.json_out,
                        print_released);
  }
  if (rc.list->parsed()) {
    json::object args{{"expired", rc.expired}};
    if (!rc.agent.empty()) args["agent"] = rc.agent;
    return print_result(call(f, "reservation.list", std::move(args), false), f.json_out,
                        print_reservations);
  }
  if (rc.lease_acquire->parsed() || rc.lease_renew->parsed()) {
    auto ms = ttl();
    if (!ms) return usage(bad_ttl);
    const bool acquire = rc.lease_acquire->parsed();
    json::object args{{"name", rc.lease_name}, {"holder", rc.holder}, {"ttl_ms", *ms}};
    if (acquire)
      args["force"] = rc.force;
    else
      args["token"] = rc.token;
    auto r = call(f, acquire ? "lease.acquire" : "lease.renew", std::move(args), true);
    if (r && acquire) {
      auto g = reply_as<lease_grant>(*r);
      if (g && !g->acquired) {
        // Held by someone else: data, not an error — but the command did not get it.
        if (f.json_out) std::cout << json::serialize(*r) << "\n";
        std::cerr << "swarm: lease '" << rc.lease_name << "' is held by " << g->l.holder
                  << " for another " << duration_text(ms_until(g->l.expires))
                  << " (token " << g->l.token << ") [refused]\n";
        return 1;
      }
    }
    return print_result(r, f.json_out, print_one_lease);
  }
  if (rc.lease_release->parsed())
    return print_result(call(f, "lease.release",
                             {{"name", rc.lease_name},
                              {"holder", rc.holder},
                              {"token", rc.token},
                              {"force", rc.force}},
                             true),
                        f.json_out, print_one_lease);
  if (rc.lease_list->parsed())
    return print_result(call(f, "lease.list", {{"all", rc.all}}, false), f.json_out,
                        print_leases);
  return std::nullopt;
}

} // namespace swarm::cli
