#pragma once
// Shared pieces of the emulator tests: an emulator with test-speed settings, a Socket Mode connection
// opened the way an SDK does it (apps.connections.open → WebSocket → hello), and JSON Pointer reads
// so tests can check payload shapes without RapidJSON in headers. Test thread only.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "slack/emulator/emulator.hpp"
#include "tests/support/wire_client.hpp"

namespace tugboat::test {

// Test-speed settings: short refresh grace, no server pings. The ack timeout is generous by default so a
// slow (sanitized, loaded) run never sees a redelivery it did not ask for; redelivery tests pass ~200 ms.
slack::emulator_settings fast_settings(std::chrono::milliseconds ack_timeout = std::chrono::seconds(2));

// JSON Pointer ("/payload/event/type") reads; throw std::runtime_error when the JSON does not parse.
bool jhas(const std::string& json, const char* pointer);
std::string jstr(const std::string& json, const char* pointer);   // "" when absent or not a string
long long jint(const std::string& json, const char* pointer);     // -1 when absent or not an integer
bool jbool(const std::string& json, const char* pointer);         // false when absent
std::size_t jsize(const std::string& json, const char* pointer);  // array/object size, 0 when absent
std::string jraw(const std::string& json, const char* pointer);   // the value re-serialised, "" when absent

// One Socket Mode connection: opened with the app token, hello already read (kept in `hello`).
struct socket_conn {
  ws_client ws;
  std::string hello;
  std::string url;
  // The next frame that is an envelope (has envelope_id); skips nothing else silently: a non-envelope
  // frame is returned too. nullopt on timeout.
  std::optional<std::string> next(std::chrono::milliseconds timeout = std::chrono::seconds(2));
  void ack(const std::string& envelope_frame, const std::string& payload_json = {});
};

// Polls `done` until it holds or `timeout` passes (for counters the emulator thread updates).
bool wait_until(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(2));

std::string open_socket_url(slack::emulator& emu, http_client& api);
std::unique_ptr<socket_conn> open_socket(slack::emulator& emu);

}  // namespace tugboat::test
