#include "workflows/ownership/rank.hpp"

#include <doctest/doctest.h>

using namespace tugboat::ownership;

namespace {

commit_info commit(std::string sha, std::string author, long long time, std::vector<std::string> files) {
  commit_info c;
  c.sha = std::move(sha);
  c.author = std::move(author);
  c.email = c.author + "@example.com";
  c.time = time;
  c.subject = "change by " + c.author;
  c.files = std::move(files);
  return c;
}

blamed_line line(int n, std::string sha, bool boundary = false) {
  blamed_line b;
  b.line = n;
  b.sha = std::move(sha);
  b.code = "code " + std::to_string(n);
  b.boundary = boundary;
  return b;
}

std::map<std::string, commit_info> by_sha(std::vector<commit_info> commits) {
  std::map<std::string, commit_info> out;
  for (auto& c : commits) out.emplace(c.sha, std::move(c));
  return out;
}

}  // namespace

TEST_CASE("the owner of the exact frame line outranks owners of nearby lines and of the file") {
  auto candidates = by_sha({commit("a", "alice", 100, {"src/calc.cpp"}), commit("b", "bob", 200, {"src/calc.cpp"}),
                            commit("c", "carol", 300, {"src/calc.cpp", "README.md"})});
  std::map<std::string, std::vector<blamed_line>> blames = {
      {"src/calc.cpp", {line(9, "c"), line(10, "b"), line(11, "b"), line(12, "a"), line(13, "old", true)}}};
  rank_input in{{{"src/calc.cpp", 12, 0}}, &blames, &candidates, {}};
  auto ranked = rank_commits(in);
  REQUIRE(ranked.size() == 3);
  CHECK(ranked[0].commit->sha == "a");
  CHECK(ranked[0].score == doctest::Approx(13.0));  // exact 10 + touched 3
  CHECK(ranked[0].hits[0].signal == "exact_line");
  CHECK(ranked[0].hits[0].line == 12);
  CHECK(ranked[0].hits[0].code == "code 12");
  CHECK(confidence_of(ranked[0]) == confidence::high);
  CHECK(ranked[1].commit->sha == "b");  // nearby at distance 1, beats c at distance 3
  CHECK(ranked[1].score == doctest::Approx(7.0));
  CHECK(ranked[1].nearest == 1);
  CHECK(ranked[2].commit->sha == "c");
  CHECK(confidence_of(ranked[1]) == confidence::medium);
}

TEST_CASE("deeper frames weigh less and boundary or out-of-range lines never count") {
  auto candidates = by_sha({commit("a", "alice", 100, {"src/a.cpp"}), commit("b", "bob", 100, {"src/b.cpp"})});
  std::map<std::string, std::vector<blamed_line>> blames = {{"src/a.cpp", {line(5, "a")}},
                                                            {"src/b.cpp", {line(7, "b"), line(8, "zzz")}}};
  rank_input in{{{"src/b.cpp", 7, 0}, {"src/a.cpp", 5, 3}}, &blames, &candidates, {}};
  auto ranked = rank_commits(in);
  REQUIRE(ranked.size() == 2);
  CHECK(ranked[0].commit->sha == "b");
  CHECK(ranked[1].score == doctest::Approx((10.0 + 3.0) / 4));
  CHECK(confidence_of(ranked[1]) == confidence::medium);  // exact, but at depth 3
}

TEST_CASE("touching the test file or its subject scores once") {
  auto candidates = by_sha({commit("t", "tess", 100, {"tests/calc_test.cpp", "src/calc.cpp"})});
  rank_input in{{}, nullptr, &candidates, {"tests/calc_test.cpp", "src/calc.cpp"}};
  auto ranked = rank_commits(in);
  REQUIRE(ranked.size() == 1);
  CHECK(ranked[0].score == doctest::Approx(3.0));
  CHECK(ranked[0].hits.size() == 1);
  CHECK(ranked[0].hits[0].signal == "touched_test_file");
  CHECK(confidence_of(ranked[0]) == confidence::medium);
}

TEST_CASE("ties go to fewer files changed, then to the newer commit, then to the SHA") {
  auto candidates = by_sha({commit("a", "alice", 100, {"src/x.cpp", "src/y.cpp"}), commit("b", "bob", 50, {"src/x.cpp"}),
                            commit("c", "carol", 90, {"src/x.cpp"}), commit("d", "dave", 90, {"src/x.cpp"})});
  rank_input in{{{"src/x.cpp", 1, 0}}, nullptr, &candidates, {}};
  auto ranked = rank_commits(in);
  REQUIRE(ranked.size() == 4);
  CHECK(ranked[0].commit->sha == "c");
  CHECK(ranked[1].commit->sha == "d");
  CHECK(ranked[2].commit->sha == "b");
  CHECK(ranked[3].commit->sha == "a");
}

TEST_CASE("no candidates, no ranking") {
  std::map<std::string, commit_info> none;
  rank_input in{{{"src/x.cpp", 1, 0}}, nullptr, &none, {"t.cpp"}};
  CHECK(rank_commits(in).empty());
}

TEST_CASE("scores add up across failures as corroboration, without outranking a failure's own exact line") {
  commit_info x{.sha = "x", .author = "X", .email = "x@e", .time = 2, .subject = "x", .files = {"a.cpp", "b.cpp"}};
  commit_info y{.sha = "y", .author = "Y", .email = "y@e", .time = 3, .subject = "y", .files = {"b.cpp"}};
  commit_info z{.sha = "z", .author = "Z", .email = "z@e", .time = 1, .subject = "z", .files = {"c.cpp"}};
  auto hit = [](const commit_info* c, double points) {
    ranked_commit r;
    r.commit = c;
    r.score = points;
    r.strongest = points;
    return r;
  };
  // Failure A: x owns the exact line. Failure B: x and y only touched the frame's file (a tie that y,
  // the newer commit, would win alone). Failure C: z owns the exact line, x touched the file.
  std::vector<std::vector<ranked_commit>> per_failure = {
      {hit(&x, 10)}, {hit(&y, 3), hit(&x, 3)}, {hit(&z, 10), hit(&x, 3)}};
  corroborate(per_failure);
  CHECK(per_failure[0].front().commit == &x);
  CHECK(per_failure[1].front().commit == &x);  // x broke A too
  CHECK(per_failure[2].front().commit == &z);  // z's exact line stays first
  CHECK(per_failure[1].front().score == doctest::Approx(3 + kCorroboration * 13));
}

TEST_CASE("an identifier of the failure in a commit's diff adds 2, once per failure, and decides a tie") {
  auto candidates = by_sha({commit("x", "xavier", 100, {"tests/http_test.cpp", "src/header.cpp"}),
                            commit("y", "yvonne", 200, {"tests/http_test.cpp", "src/body.cpp"})});
  diff_identifier_index diffs = {
      {"x",
       {{"max_retries", {"src/header.cpp", "+int max_retries = 3;"}},
        {"parse_header", {"src/header.cpp", "-bool parse_header();"}}}},
      {"z",
       {{"parse_header", {"src/z.cpp", "+parse_header"}}}}};  // not a candidate (a bot, an ignored revision)
  rank_input in{{}, nullptr, &candidates, {"tests/http_test.cpp"}};
  auto without = rank_commits(in);
  REQUIRE(without.size() == 2);
  CHECK(without[0].commit->sha == "y");  // equal scores: the newer commit

  in.identifiers = {"parse_header", "max_retries", "unrelated"};
  in.diffs = &diffs;
  auto ranked = rank_commits(in);
  REQUIRE(ranked.size() == 2);
  CHECK(ranked[0].commit->sha == "x");
  CHECK(ranked[0].score == doctest::Approx(3.0 + kIdentifierPoints));  // two identifiers, one bonus
  REQUIRE(ranked[0].hits.size() == 2);
  CHECK(ranked[0].hits[1].signal == "identifier_in_diff");
  CHECK(ranked[0].hits[1].file == "src/header.cpp");
  CHECK(ranked[0].hits[1].code == "-bool parse_header();");  // the failure's first identifier
  CHECK(ranked[0].hits[1].line == 0);
  CHECK(confidence_of(ranked[0]) == confidence::medium);
  CHECK(ranked[1].score == doctest::Approx(3.0));

  in.identifiers = {"unrelated"};
  CHECK(rank_commits(in)[0].commit->sha == "y");
}

TEST_CASE("an identifier match alone is enough to name a commit, with medium confidence") {
  auto candidates = by_sha({commit("x", "xavier", 100, {"src/header.cpp"})});
  diff_identifier_index diffs = {{"x", {{"parse_header", {"src/header.cpp", "+bool parse_header();"}}}}};
  rank_input in{{}, nullptr, &candidates, {}};
  in.identifiers = {"parse_header"};
  in.diffs = &diffs;
  auto ranked = rank_commits(in);
  REQUIRE(ranked.size() == 1);
  CHECK(ranked[0].score == doctest::Approx(kIdentifierPoints));
  CHECK(confidence_of(ranked[0]) == confidence::medium);
}

TEST_CASE("identifier points stay with their own failure and do not corroborate the others") {
  commit_info x{.sha = "x", .author = "X", .email = "x@e", .time = 2, .subject = "x", .files = {"a.cpp"}};
  ranked_commit named;  // failure A: x owns the exact line and its diff names an identifier of A
  named.commit = &x;
  named.score = 10 + kIdentifierPoints;
  named.strongest = 10;
  named.local = kIdentifierPoints;
  ranked_commit touched;  // failure B: x only touched the frame's file
  touched.commit = &x;
  touched.score = 3;
  touched.strongest = 3;
  std::vector<std::vector<ranked_commit>> per_failure = {{named}, {touched}};
  corroborate(per_failure);
  CHECK(per_failure[0].front().score == doctest::Approx(12 + kCorroboration * 3));
  CHECK(per_failure[1].front().score == doctest::Approx(3 + kCorroboration * 10));
}
