#include "slack/emulator/socket_mode.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>

#include "core/log.hpp"
#include "slack/emulator/events.hpp"
#include "slack/emulator/json_shapes.hpp"

namespace tugboat::slack::emu {
namespace {

constexpr std::size_t kFloodWindow = 256;       // full speed: at most this many flood frames not yet written
constexpr std::size_t kDuplicateMemory = 4096;  // envelopes remembered for duplicate()

const char* kind_name(envelope_kind k) {
  switch (k) {
    case envelope_kind::events_api:
      return "events_api";
    case envelope_kind::slash_commands:
      return "slash_commands";
    case envelope_kind::interactive:
      return "interactive";
  }
  return "events_api";
}

std::string envelope_frame(envelope_kind kind, const std::string& envelope_id, const std::string& payload,
                           int retry_attempt) {
  std::string f;
  f.reserve(payload.size() + 200);
  f += R"({"envelope_id":")";
  f += envelope_id;  // a UUID: nothing to escape
  f += R"(","payload":)";
  f += payload;
  f += R"(,"type":")";
  f += kind_name(kind);
  f += R"(","accepts_response_payload":)";
  f += kind == envelope_kind::events_api ? "false" : "true";
  if (kind == envelope_kind::events_api) {
    f += fmt::format(R"(,"retry_attempt":{},"retry_reason":"{}")", retry_attempt,
                     retry_attempt > 0 ? "timeout" : "");
  }
  f += '}';
  return f;
}

std::string disconnect_frame(disconnect_reason r, std::uint64_t link) {
  return fmt::format(R"({{"type":"disconnect","reason":"{}","debug_info":{{"host":"applink-emulator-{}"}}}})",
                     to_string(r), link);
}

}  // namespace

socket_hub::socket_hub(boost::asio::io_context& ioc, const emulator_settings& settings, workspace& ws)
    : ioc_(ioc),
      settings_(settings),
      ws_(ws),
      ack_timeout_(settings.ack_timeout),
      timer_(ioc),
      flood_timer_(ioc) {}

socket_hub::~socket_hub() = default;

std::string socket_hub::new_ticket() {
  auto t = ws_.next_envelope_id();
  tickets_.insert(t);
  return t;
}

bool socket_hub::take_ticket(std::string_view ticket) {
  auto it = tickets_.find(std::string(ticket));
  if (it == tickets_.end()) {
    ++tickets_rejected_;
    return false;
  }
  tickets_.erase(it);
  return true;
}

void socket_hub::on_open(std::shared_ptr<socket_link> link) {
  ++opened_;
  if (static_cast<int>(conns_.size()) >= settings_.max_sockets) {
    log::warn("emulator", "socket {} refused: too_many_websockets", link->id());
    link->send(disconnect_frame(disconnect_reason::too_many_websockets, link->id()), false, {});
    link->close();
    return;
  }
  conns_.push_back({link, false});
  link->send(
      fmt::format(
          R"({{"type":"hello","num_connections":{},"debug_info":{{"host":"applink-emulator-{}",)"
          R"("build_number":1,"approximate_connection_time":18060}},"connection_info":{{"app_id":{}}}}})",
          conns_.size(), link->id(), json_quote(settings_.app_id)),
      false, {});
  ++hellos_;
  log::debug("emulator", "socket {} open ({} open)", link->id(), conns_.size());
  // Events that waited for a socket go out now, oldest first.
  auto waiting = std::move(pending_);
  pending_.clear();
  for (auto& q : waiting) deliver(std::move(q));
  if (on_connections_changed) on_connections_changed();
}

void socket_hub::on_closed(std::uint64_t link) {
  auto it = std::find_if(conns_.begin(), conns_.end(), [&](const conn& c) { return c.link->id() == link; });
  if (it == conns_.end()) return;
  conns_.erase(it);
  log::debug("emulator", "socket {} closed ({} open)", link, conns_.size());
  // Frames that never made it onto the wire are lost with the socket; their ack deadline starts now.
  auto now = steady::now();
  for (auto& [id, o] : outstanding_) {
    if (o.link == link && !o.is_written) {
      o.is_written = true;
      o.written = now;
      deadlines_.emplace_back(now + ack_timeout_, id);
      if (o.flood && flood_unwritten_ > 0) --flood_unwritten_;
    }
  }
  arm_timer();
  if (on_connections_changed) on_connections_changed();
  if (flood_active_) pump_flood();
}

void socket_hub::on_bad_frame(std::uint64_t link) {
  ++malformed_in_;
  log::warn("emulator", "socket {} sent a frame that is not a JSON text frame", link);
}

void socket_hub::on_text(std::uint64_t link, std::string_view frame) {
  auto now = steady::now();
  rapidjson::Document d;
  d.Parse(frame.data(), frame.size());
  if (d.HasParseError() || !d.IsObject()) return on_bad_frame(link);
  auto id = d.FindMember("envelope_id");
  if (id == d.MemberEnd() || !id->value.IsString()) return on_bad_frame(link);
  auto it = outstanding_.find(std::string(id->value.GetString(), id->value.GetStringLength()));
  if (it == outstanding_.end()) {
    ++unknown_acks_;
    return;
  }
  auto& o = it->second;
  double us = o.is_written ? std::chrono::duration<double, std::micro>(now - o.written).count() : 0.0;
  ++acked_;
  latency_us_.push_back(us);
  if (o.flood) {
    ++flood_acked_;
    flood_latency_us_.push_back(us);
    flood_last_ack_ = now;
    if (!o.is_written && flood_unwritten_ > 0) --flood_unwritten_;
  }
  outstanding_.erase(it);
  if (flood_active_) pump_flood();
}

void socket_hub::on_written(std::uint64_t link, const std::string& envelope_id) {
  auto it = outstanding_.find(envelope_id);
  if (it == outstanding_.end() || it->second.link != link || it->second.is_written) return;
  auto now = steady::now();
  it->second.is_written = true;
  it->second.written = now;
  deadlines_.emplace_back(now + ack_timeout_, envelope_id);
  arm_timer();
  if (it->second.flood) {
    if (flood_unwritten_ > 0) --flood_unwritten_;
    if (flood_active_) pump_flood();
  }
}

socket_hub::conn* socket_hub::pick(std::uint64_t avoid) {
  if (conns_.empty()) return nullptr;
  // Round robin over sockets that are not draining and, for a redelivery, not the one that failed.
  for (int pass = 0; pass < 3; ++pass) {
    for (std::size_t i = 0; i < conns_.size(); ++i) {
      auto& c = conns_[(next_ + i) % conns_.size()];
      if (pass == 0 && (c.draining || c.link->id() == avoid)) continue;
      if (pass == 1 && c.draining) continue;
      next_ = (next_ + i + 1) % conns_.size();
      return &c;
    }
  }
  return nullptr;
}

void socket_hub::deliver(queued q) {
  if (q.envelope_id.empty()) q.envelope_id = ws_.next_envelope_id();
  auto* c = pick(q.avoid_link);
  if (c == nullptr) {
    pending_.push_back(std::move(q));
    return;
  }
  auto envelope_id = std::move(q.envelope_id);
  auto frame = envelope_frame(q.kind, envelope_id, *q.payload, q.retry_attempt);
  outstanding_.emplace(
      envelope_id,
      outstanding{
          q.kind, q.payload, std::move(q.event_id), q.retry_attempt, c->link->id(), {}, false, q.flood});
  ++sent_;
  c->link->send(std::move(frame), false, envelope_id);
}

std::string socket_hub::push(envelope_kind kind, std::string payload_json, std::string event_id) {
  auto envelope_id = ws_.next_envelope_id();
  deliver({kind, envelope_id, std::make_shared<const std::string>(std::move(payload_json)),
           std::move(event_id), 0, 0, false});
  return envelope_id;
}

void socket_hub::arm_timer() {
  if (deadlines_.empty()) return;
  auto at = deadlines_.front().first;
  if (timer_armed_ && timer_at_ <= at) return;
  timer_armed_ = true;
  timer_at_ = at;
  timer_.expires_at(at);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;  // re-armed or shut down
    timer_armed_ = false;
    on_timer();
  });
}

void socket_hub::on_timer() {
  auto now = steady::now();
  while (!deadlines_.empty() && deadlines_.front().first <= now) {
    auto id = std::move(deadlines_.front().second);
    deadlines_.pop_front();
    auto it = outstanding_.find(id);
    if (it == outstanding_.end()) continue;  // acked in time
    auto o = std::move(it->second);
    outstanding_.erase(it);
    if (o.kind != envelope_kind::events_api) continue;  // slash commands and clicks are not retried
    if (o.retry_attempt >= settings_.max_retries) {
      ++given_up_;
      log::warn("emulator", "event {} was never acked; giving up after {} retries", o.event_id,
                o.retry_attempt);
      continue;
    }
    ++redelivered_;
    deliver({o.kind, {}, o.payload, o.event_id, o.retry_attempt + 1, o.link, o.flood});
  }
  arm_timer();
}

socket_hub::conn* socket_hub::at(int index) {
  if (conns_.empty() || index < 0) return nullptr;
  return &conns_[static_cast<std::size_t>(index) % conns_.size()];
}

void socket_hub::drop_all() {
  auto all = conns_;
  for (auto& c : all) c.link->drop();
}

void socket_hub::disconnect(disconnect_reason reason, int index) {
  std::vector<std::shared_ptr<socket_link>> targets;
  if (index < 0) {
    for (auto& c : conns_) targets.push_back(c.link);
  } else if (auto* c = at(index)) {
    targets.push_back(c->link);
  }
  for (auto& link : targets) {
    link->send(disconnect_frame(reason, link->id()), false, {});
    for (auto& c : conns_) {
      if (c.link == link) c.draining = true;
    }
    if (reason == disconnect_reason::too_many_websockets) {
      link->close();
      continue;
    }
    // Slack closes a socket some seconds after warning/refresh_requested; link_disabled closes soon.
    auto grace =
        reason == disconnect_reason::link_disabled ? std::chrono::milliseconds(100) : settings_.refresh_grace;
    auto t = std::make_shared<boost::asio::steady_timer>(ioc_, grace);
    grace_timers_.push_back(t);
    t->async_wait([this, t, link](boost::system::error_code ec) {
      std::erase(grace_timers_, t);
      if (!ec) link->close();
    });
  }
}

void socket_hub::send_raw(int index, std::string frame, bool binary) {
  if (auto* c = at(index)) c->link->send(std::move(frame), binary, {});
}

bool socket_hub::duplicate(const std::string& envelope_id) {
  auto it = outstanding_.find(envelope_id);
  if (it == outstanding_.end()) return false;
  auto* c = pick(0);
  if (c == nullptr) return false;
  ++sent_;
  c->link->send(envelope_frame(it->second.kind, envelope_id, *it->second.payload, it->second.retry_attempt),
                false, {});
  return true;
}

void socket_hub::blackhole(int index) {
  if (auto* c = at(index)) c->link->blackhole();
}

void socket_hub::fill_stats(emulator_stats& s) const {
  s.connections_opened = opened_;
  s.connections_open = conns_.size();
  s.hellos = hellos_;
  s.envelopes_sent = sent_;
  s.envelopes_acked = acked_;
  s.envelopes_redelivered = redelivered_;
  s.envelopes_unacked = outstanding_.size();
  s.envelopes_given_up = given_up_;
  s.envelopes_queued = pending_.size();
  s.acks_unknown = unknown_acks_;
  s.frames_malformed_in = malformed_in_;
  s.tickets_rejected = tickets_rejected_;
  s.ack_latency_us = latency_us_;
}

void socket_hub::reset_stats() {
  opened_ = hellos_ = sent_ = acked_ = redelivered_ = given_up_ = unknown_acks_ = malformed_in_ =
      tickets_rejected_ = 0;
  latency_us_.clear();
  outstanding_.clear();
  deadlines_.clear();
  pending_.clear();
  tickets_.clear();
  flood_active_ = false;
  flood_latency_us_.clear();
  flood_pushed_ = flood_acked_ = flood_unwritten_ = 0;
}

void socket_hub::shutdown() {
  timer_.cancel();
  flood_timer_.cancel();
  flood_active_ = false;
  for (auto& t : grace_timers_) t->cancel();
  grace_timers_.clear();
  auto all = std::move(conns_);
  conns_.clear();
  for (auto& c : all) c.link->drop();
}

// ---- flood ----------------------------------------------------------------------------------------

std::string socket_hub::flood_payload(std::size_t n) {
  emulated_message m;
  m.channel = flood_.channel;
  m.user = flood_.user;
  m.ts = ws_.next_ts();
  m.text = flood_filler_;
  auto event = message_event_json(m, "message", "channel");
  event_ids ids{ws_.next_event_id(),
                static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count())};
  (void)n;
  return event_callback_json(event, ids, settings_.app_id, flood_.channel);
}

void socket_hub::flood(const flood_options& options) {
  flood_ = options;
  flood_pushed_ = flood_acked_ = flood_unwritten_ = 0;
  flood_latency_us_.clear();
  flood_latency_us_.reserve(options.count);
  // Size the text so the whole envelope comes out near payload_bytes (the text appears twice: in
  // `text` and in the rich_text block).
  flood_filler_.clear();
  auto base = envelope_frame(envelope_kind::events_api, ws_.next_envelope_id(), flood_payload(0), 0).size();
  auto room = options.payload_bytes > base ? (options.payload_bytes - base) / 2 : 0;
  static constexpr std::string_view kWords = "deploy the release branch after the checks pass on main ";
  while (flood_filler_.size() < room) flood_filler_ += kWords;
  flood_filler_.resize(room);
  flood_active_ = true;
  flood_start_ = steady::now();
  flood_last_ack_ = flood_start_;
  pump_flood();
}

void socket_hub::pump_flood() {
  if (!flood_active_) return;
  auto push_one = [this] {
    auto payload = flood_payload(flood_pushed_);
    ++flood_pushed_;
    ++flood_unwritten_;
    deliver({envelope_kind::events_api,
             {},
             std::make_shared<const std::string>(std::move(payload)),
             {},
             0,
             0,
             true});
  };
  if (flood_.per_second <= 0) {
    auto room = [this] {
      return flood_unwritten_ < kFloodWindow &&
             (flood_.max_unacked == 0 || flood_pushed_ - flood_acked_ < flood_.max_unacked);
    };
    while (flood_pushed_ < flood_.count && room()) push_one();
  } else {
    auto now = steady::now();
    auto due = static_cast<std::size_t>(std::chrono::duration<double>(now - flood_start_).count() *
                                        flood_.per_second) +
               1;
    while (flood_pushed_ < flood_.count && flood_pushed_ < due) push_one();
    if (flood_pushed_ < flood_.count) {
      auto next = flood_start_ + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(
                                     static_cast<double>(flood_pushed_) / flood_.per_second));
      flood_timer_.expires_at(next);
      flood_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) pump_flood();
      });
    }
  }
  if (flood_pushed_ >= flood_.count && flood_acked_ >= flood_.count) flood_active_ = false;
}

flood_result socket_hub::flood_status() const {
  flood_result r;
  r.sent = flood_pushed_;
  r.acked = flood_acked_;
  r.finished = flood_.count > 0 && flood_acked_ >= flood_.count;
  r.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(flood_last_ack_ - flood_start_);
  r.ack_latency_us = flood_latency_us_;
  return r;
}

}  // namespace tugboat::slack::emu
