#include "bot/people.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <optional>
#include <utility>

#include "core/log.hpp"
#include "core/text.hpp"
#include "slack/api_error.hpp"
#include "slack/ids.hpp"

// GCC 12 destroys twice a temporary built inside a co_await expression (and the result of a co_await
// inside ?:): arguments are named locals, results land in named locals, and no co_await sits in a catch.
namespace tugboat::bot {
namespace {

namespace asio = boost::asio;
constexpr std::string_view kLog = "people";

enum class key_kind { email, handle, user_id, other };

key_kind kind_of(std::string_view key) {
  if (key.size() > 1 && key.front() == '@') return key_kind::handle;
  if (slack::looks_like_user_id(key)) return key_kind::user_id;
  const auto at = key.find('@');
  if (at != std::string_view::npos && at > 0 && at + 1 < key.size()) return key_kind::email;
  return key_kind::other;
}

std::string normalise(std::string_view key) {
  key = text::trim(key);
  return slack::looks_like_user_id(key) ? std::string(key) : text::to_lower(key);
}

store::person_entry profile_entry(const slack::user_info& u, long long now) {
  return {u.id.str(), u.id.str(), u.real_name.empty() ? u.name : u.real_name, u.tz, u.tz_offset, now};
}

store::person_entry not_found_entry(std::string key, long long now) {
  return {std::move(key), "", "", "", 0, now};
}

void apply(person& p, const store::person_entry& e) {
  p.name = e.name;
  p.tz = e.tz;
  p.tz_offset = e.tz_offset;
}

}  // namespace

people_resolver::people_resolver(slack::web_api& api, store::people& cache,
                                 std::map<std::string, std::string> owners, const clock& clock,
                                 store::people_ttl ttl)
    : api_(api), cache_(cache), owners_(std::move(owners)), clock_(clock), ttl_(ttl) {}

asio::awaitable<std::vector<person>> people_resolver::resolve(std::vector<std::string> keys) {
  std::map<std::string, person, std::less<>> resolved;  // by normalised key
  std::vector<person> out;
  out.reserve(keys.size());
  for (auto& key : keys) {
    auto normal = normalise(key);
    auto it = resolved.find(normal);
    if (it == resolved.end()) {
      person p = co_await shared_resolve(normal);
      it = resolved.emplace(std::move(normal), std::move(p)).first;
    }
    out.push_back(it->second);
    out.back().key = std::move(key);
  }
  co_return out;
}

asio::awaitable<person> people_resolver::shared_resolve(std::string normal) {
  if (auto it = in_flight_.find(normal); it != in_flight_.end()) {
    auto shared = it->second;
    while (!shared->finished) {
      boost::system::error_code ec;
      co_await shared->done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    // The first resolve failed on something not about this person (shutdown, the store): try ourselves.
    if (!shared->failed) co_return shared->result;
  }
  const auto executor = co_await asio::this_coro::executor;
  auto mine = std::make_shared<flight>(executor);
  mine->done.expires_at(asio::steady_timer::time_point::max());
  in_flight_.insert_or_assign(normal, mine);
  person p;
  p.key = normal;
  std::exception_ptr failure;
  try {
    co_await resolve_one(p);
  } catch (...) {
    failure = std::current_exception();
  }
  if (auto it = in_flight_.find(normal); it != in_flight_.end() && it->second == mine) in_flight_.erase(it);
  mine->finished = true;
  mine->failed = failure != nullptr;
  mine->result = p;
  mine->done.cancel();
  if (failure) std::rethrow_exception(failure);
  co_return p;
}

asio::awaitable<void> people_resolver::resolve_one(person& p) {
  const auto kind = kind_of(p.key);
  p.source = "unknown";
  if (kind == key_kind::handle || kind == key_kind::email) {
    if (auto owner = owners_.find(p.key); owner != owners_.end()) {
      p.user = owner->second;
      p.source = "owners";
    }
  }
  if (p.user.empty() && kind == key_kind::email) {
    const auto cached = cache_.get(p.key);
    if (!cached || !cached->fresh_at(clock_.now(), ttl_)) {
      co_await look_up_email(p);
      co_return;
    }
    if (!cached->found()) co_return;
    p.user = cached->user_id;
    p.source = "cache";
  }
  if (p.user.empty() && kind == key_kind::user_id) {
    p.user = p.key;
    p.source = "id";
  }
  if (p.user.empty()) co_return;  // an @handle not in [owners], or not a key at all

  const bool exists = co_await fill_profile(p);
  if (!exists) {
    if (p.source == "owners")
      log::warn(kLog, "[owners] maps {} to {}, which Slack does not know", p.key, p.user);
    p.user.clear();
    p.source = "unknown";
  }
}

asio::awaitable<void> people_resolver::look_up_email(person& p) {
  std::optional<slack::user_info> info;
  try {
    std::string email = p.key;
    info = co_await api_.users_lookup_by_email(std::move(email));
  } catch (const slack::api_error& e) {
    p.error = e.what();
  }
  if (!p.error.empty()) {
    log::warn(kLog, "cannot look {} up: {}", p.key, p.error);
    co_return;
  }
  const auto now = to_unix_ms(clock_.now());
  if (!info || info->deleted) {
    cache_.put(not_found_entry(p.key, now));
    co_return;
  }
  const auto profile = profile_entry(*info, now);
  cache_.put({p.key, profile.user_id, "", "", 0, now});
  cache_.put(profile);
  p.user = profile.user_id;
  p.source = "lookup";
  apply(p, profile);
}

asio::awaitable<bool> people_resolver::fill_profile(person& p) {
  auto entry = cache_.get(p.user);
  if (!entry || !entry->fresh_at(clock_.now(), ttl_)) {
    std::optional<slack::user_info> info;
    try {
      const slack::user_id id{p.user};
      info = co_await api_.users_info(id);
    } catch (const slack::api_error& e) {
      if (e.code() != "user_not_found") p.error = e.what();
    }
    if (!p.error.empty()) {
      log::warn(kLog, "no time zone for {}: {}", p.user, p.error);
      co_return true;
    }
    const auto now = to_unix_ms(clock_.now());
    if (info && !info->deleted) {
      entry = profile_entry(*info, now);
    } else {
      entry = not_found_entry(p.user, now);
    }
    cache_.put(*entry);
  }
  if (!entry->found()) co_return false;
  apply(p, *entry);
  co_return true;
}

}  // namespace tugboat::bot
