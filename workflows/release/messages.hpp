#pragma once
// The release thread's messages: the status root, the QA summary, the owners' tags with their buttons,
// reminders, the ready summary and the announcement. Pure text and Block Kit; any thread.
#include <string>
#include <vector>

#include "slack/blocks.hpp"
#include "workflows/engine/workflow.hpp"
#include "workflows/release/items.hpp"
#include "workflows/release/release.hpp"

namespace tugboat::workflows::release {

struct rendered {
  std::string text;  // fallback and notification text
  std::vector<slack::block> blocks;
};

// The status message (the thread's root) for a run in `state` with `data`.
rendered status_message(const run& r, const std::string& state, const store::fields& data, const release_items& s);
// The QA summary of a round (round 1: everything; later rounds: what changed).
rendered qa_summary(const run& r, const qa_outcome& qa, const release_items& s, const std::vector<int>& added,
                    int round, int now_passing);
// One owner's items with On it / Fixed / Not mine buttons. `user` empty: nobody owns them.
rendered owner_tag(const run& r, const release_settings& cfg, const std::string& user,
                   const std::vector<const item*>& items, bool handed_over);
// Pre-existing failures (listed, nobody pinged) and flaky tests (their CODEOWNERS mentioned).
rendered known_failures(const run& r, const release_settings& cfg, const std::vector<const item*>& pre_existing,
                        const std::vector<const item*>& flaky);
// `in_dm`: sent to the owner's DM, so it says where the release's thread is.
rendered reminder(const run& r, const std::string& user, const std::vector<const item*>& open, int count,
                  const std::string& escalate_to, bool in_dm = false);
rendered ready_message(const run& r, const release_items& s, bool with_button, const std::string& started_by);
rendered failure_notice(const run& r, const std::string& what, const std::string& details, const std::string& button_label);

// "`abc1234` Subject (src/file.cpp:42)", the sha a link when `commit_url` is set.
std::string evidence_text(const evidence_line& e, const std::string& commit_url);
// "suite::name" shown for a test.
std::string test_label(const item& i);

}  // namespace tugboat::workflows::release
