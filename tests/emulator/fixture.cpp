#include "tests/emulator/fixture.hpp"

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <stdexcept>
#include <thread>

namespace tugboat::test {
namespace {

const rapidjson::Value* find(rapidjson::Document& d, const std::string& json, const char* pointer) {
  d.Parse(json.c_str());
  if (d.HasParseError()) throw std::runtime_error("not JSON: " + json.substr(0, 200));
  return rapidjson::Pointer(pointer).Get(d);
}

}  // namespace

slack::emulator_settings fast_settings(std::chrono::milliseconds ack_timeout) {
  slack::emulator_settings s;
  s.ack_timeout = ack_timeout;
  s.refresh_grace = std::chrono::milliseconds(200);
  s.server_ping_interval = std::chrono::milliseconds(0);
  return s;
}

bool jhas(const std::string& json, const char* pointer) {
  rapidjson::Document d;
  return find(d, json, pointer) != nullptr;
}

std::string jstr(const std::string& json, const char* pointer) {
  rapidjson::Document d;
  const auto* v = find(d, json, pointer);
  return v != nullptr && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : std::string();
}

long long jint(const std::string& json, const char* pointer) {
  rapidjson::Document d;
  const auto* v = find(d, json, pointer);
  return v != nullptr && v->IsInt64() ? v->GetInt64() : -1;
}

bool jbool(const std::string& json, const char* pointer) {
  rapidjson::Document d;
  const auto* v = find(d, json, pointer);
  return v != nullptr && v->IsBool() && v->GetBool();
}

std::size_t jsize(const std::string& json, const char* pointer) {
  rapidjson::Document d;
  const auto* v = find(d, json, pointer);
  if (v == nullptr) return 0;
  if (v->IsArray()) return v->Size();
  if (v->IsObject()) return v->MemberCount();
  return 0;
}

std::string jraw(const std::string& json, const char* pointer) {
  rapidjson::Document d;
  const auto* v = find(d, json, pointer);
  if (v == nullptr) return {};
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v->Accept(w);
  return {buf.GetString(), buf.GetSize()};
}

std::optional<std::string> socket_conn::next(std::chrono::milliseconds timeout) {
  auto f = ws.read(timeout);
  if (!f) return std::nullopt;
  return f->data;
}

void socket_conn::ack(const std::string& envelope_frame, const std::string& payload_json) {
  auto id = jstr(envelope_frame, "/envelope_id");
  if (payload_json.empty()) {
    ws.send(R"({"envelope_id":")" + id + R"("})");
  } else {
    ws.send(R"({"envelope_id":")" + id + R"(","payload":)" + payload_json + "}");
  }
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

std::string open_socket_url(slack::emulator& emu, http_client& api) {
  auto r = api.request("POST", "apps.connections.open", {},
                       {{"Authorization", "Bearer " + emu.settings().app_token},
                        {"Content-Type", "application/x-www-form-urlencoded"}});
  if (r.status != 200 || !jbool(r.body, "/ok")) throw std::runtime_error("apps.connections.open: " + r.body);
  return jstr(r.body, "/url");
}

std::unique_ptr<socket_conn> open_socket(slack::emulator& emu) {
  http_client api(emu.api_url(), emu.ca_pem());
  auto c = std::make_unique<socket_conn>();
  c->url = open_socket_url(emu, api);
  c->ws.connect(c->url, emu.ca_pem());
  auto hello = c->ws.read(std::chrono::seconds(2));
  if (!hello) throw std::runtime_error("no hello");
  c->hello = hello->data;
  return c;
}

}  // namespace tugboat::test
