#include "bot/release_tasks.hpp"

#include "core/text.hpp"
#include "workflows/release/items.hpp"
#include "workflows/release/release.hpp"
#include "workflows/release/tasks.hpp"

namespace tugboat::bot {
namespace {

namespace asio = boost::asio;

// Input: one key per line (emails, @handles, user IDs). Output: the workflow's people map as JSON,
// key → {user, tz, tz_offset}; unknown people have an empty user. Failed lookups are listed as unknown:
// their items go to the release manager rather than waiting on Slack.
asio::awaitable<store::job_result> resolve_people(people_resolver& resolver, store::job_row job) {
  auto keys = text::split_lines(job.spec.input);
  auto found = co_await resolver.resolve(std::move(keys));
  workflows::release::release_items s;
  std::string errors;
  for (const auto& p : found) {
    s.people[workflows::release::people_key(p.key)] = {p.user, p.tz, p.tz_offset};
    if (!p.error.empty()) errors += p.key + ": " + p.error + "\n";
  }
  store::fields out;
  workflows::release::save_items(s, out);
  store::job_result result;
  result.exit_code = 0;
  result.output = out["people"];
  result.error = errors;
  co_return result;
}

}  // namespace

void add_release_tasks(workflows::job_runner& jobs, people_resolver& people) {
  jobs.add_task(std::string(workflows::kPrepareTask), workflows::release::prepare_task);
  jobs.add_task(std::string(workflows::kTriageTask), workflows::release::triage_task);
  jobs.add_async_task(std::string(workflows::kPeopleTask),
                      [&people](store::job_row job) { return resolve_people(people, std::move(job)); });
}

}  // namespace tugboat::bot
