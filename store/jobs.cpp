#include "store/jobs.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace tugboat::store {
namespace {

namespace rj = rapidjson;
using writer = rj::Writer<rj::StringBuffer>;

void put(writer& w, std::string_view key, std::string_view value) {
  w.Key(key.data(), static_cast<rj::SizeType>(key.size()));
  w.String(value.data(), static_cast<rj::SizeType>(value.size()));
}

std::string get_string(const rj::Value& v, const char* key) {
  auto it = v.FindMember(key);
  return it != v.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString(), it->value.GetStringLength())
                                                      : std::string{};
}

long long get_int(const rj::Value& v, const char* key) {
  auto it = v.FindMember(key);
  return it != v.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : 0;
}

bool get_bool(const rj::Value& v, const char* key) {
  auto it = v.FindMember(key);
  return it != v.MemberEnd() && it->value.IsBool() && it->value.GetBool();
}

rj::Document parse(std::string_view json, const char* what) {
  rj::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) throw error(fmt::format("stored {} is not a JSON object", what));
  return doc;
}

constexpr const char* kColumns = "id, run_id, name, spec, state, pid, created_at, started_at, result";

job_row read_row(SQLite::Statement& q) {
  job_row r;
  r.id = q.getColumn(0).getInt64();
  r.run_id = q.getColumn(1).getInt64();
  r.name = q.getColumn(2).getString();
  r.spec = decode_job_spec(q.getColumn(3).getString());
  r.state = q.getColumn(4).getString();
  r.pid = q.getColumn(5).getInt();
  r.created_at = q.getColumn(6).getInt64();
  if (!q.getColumn(7).isNull()) r.started_at = q.getColumn(7).getInt64();
  auto result = q.getColumn(8).getString();
  if (!result.empty()) r.result = decode_job_result(result);
  return r;
}

}  // namespace

std::string job_result::describe() const {
  if (spawn_failed) return fmt::format("could not start: {}", error);
  if (cancelled) return "cancelled";
  if (timed_out) return "timed out";
  if (term_signal != 0) return fmt::format("killed by signal {}", term_signal);
  if (!error.empty() && exit_code < 0) return error;
  return fmt::format("exit {}", exit_code);
}

std::string encode_job_spec(const job_spec& s) {
  rj::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  w.Key("argv");
  w.StartArray();
  for (const auto& a : s.argv) w.String(a.data(), static_cast<rj::SizeType>(a.size()));
  w.EndArray();
  put(w, "cwd", s.cwd);
  w.Key("env");
  w.StartObject();
  for (const auto& [k, v] : s.env) put(w, k, v);
  w.EndObject();
  w.Key("timeout_ms");
  w.Int64(s.timeout_ms);
  if (!s.make_dirs.empty()) {
    w.Key("make_dirs");
    w.StartArray();
    for (const auto& d : s.make_dirs) w.String(d.data(), static_cast<rj::SizeType>(d.size()));
    w.EndArray();
  }
  if (!s.task.empty()) {
    put(w, "task", s.task);
    put(w, "input", s.input);
    w.Key("rerun_on_restart");
    w.Bool(s.rerun_on_restart);
  }
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

job_spec decode_job_spec(std::string_view json) {
  auto doc = parse(json, "job spec");
  job_spec s;
  if (auto it = doc.FindMember("argv"); it != doc.MemberEnd() && it->value.IsArray()) {
    for (const auto& a : it->value.GetArray()) {
      if (a.IsString()) s.argv.emplace_back(a.GetString(), a.GetStringLength());
    }
  }
  s.cwd = get_string(doc, "cwd");
  if (auto it = doc.FindMember("env"); it != doc.MemberEnd() && it->value.IsObject()) {
    for (const auto& m : it->value.GetObject()) {
      if (m.value.IsString()) s.env.emplace_back(m.name.GetString(), m.value.GetString());
    }
  }
  s.timeout_ms = get_int(doc, "timeout_ms");
  if (auto it = doc.FindMember("make_dirs"); it != doc.MemberEnd() && it->value.IsArray()) {
    for (const auto& d : it->value.GetArray()) {
      if (d.IsString()) s.make_dirs.emplace_back(d.GetString(), d.GetStringLength());
    }
  }
  s.task = get_string(doc, "task");
  s.input = get_string(doc, "input");
  s.rerun_on_restart = get_bool(doc, "rerun_on_restart");
  return s;
}

std::string encode_job_result(const job_result& r) {
  rj::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  w.Key("exit_code");
  w.Int(r.exit_code);
  w.Key("term_signal");
  w.Int(r.term_signal);
  w.Key("timed_out");
  w.Bool(r.timed_out);
  w.Key("spawn_failed");
  w.Bool(r.spawn_failed);
  w.Key("cancelled");
  w.Bool(r.cancelled);
  w.Key("duration_ms");
  w.Int64(r.duration_ms);
  put(w, "output", r.output);
  put(w, "error", r.error);
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

job_result decode_job_result(std::string_view json) {
  auto doc = parse(json, "job result");
  job_result r;
  r.exit_code = static_cast<int>(get_int(doc, "exit_code"));
  r.term_signal = static_cast<int>(get_int(doc, "term_signal"));
  r.timed_out = get_bool(doc, "timed_out");
  r.spawn_failed = get_bool(doc, "spawn_failed");
  r.cancelled = get_bool(doc, "cancelled");
  r.duration_ms = get_int(doc, "duration_ms");
  r.output = get_string(doc, "output");
  r.error = get_string(doc, "error");
  return r;
}

jobs::jobs(database& db) : db_(db) {}

std::int64_t jobs::add(std::int64_t run_id, std::string_view name, const job_spec& spec, long long now) {
  SQLite::Statement q(db_.sql(), "INSERT INTO jobs(run_id, name, spec, created_at) VALUES (?, ?, ?, ?)");
  q.bind(1, static_cast<int64_t>(run_id));
  q.bind(2, std::string(name));
  q.bind(3, encode_job_spec(spec));
  q.bind(4, static_cast<int64_t>(now));
  q.exec();
  return db_.sql().getLastInsertRowid();
}

std::optional<job_row> jobs::find(std::int64_t id) {
  SQLite::Statement q(db_.sql(), fmt::format("SELECT {} FROM jobs WHERE id = ?", kColumns));
  q.bind(1, static_cast<int64_t>(id));
  if (!q.executeStep()) return std::nullopt;
  return read_row(q);
}

std::vector<job_row> jobs::in_state(std::string_view state) {
  // Queued and running jobs are a handful among every job ever run, and the partial index jobs_active
  // holds only them; SQLite uses it only when the query names those states literally (`state = ?` alone
  // cannot prove the index's WHERE), otherwise recovery reads the whole table.
  const bool active = state == "queued" || state == "running";
  SQLite::Statement q(db_.sql(), fmt::format("SELECT {} FROM jobs WHERE {}state = ? ORDER BY id", kColumns,
                                             active ? "state IN ('queued', 'running') AND " : ""));
  q.bind(1, std::string(state));
  std::vector<job_row> out;
  while (q.executeStep()) out.push_back(read_row(q));
  return out;
}

std::vector<job_row> jobs::active_for_run(std::int64_t run_id) {
  SQLite::Statement q(db_.sql(), fmt::format("SELECT {} FROM jobs WHERE run_id = ? AND state IN ('queued', 'running') "
                                             "ORDER BY id",
                                             kColumns));
  q.bind(1, static_cast<int64_t>(run_id));
  std::vector<job_row> out;
  while (q.executeStep()) out.push_back(read_row(q));
  return out;
}

void jobs::mark_running(std::int64_t id, long long now) {
  SQLite::Statement q(db_.sql(), "UPDATE jobs SET state = 'running', started_at = ? WHERE id = ?");
  q.bind(1, static_cast<int64_t>(now));
  q.bind(2, static_cast<int64_t>(id));
  q.exec();
}

void jobs::requeue(std::int64_t id) {
  SQLite::Statement q(db_.sql(), "UPDATE jobs SET state = 'queued', pid = 0, started_at = NULL WHERE id = ?");
  q.bind(1, static_cast<int64_t>(id));
  q.exec();
}

void jobs::set_pid(std::int64_t id, int pid) {
  SQLite::Statement q(db_.sql(), "UPDATE jobs SET pid = ? WHERE id = ?");
  q.bind(1, pid);
  q.bind(2, static_cast<int64_t>(id));
  q.exec();
}

void jobs::finish(std::int64_t id, std::string_view state, const job_result& result, long long now) {
  SQLite::Statement q(db_.sql(), "UPDATE jobs SET state = ?, result = ?, finished_at = ? WHERE id = ?");
  q.bind(1, std::string(state));
  q.bind(2, encode_job_result(result));
  q.bind(3, static_cast<int64_t>(now));
  q.bind(4, static_cast<int64_t>(id));
  q.exec();
}

}  // namespace tugboat::store
