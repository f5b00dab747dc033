#pragma once
// The Socket Mode side of the emulator: tickets from apps.connections.open, the open sockets, `hello`,
// envelope delivery (each payload to exactly one socket, round robin), acks and their latency,
// redelivery of unacked events_api envelopes (new envelope_id, same event_id, retry_attempt 1..N,
// retry_reason "timeout"), events held while no socket is open, `disconnect` frames and socket faults.
// The hub knows sockets only as `socket_link`s; the Beast sessions live in server.cpp.
// Thread: everything here runs on the emulator's thread. Nothing throws except bad_alloc.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "slack/emulator/emulator.hpp"
#include "slack/emulator/model.hpp"

namespace tugboat::slack::emu {

using steady = std::chrono::steady_clock;

// One WebSocket as the hub sees it. Implemented by the server's session; called on the emulator thread.
class socket_link {
 public:
  virtual ~socket_link() = default;
  virtual std::uint64_t id() const = 0;
  // Queues a frame; the session calls socket_hub::on_written(id, envelope_id) once it is on the wire
  // (at once for a blackholed socket, whose frames are lost).
  virtual void send(std::string frame, bool binary, std::string envelope_id) = 0;
  virtual void close() = 0;      // WebSocket close handshake (1000)
  virtual void drop() = 0;       // TCP closed abruptly, no close frame
  virtual void blackhole() = 0;  // stop reading and writing (so no pongs) but keep TCP open
};

enum class envelope_kind { events_api, slash_commands, interactive };

class socket_hub {
 public:
  socket_hub(boost::asio::io_context& ioc, const emulator_settings& settings, workspace& ws);
  ~socket_hub();

  // Tickets: apps.connections.open makes one; the WebSocket upgrade takes it (single use).
  std::string new_ticket();
  bool take_ticket(std::string_view ticket);

  // From sessions.
  void on_open(std::shared_ptr<socket_link> link);
  void on_text(std::uint64_t link, std::string_view frame);
  void on_bad_frame(std::uint64_t link);
  void on_written(std::uint64_t link, const std::string& envelope_id);
  void on_closed(std::uint64_t link);

  // Delivers a payload (a JSON object) now, or when a socket opens; returns its first envelope id.
  std::string push(envelope_kind kind, std::string payload_json, std::string event_id);

  // Faults.
  void drop_all();
  void disconnect(disconnect_reason reason, int index);  // -1: all
  void send_raw(int index, std::string frame, bool binary);
  bool duplicate(const std::string& envelope_id);
  void blackhole(int index);

  void flood(const flood_options& options);
  flood_result flood_status() const;

  void set_ack_timeout(std::chrono::milliseconds t) { ack_timeout_ = t; }
  std::size_t open_count() const { return conns_.size(); }
  void fill_stats(emulator_stats& s) const;
  void reset_stats();
  void shutdown();  // closes every socket, cancels timers

  // Called whenever a socket says hello or closes (for wait_for_connections).
  std::function<void()> on_connections_changed;

 private:
  struct conn {
    std::shared_ptr<socket_link> link;
    bool draining = false;  // got refresh_requested/warning: no new deliveries if another socket is open
  };
  struct outstanding {
    envelope_kind kind;
    std::shared_ptr<const std::string> payload;
    std::string event_id;
    int retry_attempt = 0;
    std::uint64_t link = 0;
    steady::time_point written{};
    bool is_written = false;
    bool flood = false;
  };
  struct queued {
    envelope_kind kind;
    std::string envelope_id;  // assigned when pushed, so push() can return it even if it waits
    std::shared_ptr<const std::string> payload;
    std::string event_id;
    int retry_attempt = 0;
    std::uint64_t avoid_link = 0;
    bool flood = false;
  };

  void deliver(queued q);  // waits in pending_ while no socket is open
  conn* pick(std::uint64_t avoid);
  conn* at(int index);
  void arm_timer();
  void on_timer();
  void pump_flood();
  std::string flood_payload(std::size_t n);

  boost::asio::io_context& ioc_;
  const emulator_settings& settings_;
  workspace& ws_;
  std::chrono::milliseconds ack_timeout_;
  std::unordered_set<std::string> tickets_;
  std::vector<conn> conns_;
  std::size_t next_ = 0;
  std::unordered_map<std::string, outstanding> outstanding_;
  std::deque<std::pair<steady::time_point, std::string>> deadlines_;  // in write order
  std::deque<queued> pending_;
  boost::asio::steady_timer timer_;
  bool timer_armed_ = false;
  steady::time_point timer_at_{};
  std::vector<std::shared_ptr<boost::asio::steady_timer>> grace_timers_;

  // Flood state.
  flood_options flood_{};
  std::size_t flood_pushed_ = 0;
  std::size_t flood_acked_ = 0;
  std::size_t flood_unwritten_ = 0;
  bool flood_active_ = false;
  steady::time_point flood_start_{};
  steady::time_point flood_last_ack_{};
  std::vector<double> flood_latency_us_;
  std::string flood_filler_;
  boost::asio::steady_timer flood_timer_;

  // Stats.
  std::uint64_t opened_ = 0, hellos_ = 0, sent_ = 0, acked_ = 0, redelivered_ = 0, given_up_ = 0,
                unknown_acks_ = 0, malformed_in_ = 0, tickets_rejected_ = 0;
  std::vector<double> latency_us_;
};

}  // namespace tugboat::slack::emu
