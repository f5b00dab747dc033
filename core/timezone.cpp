#include "core/timezone.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace tugboat {
namespace {

constexpr std::size_t kMaxNameLength = 255;
constexpr std::uintmax_t kMaxFileSize = 1 << 20;  // real zone files are a few KiB
constexpr std::int64_t kMaxOffset = 26 * 3600;

std::int64_t unix_seconds(sys_time t) {
  return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

// The name as it may appear in an error message: printable ASCII, bounded length.
std::string printable(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, 80)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (name.size() > 80) out += "...";
  return out;
}

bool is_safe_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength || name.front() == '/') return false;
  for (char c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '+' || c == '-' || c == '/';
    if (!ok) return false;
  }
  std::size_t start = 0;
  while (start <= name.size()) {
    auto end = std::min(name.find('/', start), name.size());
    auto part = name.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

std::filesystem::path zone_directory() {
  const char* dir = std::getenv("TZDIR");
  return (dir != nullptr && *dir != '\0') ? std::filesystem::path(dir) : std::filesystem::path("/usr/share/zoneinfo");
}

}  // namespace

time_zone::time_zone(std::string name, std::vector<std::int64_t> transitions, std::vector<std::uint8_t> type_of,
                     std::vector<local_type> types, std::optional<posix_tz> footer)
    : name_(std::move(name)),
      transitions_(std::move(transitions)),
      type_of_(std::move(type_of)),
      types_(std::move(types)),
      footer_(std::move(footer)) {}

std::shared_ptr<const time_zone> time_zone::load(std::string_view name) {
  if (!is_safe_name(name))
    throw std::runtime_error("invalid time zone name \"" + printable(name) +
                             "\" (expected something like Europe/Berlin)");
  const auto path = zone_directory() / std::string(name);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw std::runtime_error("unknown time zone \"" + std::string(name) + "\" (no such file " + path.string() + ")");
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw std::runtime_error("cannot read time zone file " + path.string() + ": " + ec.message());
  if (size > kMaxFileSize)
    throw std::runtime_error("time zone \"" + std::string(name) + "\" is not a valid TZif file: " + path.string() +
                             " is too large");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in) throw std::runtime_error("cannot read time zone file " + path.string());
  return from_tzif(std::string(name), bytes.str());
}

std::shared_ptr<const time_zone> time_zone::get(std::string_view name) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const time_zone>, std::less<>> cache;
  std::lock_guard lock(mutex);
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  auto zone = load(name);  // under the lock: files are small, and each is read exactly once
  cache.emplace(std::string(name), zone);
  return zone;
}

std::shared_ptr<const time_zone> time_zone::from_posix(std::string_view rule) {
  auto footer = posix_tz::parse(rule);
  std::vector<local_type> types{{footer.std_utoff(), false, footer.std_abbreviation()}};
  return std::shared_ptr<const time_zone>(new time_zone(std::string(rule), {}, {}, std::move(types), std::move(footer)));
}

std::shared_ptr<const time_zone> time_zone::fixed(std::chrono::seconds offset) {
  const auto s = offset.count();
  if (s < -kMaxOffset || s > kMaxOffset)
    throw std::invalid_argument(fmt::format("UTC offset of {}s is out of range (at most ±26 hours)", s));
  if (s == 0) return utc();
  const auto a = s < 0 ? -s : s;
  auto name = fmt::format("UTC{}{:02}:{:02}", s < 0 ? '-' : '+', a / 3600, a / 60 % 60);
  if (a % 60 != 0) name += fmt::format(":{:02}", a % 60);
  std::vector<local_type> types{{static_cast<std::int32_t>(s), false, name}};
  return std::shared_ptr<const time_zone>(new time_zone(name, {}, {}, std::move(types), std::nullopt));
}

std::shared_ptr<const time_zone> time_zone::utc() {
  static const std::shared_ptr<const time_zone> zone(
      new time_zone("UTC", {}, {}, std::vector<local_type>{{0, false, "UTC"}}, std::nullopt));
  return zone;
}

std::shared_ptr<const time_zone> time_zone::for_slack_user(std::string_view tz, std::chrono::seconds tz_offset) {
  if (!tz.empty()) {
    try {
      return get(tz);
    } catch (const std::runtime_error&) {
      // Unknown or unreadable here (an old tzdata, a client's odd name): the offset is still right today.
    }
  }
  return fixed(tz_offset);
}

posix_tz::period time_zone::period_at(std::int64_t t) const {
  auto from_type = [](const local_type& type, std::int64_t begin, std::int64_t end) {
    return posix_tz::period{begin, end, type.utoff, type.is_dst, &type.abbreviation};
  };
  if (transitions_.empty()) return footer_ ? footer_->at(t) : from_type(types_.front(), posix_tz::kMin, posix_tz::kMax);
  if (t < transitions_.front()) return from_type(types_.front(), posix_tz::kMin, transitions_.front());
  if (footer_ && t >= transitions_.back()) {
    auto p = footer_->at(t);
    p.begin = std::max(p.begin, transitions_.back());
    return p;
  }
  auto next = std::upper_bound(transitions_.begin(), transitions_.end(), t);
  auto i = static_cast<std::size_t>(next - transitions_.begin()) - 1;
  return from_type(types_[type_of_[i]], transitions_[i], next == transitions_.end() ? posix_tz::kMax : *next);
}

std::chrono::seconds time_zone::offset_at(sys_time t) const {
  return std::chrono::seconds{period_at(unix_seconds(t)).utoff};
}

std::string time_zone::abbreviation_at(sys_time t) const { return *period_at(unix_seconds(t)).abbreviation; }

bool time_zone::is_dst_at(sys_time t) const { return period_at(unix_seconds(t)).is_dst; }

local_seconds time_zone::to_local(sys_time t) const {
  const auto s = unix_seconds(t);
  return local_seconds{std::chrono::seconds{s + period_at(s).utoff}};
}

sys_time time_zone::from_local(local_seconds local, choose which) const {
  // Every instant showing `local` lies within a day and a bit of it (offsets are under 26 hours), so
  // walk the periods covering that span and keep those in which `local - offset` falls.
  constexpr std::int64_t kSpan = kMaxOffset + 3600;
  const std::int64_t l = local.time_since_epoch().count();
  std::optional<std::int64_t> earliest, latest, after_gap;
  auto p = period_at(l - kSpan);
  for (int guard = 0; guard < 64; ++guard) {
    const std::int64_t u = l - p.utoff;
    if (u >= p.begin && u < p.end) {
      if (!earliest) earliest = u;
      latest = u;
    } else if (u < p.begin && !after_gap) {
      after_gap = p.begin;  // the clocks jumped from before `local` to after it at p.begin
    }
    if (p.end == posix_tz::kMax || p.end > l + kSpan) break;
    p = period_at(p.end);
  }
  std::int64_t u = 0;
  if (earliest) {
    u = which == choose::earliest ? *earliest : *latest;
  } else if (after_gap) {
    u = *after_gap;
  } else {
    u = l - period_at(l).utoff;  // unreachable for well-formed data; stay total rather than throw
  }
  return sys_time{std::chrono::seconds{u}};
}

}  // namespace tugboat
