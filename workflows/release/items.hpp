#pragma once
// What a release run knows about its QA failures, kept in the run's data as JSON: the items (one per
// failed or flaky test) with their candidates, owner and state, and the people the candidates resolved
// to. Built from the triage task's output, merged again on every recheck. Pure, any thread.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/fields.hpp"

namespace tugboat::workflows::release {

struct evidence_line {
  std::string commit;  // full SHA; empty for CODEOWNERS evidence
  std::string short_sha;
  std::string subject;
  std::string file;
  int line = 0;
  std::string signal;  // exact_line, nearby_line, …, codeowners, frequent_author
};

struct candidate {
  std::string key;   // an email or a CODEOWNERS @handle: how people are looked up
  std::string name;  // for display when the key resolves to nobody
};

// Item states: open and on_it are open; fixed (a click) and passing (a recheck) are closed.
struct item {
  int id = 0;
  std::string classname;
  std::string name;
  std::string cls;  // new | pre_existing | flaky
  std::string message;
  std::string confidence;  // high | medium | low | ""
  std::vector<evidence_line> evidence;
  std::vector<candidate> candidates;  // strongest first
  std::size_t tried = 0;              // candidates already asked (the owner is candidates[tried - 1])
  std::string owner;                  // Slack user ID the item is assigned to; "" for unowned
  bool to_manager = false;            // no candidate resolved (or all said Not mine)
  std::string state = "open";
  std::string by;    // who closed it or said On it
  std::string note;  // the last hand-over, e.g. "<@U1> said not mine"
  int round = 1;     // the QA round that found it
  std::string slot;  // the message that lists it (its buttons)

  bool closed() const { return state == "fixed" || state == "passing"; }
  std::string test_id() const { return classname + "::" + name; }
};

// A git identity (or @handle) as Slack knows it.
struct who {
  std::string user;  // "" when nobody matched
  std::string tz;    // IANA name, e.g. "Europe/Berlin"; "" unknown
  int tz_offset = 0; // seconds east of UTC, when tz is unknown to this machine
};

struct release_items {
  std::vector<item> items;
  std::map<std::string, who, std::less<>> people;  // key (lower-cased email, @handle, or user ID) → who
  std::map<std::string, int, std::less<>> reminders;  // user → reminders sent since their last change

  // What is known of Slack user `user` (its time zone), from any key that resolved to it.
  const who* person_of(std::string_view user) const;
  const item* find(int id) const;
  item* find(int id);
  // The open items assigned to `user` that are new failures (the ones people are pinged about).
  std::vector<const item*> open_for(std::string_view user) const;
  // Users with open new-failure items, in first-assigned order.
  std::vector<std::string> owners_with_open_items() const;
  bool all_closed() const;  // every new failure item is closed (pre-existing and flaky don't block)
  int next_id() const;
};

release_items load_items(const store::fields& data);
void save_items(const release_items& s, store::fields& data);

// What the triage task reports, as the workflow needs it.
struct qa_failure {
  std::string classname, name, cls, message, confidence;
  std::vector<evidence_line> evidence;
  std::vector<candidate> candidates;
};
struct qa_outcome {
  int tests = 0, passed = 0, failed = 0, flaky = 0, skipped = 0, new_failures = 0, pre_existing = 0;
  std::vector<qa_failure> failures;
  std::vector<std::string> warnings;
};
// Throws std::runtime_error for output that is not the triage task's JSON.
qa_outcome parse_qa_outcome(std::string_view json);

// Merges a QA round into the items: failures not seen before become new items of `round`; open items
// whose test no longer fails become `passing`. Returns the ids of the new items.
std::vector<int> merge_round(release_items& s, const qa_outcome& qa, int round);

// The identities to look up for `ids` (their candidates), without duplicates.
std::vector<std::string> lookup_keys(const release_items& s, const std::vector<int>& ids);

// Lower-cases emails; leaves @handles and user IDs as they are.
std::string people_key(std::string_view key);

}  // namespace tugboat::workflows::release
