#include "workflows/ownership/codeowners.hpp"

#include <doctest/doctest.h>

using namespace tugboat::ownership;

TEST_CASE("globs follow gitignore rules for *, ?, ** and escapes") {
  CHECK(glob_match("*.js", "app.js"));
  CHECK_FALSE(glob_match("*.js", "src/app.js"));
  CHECK(glob_match("**/*.js", "src/app.js"));
  CHECK(glob_match("**/*.js", "app.js"));
  CHECK(glob_match("docs/**/guide.md", "docs/guide.md"));
  CHECK(glob_match("docs/**/guide.md", "docs/a/b/guide.md"));
  CHECK(glob_match("src/**", "src/a/b.c"));
  CHECK(glob_match("file?.txt", "file1.txt"));
  CHECK_FALSE(glob_match("file?.txt", "file/.txt"));
  CHECK(glob_match("\\#notes", "#notes"));
  CHECK_FALSE(glob_match("a*", "b"));
}

TEST_CASE("CODEOWNERS patterns anchor, match anywhere and cover directories as GitHub documents") {
  CHECK(codeowners_pattern_matches("*.go", "cmd/tool/main.go"));
  CHECK(codeowners_pattern_matches("/build/logs/", "build/logs/a/b.log"));
  CHECK_FALSE(codeowners_pattern_matches("/build/logs/", "src/build/logs/x"));
  CHECK(codeowners_pattern_matches("apps/", "src/apps/x.c"));  // a directory anywhere
  CHECK(codeowners_pattern_matches("docs/*", "docs/getting-started.md"));
  CHECK_FALSE(codeowners_pattern_matches("docs/*", "docs/build-app/troubleshooting.md"));
  CHECK(codeowners_pattern_matches("/scripts", "scripts/deploy.sh"));
  CHECK(codeowners_pattern_matches("**/logs", "deep/down/logs/x"));
  CHECK(codeowners_pattern_matches("src/net", "src/net/socket.cpp"));
  CHECK_FALSE(codeowners_pattern_matches("src/net", "lib/src/net/socket.cpp"));
  CHECK_FALSE(codeowners_pattern_matches("apps/", "apps"));  // a file named like the directory
}

TEST_CASE("the last matching rule wins, and an ownerless rule un-owns") {
  auto co = codeowners::parse(R"(# Owners
*                 @global-owner
*.js              @js-owner   # inline comment
/src/net/         @net-owners net@example.com
/src/net/vendor/
docs/*            docs@example.com
)",
                              ".github/CODEOWNERS");
  CHECK(co.source() == ".github/CODEOWNERS");
  const auto* r = co.match("src/net/socket.cpp");
  REQUIRE(r != nullptr);
  CHECK(r->owners == std::vector<std::string>{"@net-owners", "net@example.com"});
  CHECK(r->line == 4);
  CHECK(r->text == "/src/net/         @net-owners net@example.com");
  CHECK(co.match("web/app.js")->owners == std::vector<std::string>{"@js-owner"});
  CHECK(co.match("README.md")->owners == std::vector<std::string>{"@global-owner"});
  CHECK(co.match("src/net/vendor/zlib.c")->owners.empty());
  CHECK(co.match("docs/guide.md")->owners == std::vector<std::string>{"docs@example.com"});
  CHECK(co.match("docs/deep/guide.md")->owners == std::vector<std::string>{"@global-owner"});
  CHECK(codeowners::parse("", "x").match("a") == nullptr);
}
