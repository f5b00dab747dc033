#include "slack/emulator/emulator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <numeric>
#include <stdexcept>

#include "core/log.hpp"
#include "slack/emulator/emulator_impl.hpp"

namespace tugboat::slack {

// ---- small free functions --------------------------------------------------------------------------

latency_summary summarize_latencies(std::vector<double> samples_us) {
  latency_summary s;
  s.count = samples_us.size();
  if (samples_us.empty()) return s;
  std::sort(samples_us.begin(), samples_us.end());
  auto at = [&](double q) {
    auto i = static_cast<std::size_t>(q * static_cast<double>(samples_us.size() - 1) + 0.5);
    return samples_us[std::min(i, samples_us.size() - 1)];
  };
  s.p50_us = at(0.50);
  s.p99_us = at(0.99);
  s.max_us = samples_us.back();
  s.mean_us =
      std::accumulate(samples_us.begin(), samples_us.end(), 0.0) / static_cast<double>(samples_us.size());
  return s;
}

const char* to_string(disconnect_reason r) {
  switch (r) {
    case disconnect_reason::warning:
      return "warning";
    case disconnect_reason::refresh_requested:
      return "refresh_requested";
    case disconnect_reason::link_disabled:
      return "link_disabled";
    case disconnect_reason::too_many_websockets:
      return "too_many_websockets";
  }
  return "warning";
}

std::optional<disconnect_reason> parse_disconnect_reason(const std::string& s) {
  for (auto r : {disconnect_reason::warning, disconnect_reason::refresh_requested,
                 disconnect_reason::link_disabled, disconnect_reason::too_many_websockets}) {
    if (s == to_string(r)) return r;
  }
  return std::nullopt;
}

// ---- impl --------------------------------------------------------------------------------------------

emulator::impl::impl(emulator_settings s)
    : settings(std::move(s)),
      ioc(std::make_unique<boost::asio::io_context>(1)),
      limiter(settings.limits),
      rate_limits_on(settings.rate_limits) {
  hub = std::make_unique<emu::socket_hub>(*ioc, settings, ws);
  srv = std::make_unique<emu::server>(*ioc, settings, *hub, [this](emu::http_request r, emu::respond_fn f) {
    handle_http(std::move(r), std::move(f));
  });
  waiter_timer = std::make_unique<boost::asio::steady_timer>(*ioc);
  ws.set_listener([this](const emulated_message& m) { on_message(m); });
  hub->on_connections_changed = [this] { notify_change(); };
}

std::string emulator::impl::base_url() const {
  auto host = settings.host == "0.0.0.0" ? std::string("127.0.0.1") : settings.host;
  return fmt::format("{}://{}:{}/", scheme_http(), host, port);
}

void emulator::impl::notify_change() {
  {
    std::lock_guard lock(mu);
    ++version;
  }
  cv.notify_all();
  check_waiters(false);
}

void emulator::impl::on_message(const emulated_message& m) {
  // Copy: a subscriber may unsubscribe itself.
  auto subs = subscribers;
  for (auto& [id, fn] : subs) {
    try {
      fn(m);
    } catch (const std::exception& e) {
      log::error("emulator", "a message subscriber threw: {}", e.what());
    }
  }
  notify_change();
}

void emulator::impl::add_waiter(http_waiter w) {
  if (auto done = w.check(false)) return w.respond(std::move(*done));
  waiters.push_back(std::move(w));
  arm_waiter_timer();
}

void emulator::impl::check_waiters(bool timer_fired) {
  (void)timer_fired;
  auto now = std::chrono::steady_clock::now();
  auto pending = std::move(waiters);
  waiters.clear();
  for (auto& w : pending) {
    bool timed_out = now >= w.deadline;
    if (auto done = w.check(timed_out)) {
      w.respond(std::move(*done));
    } else {
      waiters.push_back(std::move(w));
    }
  }
  arm_waiter_timer();
}

void emulator::impl::arm_waiter_timer() {
  if (waiters.empty() || stopped) return;
  // Some waits (flood, acks) have no change notification of their own: poll them briefly.
  waiter_timer->expires_after(std::chrono::milliseconds(20));
  waiter_timer->async_wait([this](boost::system::error_code ec) {
    if (!ec) check_waiters(true);
  });
}

// ---- lifecycle -------------------------------------------------------------------------------------------

emulator::emulator(emulator_settings settings) : impl_(std::make_unique<impl>(std::move(settings))) {}

emulator::~emulator() {
  try {
    stop();
  } catch (const std::exception& e) {
    log::error("emulator", "stop failed: {}", e.what());
  }
}

void emulator::start() {
  auto& i = *impl_;
  if (i.started) return;
  log::add_secret(i.settings.app_token);
  log::add_secret(i.settings.bot_token);
  const emu::tls_material* tls = nullptr;
  if (i.settings.tls.enabled) {
    i.tls = !i.settings.tls.cert_file.empty()
                ? emu::load_tls_files(i.settings.tls.cert_file, i.settings.tls.key_file)
                : emu::make_self_signed(i.settings.host);
    tls = &i.tls;
    if (!i.settings.tls.cert_out.empty()) {
      std::ofstream out(i.settings.tls.cert_out, std::ios::binary | std::ios::trunc);
      out << i.tls.cert_pem;
      if (!out) throw std::runtime_error("emulator: cannot write " + i.settings.tls.cert_out);
    }
  }
  i.srv->listen(tls);
  i.port = i.srv->port();
  i.started = true;
  i.thread = std::thread([&i] {
    for (;;) {
      try {
        i.ioc->run();
        return;
      } catch (const std::exception& e) {
        // A handler threw: log it and keep the emulator serving.
        log::error("emulator", "handler failed: {}", e.what());
      }
    }
  });
  log::debug("emulator", "listening on {}", i.base_url());
}

void emulator::stop() {
  auto& i = *impl_;
  if (!i.started || i.stopped) return;
  i.run([&i] {
    i.srv->close();
    i.hub->shutdown();
    i.waiter_timer->cancel();
    auto pending = std::move(i.waiters);
    i.waiters.clear();
    for (auto& w : pending) w.respond({503, "text/plain", "emulator stopped", {}, {}});
  });
  i.stopped = true;
  i.ioc->stop();
  if (i.thread.joinable()) i.thread.join();
  // Free what still refers to the io_context while it exists.
  i.waiter_timer.reset();
  i.srv.reset();
  i.hub.reset();
  i.ioc.reset();
}

std::uint16_t emulator::port() const {
  return impl_->port;
}
std::string emulator::base_url() const {
  return impl_->base_url();
}
std::string emulator::api_url() const {
  return impl_->base_url() + "api/";
}
std::string emulator::ca_pem() const {
  return impl_->tls.cert_pem;
}
const emulator_settings& emulator::settings() const {
  return impl_->settings;
}

// ---- pushes (the work is in pushes.cpp) ---------------------------------------------------------------

push_result emulator::mention(const std::string& user, const std::string& channel, const std::string& text,
                              const std::string& thread_ts) {
  return impl_->run([&] { return impl_->push_user_message(user, channel, text, thread_ts, true); });
}

push_result emulator::dm(const std::string& user, const std::string& text, const std::string& thread_ts) {
  return impl_->run([&] {
    auto channel = impl_->ws.open_dm(impl_->ws.require_user(user).profile.id).id;
    return impl_->push_user_message(user, channel, text, thread_ts, false);
  });
}

push_result emulator::channel_message(const std::string& user, const std::string& channel,
                                      const std::string& text, const std::string& thread_ts) {
  return impl_->run([&] { return impl_->push_user_message(user, channel, text, thread_ts, false); });
}

push_result emulator::bot_message(const std::string& bot_id, const std::string& channel,
                                  const std::string& text, bool classic_subtype) {
  return impl_->run([&] { return impl_->push_bot_message(bot_id, channel, text, classic_subtype); });
}

push_result emulator::edit_message(const std::string& channel, const std::string& ts,
                                   const std::string& new_text) {
  return impl_->run([&] { return impl_->push_edit(channel, ts, new_text); });
}

push_result emulator::slash(const std::string& user, const std::string& channel, const std::string& text,
                            const std::string& command) {
  return impl_->run([&] { return impl_->push_slash(user, channel, text, command); });
}

push_result emulator::click(const std::string& user, const std::string& channel,
                            const std::string& message_ts, const std::string& action_id,
                            const std::optional<std::string>& value) {
  return impl_->run([&] { return impl_->push_click(user, channel, message_ts, action_id, value); });
}

push_result emulator::raw_event(const std::string& payload_json) {
  return impl_->run([&] {
    push_result r;
    r.envelope_id = impl_->hub->push(emu::envelope_kind::events_api, payload_json, {});
    return r;
  });
}

std::string emulator::add_user(user_profile profile) {
  return impl_->run([&] { return impl_->ws.add_user(std::move(profile)); });
}

std::string emulator::add_channel(const std::string& name) {
  return impl_->run([&] { return impl_->ws.add_channel(name); });
}

std::string emulator::dm_channel(const std::string& user) {
  return impl_->run([&] { return impl_->ws.open_dm(impl_->ws.require_user(user).profile.id).id; });
}

// ---- reading -------------------------------------------------------------------------------------------

std::vector<emulated_message> emulator::messages(const std::string& channel, bool bot_only) const {
  return impl_->run([&] {
    std::string id = channel;
    if (!channel.empty()) {
      if (const auto* c = impl_->ws.find_channel(channel)) id = c->id;
    }
    return impl_->ws.snapshot(id, bot_only);
  });
}

std::vector<emulated_message> emulator::wait_for_messages(
    const std::function<bool(const std::vector<emulated_message>&)>& done, std::chrono::milliseconds timeout,
    const std::string& channel, bool bot_only) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::uint64_t seen = 0;
    {
      std::lock_guard lock(impl_->mu);
      seen = impl_->version;
    }
    auto snapshot = messages(channel, bot_only);
    if (done(snapshot) || std::chrono::steady_clock::now() >= deadline) return snapshot;
    std::unique_lock lock(impl_->mu);
    impl_->cv.wait_until(lock, deadline, [&] { return impl_->version != seen; });
  }
}

std::vector<emulated_message> emulator::wait_for_count(std::size_t count, std::chrono::milliseconds timeout,
                                                     const std::string& channel) const {
  return wait_for_messages([count](const auto& m) { return m.size() >= count; }, timeout, channel);
}

int emulator::subscribe(subscriber fn) {
  return impl_->run([&] {
    impl_->subscribers.emplace(++impl_->next_subscriber, std::move(fn));
    return impl_->next_subscriber;
  });
}

void emulator::unsubscribe(int id) {
  impl_->run([&] { impl_->subscribers.erase(id); });
}

// ---- faults --------------------------------------------------------------------------------------------

void emulator::drop_connections() {
  impl_->run([&] { impl_->hub->drop_all(); });
}

void emulator::send_disconnect(disconnect_reason reason, int connection) {
  impl_->run([&] { impl_->hub->disconnect(reason, connection); });
}

void emulator::send_malformed_frame(int connection) {
  impl_->run(
      [&] { impl_->hub->send_raw(connection, R"({"envelope_id":"broken","payload":{"type":)", false); });
}

void emulator::send_binary_frame(int connection) {
  impl_->run([&] { impl_->hub->send_raw(connection, std::string("\x00\x01\x02binary\xff", 10), true); });
}

bool emulator::duplicate_envelope(const std::string& envelope_id) {
  return impl_->run([&] { return impl_->hub->duplicate(envelope_id); });
}

void emulator::blackhole(int connection) {
  impl_->run([&] { impl_->hub->blackhole(connection); });
}

void emulator::inject_fault(method_fault fault) {
  impl_->run([&] { impl_->faults.push_back(std::move(fault)); });
}

void emulator::clear_faults() {
  impl_->run([&] { impl_->faults.clear(); });
}

void emulator::set_rate_limits(bool on) {
  impl_->run([&] {
    impl_->rate_limits_on = on;
    impl_->limiter.reset();
  });
}

void emulator::set_ack_timeout(std::chrono::milliseconds timeout) {
  impl_->run([&] { impl_->hub->set_ack_timeout(timeout); });
}

void emulator::set_scopes(std::vector<std::string> scopes) {
  impl_->run([&] { impl_->settings.bot_scopes = std::move(scopes); });
}

void emulator::reset() {
  impl_->run([&] {
    impl_->ws.clear_messages();
    impl_->hub->reset_stats();
    impl_->faults.clear();
    impl_->limiter.reset();
    impl_->api_calls.clear();
    impl_->responses_429 = 0;
    impl_->response_urls.clear();
  });
}

// ---- stats ---------------------------------------------------------------------------------------------

emulator_stats emulator::stats() const {
  return impl_->run([&] {
    emulator_stats s;
    impl_->hub->fill_stats(s);
    s.responses_429 = impl_->responses_429;
    s.api_calls.assign(impl_->api_calls.begin(), impl_->api_calls.end());
    return s;
  });
}

std::size_t emulator::open_connections() const {
  return impl_->run([&] { return impl_->hub->open_count(); });
}

bool emulator::wait_for_connections(std::size_t n, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::uint64_t seen = 0;
    {
      std::lock_guard lock(impl_->mu);
      seen = impl_->version;
    }
    if (open_connections() >= n) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::unique_lock lock(impl_->mu);
    impl_->cv.wait_until(lock, deadline, [&] { return impl_->version != seen; });
  }
}

void emulator::flood(flood_options options) {
  impl_->run([&] { impl_->hub->flood(options); });
}

flood_result emulator::flood_wait(std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto r = impl_->run([&] { return impl_->hub->flood_status(); });
    if (r.finished || std::chrono::steady_clock::now() >= deadline) return r;
    std::unique_lock lock(impl_->mu);
    impl_->cv.wait_for(lock, std::chrono::milliseconds(5));
  }
}

}  // namespace tugboat::slack
