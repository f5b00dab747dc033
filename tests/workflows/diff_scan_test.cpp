#include "workflows/ownership/diff_scan.hpp"

#include <doctest/doctest.h>

using namespace tugboat::ownership;

namespace {

const std::string kSha1(40, '1');
const std::string kSha2(40, '2');
const std::string kSha3(40, '3');

}  // namespace

TEST_CASE("the patch scan finds, per commit, the first added or removed line naming each identifier") {
  std::string patches = "\x01" + kSha1 +
                        "\n\n"
                        "diff --git a/src/a.cpp b/src/a.cpp\n"
                        "index 1111111..2222222 100644\n"
                        "--- a/src/a.cpp\n"
                        "+++ b/src/a.cpp\n"
                        "@@ -3 +3,2 @@ void f()\n"
                        "--- parse_header: a removed line that reads like a header\n"
                        "+int parse_header(int n);\n"
                        "+++ an added line that reads like a header: max_retries\n"
                        "@@ -10,0 +12 @@\n"
                        "+\x01 not a commit marker: FooBar\n"
                        "\x01" +
                        kSha2 +
                        "\n\n"
                        "diff --git a/old.cpp b/new.cpp\n"
                        "similarity index 90%\n"
                        "rename from old.cpp\n"
                        "rename to new.cpp\n"
                        "--- a/old.cpp\n"
                        "+++ b/new.cpp\n"
                        "@@ -1 +0,0 @@\n"
                        "-FooBar gone\n"
                        "\\ No newline at end of file\n"
                        "diff --git a/gone.cpp b/gone.cpp\n"
                        "deleted file mode 100644\n"
                        "--- a/gone.cpp\n"
                        "+++ /dev/null\n"
                        "@@ -1,2 +0,0 @@\n"
                        "-int max_retries = 3;\n"
                        "-FooBar again\n"
                        "\x01" +
                        kSha3 +
                        "\n\n"
                        "diff --git a/c.cpp b/c.cpp\n"
                        "--- a/c.cpp\n"
                        "+++ b/c.cpp\n"
                        "@@ -1 +1 @@\n"
                        "-parse_headers differs\n"
                        "+Parse_header differs too\n";
  auto index = scan_patches(patches, {"parse_header", "max_retries", "FooBar"});
  REQUIRE(index.size() == 2);  // the third commit names only look-alikes
  const auto& one = index.at(kSha1);
  REQUIRE(one.size() == 3);
  CHECK(one.at("FooBar").text.starts_with('+'));  // the control byte is cleaned out of the evidence
  CHECK(one.at("FooBar").text.ends_with(" not a commit marker: FooBar"));
  CHECK(one.at("parse_header").file == "src/a.cpp");
  CHECK(one.at("parse_header").text == "--- parse_header: a removed line that reads like a header");
  CHECK(one.at("max_retries").text == "+++ an added line that reads like a header: max_retries");
  const auto& two = index.at(kSha2);
  REQUIRE(two.size() == 2);
  CHECK(two.at("FooBar").file == "old.cpp");
  CHECK(two.at("FooBar").text == "-FooBar gone");
  CHECK(two.at("max_retries").file == "gone.cpp");
}

TEST_CASE("the patch scan keeps a diff line short and finds nothing without identifiers") {
  std::string patches = "\x01" + kSha1 + "\n\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -0,0 +1 @@\n+" +
                        std::string(500, 'y') + " parse_header\n";
  CHECK(scan_patches(patches, {}).empty());
  CHECK(scan_patches(patches, {"parse_header"}).at(kSha1).at("parse_header").text.size() == kMaxDiffLineText);
}
