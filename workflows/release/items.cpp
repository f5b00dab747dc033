#include "workflows/release/items.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "core/text.hpp"

namespace tugboat::workflows::release {
namespace {

namespace rj = rapidjson;
using writer = rj::Writer<rj::StringBuffer>;

void put(writer& w, const char* key, std::string_view value) {
  w.Key(key);
  w.String(value.data(), static_cast<rj::SizeType>(value.size()));
}

void put_int(writer& w, const char* key, long long value) {
  w.Key(key);
  w.Int64(value);
}

std::string str(const rj::Value& v, const char* key) {
  if (!v.IsObject()) return {};
  auto it = v.FindMember(key);
  return it != v.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString(), it->value.GetStringLength())
                                                      : std::string{};
}

long long num(const rj::Value& v, const char* key) {
  if (!v.IsObject()) return 0;
  auto it = v.FindMember(key);
  return it != v.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : 0;
}

bool flag(const rj::Value& v, const char* key) {
  if (!v.IsObject()) return false;
  auto it = v.FindMember(key);
  return it != v.MemberEnd() && it->value.IsBool() && it->value.GetBool();
}

const rj::Value* member(const rj::Value& v, const char* key) {
  if (!v.IsObject()) return nullptr;
  auto it = v.FindMember(key);
  return it == v.MemberEnd() ? nullptr : &it->value;
}

void write_evidence(writer& w, const evidence_line& e) {
  w.StartObject();
  put(w, "commit", e.commit);
  put(w, "short", e.short_sha);
  put(w, "subject", e.subject);
  put(w, "file", e.file);
  put_int(w, "line", e.line);
  put(w, "signal", e.signal);
  w.EndObject();
}

evidence_line read_evidence(const rj::Value& v) {
  return {str(v, "commit"), str(v, "short"), str(v, "subject"), str(v, "file"), static_cast<int>(num(v, "line")),
          str(v, "signal")};
}

std::vector<evidence_line> read_evidence_list(const rj::Value* v) {
  std::vector<evidence_line> out;
  if (v && v->IsArray()) {
    for (const auto& e : v->GetArray()) out.push_back(read_evidence(e));
  }
  return out;
}

std::vector<candidate> read_candidates(const rj::Value* v) {
  std::vector<candidate> out;
  if (v && v->IsArray()) {
    for (const auto& c : v->GetArray()) out.push_back({str(c, "key"), str(c, "name")});
  }
  return out;
}

rj::Document parse_json(std::string_view json, const char* what) {
  rj::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) throw std::runtime_error(std::string(what) + " is not valid JSON");
  return doc;
}

std::string_view null_safe(const rj::Value* v) {
  return v && v->IsString() ? std::string_view(v->GetString(), v->GetStringLength()) : std::string_view{};
}

}  // namespace

std::string people_key(std::string_view key) {
  auto k = std::string(text::trim(key));
  if (k.find('@') != std::string::npos && !k.starts_with('@')) return text::to_lower(k);
  return k;
}

const who* release_items::person_of(std::string_view user) const {
  const who* found = nullptr;
  for (const auto& [key, p] : people) {
    if (p.user != user) continue;
    if (!p.tz.empty()) return &p;
    found = &p;
  }
  return found;
}

const item* release_items::find(int id) const {
  for (const auto& i : items) {
    if (i.id == id) return &i;
  }
  return nullptr;
}

item* release_items::find(int id) {
  for (auto& i : items) {
    if (i.id == id) return &i;
  }
  return nullptr;
}

std::vector<const item*> release_items::open_for(std::string_view user) const {
  std::vector<const item*> out;
  for (const auto& i : items) {
    if (i.cls == "new" && !i.closed() && i.owner == user) out.push_back(&i);
  }
  return out;
}

std::vector<std::string> release_items::owners_with_open_items() const {
  std::vector<std::string> out;
  for (const auto& i : items) {
    if (i.cls != "new" || i.closed() || i.owner.empty()) continue;
    if (std::find(out.begin(), out.end(), i.owner) == out.end()) out.push_back(i.owner);
  }
  return out;
}

bool release_items::all_closed() const {
  return std::all_of(items.begin(), items.end(), [](const item& i) { return i.cls != "new" || i.closed(); });
}

int release_items::next_id() const {
  int id = 0;
  for (const auto& i : items) id = std::max(id, i.id);
  return id + 1;
}

release_items load_items(const store::fields& data) {
  release_items s;
  if (auto it = data.find("items"); it != data.end() && !it->second.empty()) {
    auto doc = parse_json(it->second, "the run's items");
    if (doc.IsArray()) {
      for (const auto& v : doc.GetArray()) {
        item i;
        i.id = static_cast<int>(num(v, "id"));
        i.classname = str(v, "classname");
        i.name = str(v, "name");
        i.cls = str(v, "class");
        i.message = str(v, "message");
        i.confidence = str(v, "confidence");
        i.evidence = read_evidence_list(member(v, "evidence"));
        i.candidates = read_candidates(member(v, "candidates"));
        i.tried = static_cast<std::size_t>(num(v, "tried"));
        i.owner = str(v, "owner");
        i.to_manager = flag(v, "to_manager");
        i.state = str(v, "state");
        i.by = str(v, "by");
        i.note = str(v, "note");
        i.round = static_cast<int>(num(v, "round"));
        i.slot = str(v, "slot");
        s.items.push_back(std::move(i));
      }
    }
  }
  if (auto it = data.find("people"); it != data.end() && !it->second.empty()) {
    auto doc = parse_json(it->second, "the run's people");
    if (doc.IsObject()) {
      for (const auto& m : doc.GetObject()) {
        s.people[std::string(m.name.GetString(), m.name.GetStringLength())] =
            who{str(m.value, "user"), str(m.value, "tz"), static_cast<int>(num(m.value, "tz_offset"))};
      }
    }
  }
  if (auto it = data.find("reminders"); it != data.end() && !it->second.empty()) {
    auto doc = parse_json(it->second, "the run's reminders");
    if (doc.IsObject()) {
      for (const auto& m : doc.GetObject()) {
        if (m.value.IsInt()) s.reminders[std::string(m.name.GetString(), m.name.GetStringLength())] = m.value.GetInt();
      }
    }
  }
  return s;
}

void save_items(const release_items& s, store::fields& data) {
  {
    rj::StringBuffer buf;
    writer w(buf);
    w.StartArray();
    for (const auto& i : s.items) {
      w.StartObject();
      put_int(w, "id", i.id);
      put(w, "classname", i.classname);
      put(w, "name", i.name);
      put(w, "class", i.cls);
      put(w, "message", i.message);
      put(w, "confidence", i.confidence);
      w.Key("evidence");
      w.StartArray();
      for (const auto& e : i.evidence) write_evidence(w, e);
      w.EndArray();
      w.Key("candidates");
      w.StartArray();
      for (const auto& c : i.candidates) {
        w.StartObject();
        put(w, "key", c.key);
        put(w, "name", c.name);
        w.EndObject();
      }
      w.EndArray();
      put_int(w, "tried", static_cast<long long>(i.tried));
      put(w, "owner", i.owner);
      w.Key("to_manager");
      w.Bool(i.to_manager);
      put(w, "state", i.state);
      put(w, "by", i.by);
      put(w, "note", i.note);
      put_int(w, "round", i.round);
      put(w, "slot", i.slot);
      w.EndObject();
    }
    w.EndArray();
    data["items"] = std::string(buf.GetString(), buf.GetSize());
  }
  {
    rj::StringBuffer buf;
    writer w(buf);
    w.StartObject();
    for (const auto& [key, p] : s.people) {
      w.Key(key.data(), static_cast<rj::SizeType>(key.size()));
      w.StartObject();
      put(w, "user", p.user);
      put(w, "tz", p.tz);
      put_int(w, "tz_offset", p.tz_offset);
      w.EndObject();
    }
    w.EndObject();
    data["people"] = std::string(buf.GetString(), buf.GetSize());
  }
  {
    rj::StringBuffer buf;
    writer w(buf);
    w.StartObject();
    for (const auto& [user, n] : s.reminders) put_int(w, user.c_str(), n);
    w.EndObject();
    data["reminders"] = std::string(buf.GetString(), buf.GetSize());
  }
}

qa_outcome parse_qa_outcome(std::string_view json) {
  auto doc = parse_json(json, "the QA task's output");
  const auto* report = member(doc, "report");
  const auto* summary = report ? member(*report, "summary") : nullptr;
  const auto* failures = report ? member(*report, "failures") : nullptr;
  if (!summary || !failures || !failures->IsArray()) throw std::runtime_error("the QA task's output has no report");
  qa_outcome out;
  out.tests = static_cast<int>(num(*summary, "tests"));
  out.passed = static_cast<int>(num(*summary, "passed"));
  out.failed = static_cast<int>(num(*summary, "failed"));
  out.flaky = static_cast<int>(num(*summary, "flaky"));
  out.skipped = static_cast<int>(num(*summary, "skipped"));
  out.new_failures = static_cast<int>(num(*summary, "new"));
  out.pre_existing = static_cast<int>(num(*summary, "pre_existing"));
  for (const auto& f : failures->GetArray()) {
    qa_failure q;
    q.classname = str(f, "classname");
    q.name = str(f, "name");
    q.cls = str(f, "class");
    q.message = str(f, "message");
    q.confidence = str(f, "confidence");
    std::set<std::string> seen;
    auto add_candidate = [&](std::string_view key, std::string_view name) {
      if (key.empty()) return;
      auto k = people_key(key);
      if (seen.insert(k).second) q.candidates.push_back({k, std::string(name)});
    };
    if (const auto* owner = member(f, "owner"); owner && owner->IsObject()) {
      auto email = null_safe(member(*owner, "email"));
      auto name = null_safe(member(*owner, "name"));
      // A CODEOWNERS owner may be an @handle (no email): the handle is the key.
      add_candidate(email.empty() ? name : email, name);
    }
    if (const auto* ev = member(f, "evidence"); ev && ev->IsArray()) {
      for (const auto& e : ev->GetArray()) {
        evidence_line line{std::string(null_safe(member(e, "commit"))), std::string(null_safe(member(e, "short"))),
                           std::string(null_safe(member(e, "subject"))), std::string(null_safe(member(e, "file"))),
                           static_cast<int>(num(e, "line")), str(e, "signal")};
        q.evidence.push_back(std::move(line));
        // Other authors the evidence names are the next candidates for "Not mine".
        add_candidate(null_safe(member(e, "email")), null_safe(member(e, "author")));
      }
    }
    // Then whoever else the ranking points at (the authors of the runner-up commits).
    if (const auto* more = member(f, "candidates"); more && more->IsArray()) {
      for (const auto& c : more->GetArray()) {
        auto email = null_safe(member(c, "email"));
        add_candidate(email.empty() ? null_safe(member(c, "name")) : email, null_safe(member(c, "name")));
      }
    }
    out.failures.push_back(std::move(q));
  }
  if (const auto* w = member(doc, "warnings"); w && w->IsArray()) {
    for (const auto& v : w->GetArray()) {
      if (v.IsString()) out.warnings.emplace_back(v.GetString(), v.GetStringLength());
    }
  }
  return out;
}

std::vector<int> merge_round(release_items& s, const qa_outcome& qa, int round) {
  std::set<std::string> failing;
  for (const auto& f : qa.failures) failing.insert(f.classname + "::" + f.name);
  for (auto& i : s.items) {
    if (!i.closed() && !failing.contains(i.test_id())) {
      i.state = "passing";
      i.by.clear();
    }
  }
  std::vector<int> added;
  for (const auto& f : qa.failures) {
    auto id = f.classname + "::" + f.name;
    auto known = std::find_if(s.items.begin(), s.items.end(), [&](const item& i) { return i.test_id() == id; });
    if (known != s.items.end()) {
      // Still failing. An item closed as passing that fails again is open again; a Fixed click stays.
      if (known->state == "passing") known->state = "open";
      continue;
    }
    item i;
    i.id = s.next_id();
    i.classname = f.classname;
    i.name = f.name;
    i.cls = f.cls;
    i.message = f.message;
    i.confidence = f.confidence;
    i.evidence = f.evidence;
    i.candidates = f.candidates;
    i.round = round;
    added.push_back(i.id);
    s.items.push_back(std::move(i));
  }
  return added;
}

std::vector<std::string> lookup_keys(const release_items& s, const std::vector<int>& ids) {
  std::vector<std::string> keys;
  for (int id : ids) {
    const auto* i = s.find(id);
    if (!i) continue;
    for (const auto& c : i->candidates) {
      if (!s.people.contains(c.key) && std::find(keys.begin(), keys.end(), c.key) == keys.end()) keys.push_back(c.key);
    }
  }
  return keys;
}

}  // namespace tugboat::workflows::release
