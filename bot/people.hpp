#pragma once
// Who an owner is on Slack. A failing test's owner arrives as a git email, a CODEOWNERS "@handle"
// ("@alice", "@org/team") or email, or already as a Slack user ID; the release workflow needs the Slack
// user to tag and their time zone to remind them within working hours. In order:
//   1. the config's [owners] table (emails and @handles, case-insensitive);
//   2. for emails: the cache (store::people), then users.lookupByEmail — found and not-found answers
//      are both cached, for `ttl.positive` and `ttl.negative`;
//   3. for every Slack user found: name and time zone from the cache, else users.info (cached the same way).
// An @handle not in [owners] stays unknown (Slack cannot look handles up). A failed Slack call (rate
// limit exhausted, network, missing scope) sets that person's `error`, is not cached, and never fails
// the other keys.
//
// Concurrent resolves share work: a key being looked up for one release is waited for, not looked up
// again, by every other release that needs it at the same time (200 releases starting together cost one
// users.lookupByEmail per person, not 200).
//
// Threading and ownership: loop-thread only. The resolver borrows the web_api, the cache and the clock,
// which must outlive it and every resolve in flight. `resolve` throws only what is not about one person:
// SQLite::Exception from the store, and boost::system::system_error when shutdown cancels a wait.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "slack/web_api.hpp"
#include "store/people.hpp"
#include "workflows/release/people_codec.hpp"

namespace tugboat::bot {

using workflows::person;

class people_resolver {
 public:
  // `owners`: config::owners (keys lower-cased emails and @handles, values Slack user IDs).
  people_resolver(slack::web_api& api, store::people& cache, std::map<std::string, std::string> owners,
                  const clock& clock, store::people_ttl ttl = {});

  // One person per key, in order, each with `key` as given. Keys that are equal once normalised
  // (surrounding spaces trimmed, emails and @handles lower-cased) are resolved once.
  boost::asio::awaitable<std::vector<person>> resolve(std::vector<std::string> keys);

 private:
  // resolve_one, or the result of the same key's resolve already in flight.
  boost::asio::awaitable<person> shared_resolve(std::string normal);
  boost::asio::awaitable<void> resolve_one(person& p);
  boost::asio::awaitable<void> look_up_email(person& p);
  // Fills name and time zone of p.user; false when Slack says there is no such user.
  boost::asio::awaitable<bool> fill_profile(person& p);

  slack::web_api& api_;
  store::people& cache_;
  std::map<std::string, std::string> owners_;
  const clock& clock_;
  store::people_ttl ttl_;

  struct flight {
    explicit flight(const boost::asio::any_io_executor& ex) : done(ex) {}
    boost::asio::steady_timer done;  // cancelled when the result is in
    bool finished = false;
    bool failed = false;
    person result;
  };
  std::map<std::string, std::shared_ptr<flight>, std::less<>> in_flight_;
};

}  // namespace tugboat::bot
