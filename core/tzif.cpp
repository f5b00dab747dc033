// Reading TZif files (RFC 8536): the header, the version-1 data block with 32-bit times, and in
// versions 2+ a second header and data block with 64-bit times followed by a POSIX TZ footer. We use
// the 64-bit block whenever it exists. Every count and index is checked before use, so a truncated or
// hostile file is rejected with a message rather than read out of bounds.
#include <stdexcept>

#include "core/timezone.hpp"

namespace tugboat {
namespace {

// RFC 8536 bounds for a local time type's UT offset (just over -25h and under +26h).
constexpr std::int32_t kMinUtoff = -89999, kMaxUtoff = 93599;

struct header {
  char version = 0;
  std::uint32_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;

  // Bytes of the data block that follows, given the size of a time value (4 or 8).
  std::uint64_t block_size(std::uint64_t time_size) const {
    return timecnt * time_size + timecnt + typecnt * std::uint64_t{6} + charcnt + leapcnt * (time_size + 4) +
           isstdcnt + isutcnt;
  }
};

class reader {
 public:
  reader(std::string_view bytes, const std::string& name) : bytes_(bytes), name_(name) {}

  [[noreturn]] void bad(std::string_view why) const {
    throw std::runtime_error("time zone \"" + name_ + "\" is not a valid TZif file: " + std::string(why));
  }
  void need(std::uint64_t n) const {
    if (bytes_.size() - pos_ < n) bad("truncated");
  }
  void skip(std::uint64_t n) {
    need(n);
    pos_ += static_cast<std::size_t>(n);
  }
  std::uint8_t u8() {
    need(1);
    return static_cast<std::uint8_t>(bytes_[pos_++]);
  }
  std::uint64_t big_endian(int n) {
    need(static_cast<std::uint64_t>(n));
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<std::uint8_t>(bytes_[pos_++]);
    return v;
  }
  std::uint32_t u32() { return static_cast<std::uint32_t>(big_endian(4)); }
  std::int64_t time(std::uint64_t size) {
    return size == 8 ? static_cast<std::int64_t>(big_endian(8)) : std::int64_t{static_cast<std::int32_t>(u32())};
  }

  header read_header() {
    need(44);
    if (bytes_.substr(pos_, 4) != "TZif") bad("missing TZif magic");
    header h;
    h.version = bytes_[pos_ + 4];
    if (h.version != '\0' && (h.version < '2' || h.version > '4')) bad("unsupported version");
    skip(20);
    h.isutcnt = u32();
    h.isstdcnt = u32();
    h.leapcnt = u32();
    h.timecnt = u32();
    h.typecnt = u32();
    h.charcnt = u32();
    if (h.typecnt == 0 || h.typecnt > 256) bad("local time type count out of range");
    if (h.charcnt == 0) bad("no time zone abbreviations");
    if ((h.isutcnt != 0 && h.isutcnt != h.typecnt) || (h.isstdcnt != 0 && h.isstdcnt != h.typecnt))
      bad("standard/UT indicator counts do not match the type count");
    // Leap-second zones ("right/...") count TAI-like seconds; our instants are POSIX time.
    if (h.leapcnt != 0) bad("leap-second zones (\"right/...\") are not supported");
    return h;
  }

  std::string_view rest_line() {
    auto end = bytes_.find('\n', pos_);
    if (end == std::string_view::npos) bad("footer is not newline-terminated");
    auto line = bytes_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return line;
  }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
  const std::string& name_;
};

}  // namespace

std::shared_ptr<const time_zone> time_zone::from_tzif(std::string name, std::string_view bytes) {
  reader r(bytes, name);
  header h = r.read_header();
  std::uint64_t time_size = 4;
  if (h.version != '\0') {
    r.skip(h.block_size(4));  // the version-1 block; the 64-bit block after it says the same and more
    header h2 = r.read_header();
    if (h2.version != h.version) r.bad("second header's version differs from the first");
    h = h2;
    time_size = 8;
  }
  r.need(h.block_size(time_size));

  std::vector<std::int64_t> transitions(h.timecnt);
  for (auto& t : transitions) t = r.time(time_size);
  for (std::size_t i = 1; i < transitions.size(); ++i)
    if (transitions[i] <= transitions[i - 1]) r.bad("transition times are not ascending");
  std::vector<std::uint8_t> type_of(h.timecnt);
  for (auto& i : type_of) {
    i = r.u8();
    if (i >= h.typecnt) r.bad("transition refers to a missing local time type");
  }

  struct raw_type {
    std::int32_t utoff;
    bool is_dst;
    std::uint8_t abbreviation_index;
  };
  std::vector<raw_type> raw(h.typecnt);
  for (auto& t : raw) {
    t.utoff = static_cast<std::int32_t>(r.u32());
    if (t.utoff < kMinUtoff || t.utoff > kMaxUtoff) r.bad("UT offset out of range");
    auto dst = r.u8();
    if (dst > 1) r.bad("DST flag is not 0 or 1");
    t.is_dst = dst == 1;
    t.abbreviation_index = r.u8();
    if (t.abbreviation_index >= h.charcnt) r.bad("abbreviation index out of range");
  }
  std::string chars(h.charcnt, '\0');
  for (auto& c : chars) c = static_cast<char>(r.u8());
  std::vector<local_type> types;
  for (const auto& t : raw) {
    auto end = chars.find('\0', t.abbreviation_index);
    if (end == std::string::npos) r.bad("abbreviation is not NUL-terminated");
    types.push_back({t.utoff, t.is_dst, chars.substr(t.abbreviation_index, end - t.abbreviation_index)});
  }
  r.skip(std::uint64_t{h.isstdcnt} + h.isutcnt);  // only needed to build POSIX TZ rules from files

  std::optional<posix_tz> footer;
  if (time_size == 8) {
    if (r.u8() != '\n') r.bad("footer does not start with a newline");
    auto text = r.rest_line();
    if (!text.empty()) {
      try {
        footer = posix_tz::parse(text);
      } catch (const std::invalid_argument& e) {
        r.bad(e.what());
      }
    }
  }
  return std::shared_ptr<const time_zone>(new time_zone(std::move(name), std::move(transitions), std::move(type_of),
                                                        std::move(types), std::move(footer)));
}

}  // namespace tugboat
