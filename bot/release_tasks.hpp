#pragma once
// The bot's side of the release workflow's tasks: registers the git and QA tasks (workflows/release/
// tasks.hpp) with the job runner, and the people task, which turns owners' git identities into Slack
// users with the people resolver. Loop thread only.
#include "bot/people.hpp"
#include "workflows/engine/job_runner.hpp"

namespace tugboat::bot {

void add_release_tasks(workflows::job_runner& jobs, people_resolver& people);

}  // namespace tugboat::bot
