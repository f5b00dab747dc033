#include "workflows/ownership/frames.hpp"
#include "workflows/ownership/test_files.hpp"

#include <doctest/doctest.h>

using namespace tugboat::ownership;

TEST_CASE("gtest and Catch2 file:line locations are frames") {
  auto f = extract_frames("/builds/ci/src/calc.cpp:12: Failure\nExpected equality\n  at /x/tests/calc_test.cpp:40\n");
  REQUIRE(f.size() == 2);
  CHECK(f[0] == raw_frame{"/builds/ci/src/calc.cpp", 12});
  CHECK(f[1] == raw_frame{"/x/tests/calc_test.cpp", 40});
  CHECK(extract_frames("calc_test.cpp:5\nExpected") == std::vector<raw_frame>{{"calc_test.cpp", 5}});
}

TEST_CASE("pytest and Python tracebacks are reversed so the innermost frame comes first") {
  auto pytest = extract_frames("tests/test_calc.py:9: in test_divide\n    assert x\nsrc/calc.py:14: in divide\n"
                               "E   AssertionError\n\nsrc/calc.py:14: AssertionError");
  REQUIRE(pytest.size() == 2);
  CHECK(pytest[0] == raw_frame{"src/calc.py", 14});
  CHECK(pytest[1] == raw_frame{"tests/test_calc.py", 9});
  auto tb = extract_frames(
      "Traceback (most recent call last):\n  File \"/ci/tests/conftest.py\", line 7, in data\n"
      "  File \"/ci/src/loader.py\", line 22, in read\nFileNotFoundError: data.csv");
  REQUIRE(tb.size() == 2);
  CHECK(tb[0] == raw_frame{"/ci/src/loader.py", 22});
  CHECK(tb[1] == raw_frame{"/ci/tests/conftest.py", 7});
}

TEST_CASE("Java frames carry their package as directories") {
  auto f = extract_frames(
      "org.opentest4j.AssertionFailedError: expected\n\tat org.junit.Assert.fail(Assert.java:55)\n"
      "\tat com.acme.Billing$Ledger.lambda$close$0(Billing.java:7)\n\tat com.acme.BillingTest.testCharge(BillingTest.java:12)\n"
      "\tat java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)");
  REQUIRE(f.size() == 3);
  CHECK(f[0] == raw_frame{"org/junit/Assert.java", 55});
  CHECK(f[1] == raw_frame{"com/acme/Billing.java", 7});
  CHECK(f[2] == raw_frame{"com/acme/BillingTest.java", 12});
}

TEST_CASE("sanitizer, Go and JS frames keep their order and drop the column") {
  auto asan = extract_frames(
      "==1==ERROR: AddressSanitizer: heap-use-after-free\n    #0 0x55d0 in add(int, int) /src/calc.cpp:12:5\n"
      "    #1 0x55d1 in main /src/main.cpp:30:3\n    #2 0x7f in __libc_start_main (/lib/x86_64-linux-gnu/libc.so.6+0x29d90)");
  REQUIRE(asan.size() == 2);
  CHECK(asan[0] == raw_frame{"/src/calc.cpp", 12});
  CHECK(asan[1] == raw_frame{"/src/main.cpp", 30});
  CHECK(extract_frames("    calc_test.go:12: Sub(3, 1) = 4") == std::vector<raw_frame>{{"calc_test.go", 12}});
  auto js = extract_frames("Error: nope\n    at Object.<anonymous> (/ci/src/calc.test.js:9:27)\n    at /ci/src/run.js:3:1");
  REQUIRE(js.size() == 2);
  CHECK(js[0] == raw_frame{"/ci/src/calc.test.js", 9});
  CHECK(js[1] == raw_frame{"/ci/src/run.js", 3});
}

TEST_CASE("Node's file:// URLs are paths, its internal modules are not") {
  auto f = extract_frames("      at TestContext.<anonymous> (file:///tmp/nodefx/calc.test.mjs:5:39)\n"
                          "      at Test.runInAsyncScope (node:async_hooks:206:9)\n"
                          "      at Test.run (node:internal/test_runner/test:796:25)");
  CHECK(f == std::vector<raw_frame>{{"/tmp/nodefx/calc.test.mjs", 5}});
}

TEST_CASE("things that are not frames are ignored and repeated frames appear once") {
  CHECK(extract_frames("see https://ci.example.com:8080/job/12 at 10:30:00, version 1.2:3").empty());
  CHECK(extract_frames("a.cpp:0: zero\nb.cpp:: none").empty());
  CHECK(extract_frames("C:\\ci\\src\\calc.cpp:7: error") == std::vector<raw_frame>{{"/ci/src/calc.cpp", 7}});
  CHECK(extract_frames("src/a.cpp:3: x\nsrc/a.cpp:3: again").size() == 1);
}

TEST_CASE("CI paths map to repository paths by the longest suffix of whole components") {
  path_index index({"src/calc.cpp", "tests/calc.cpp", "src/util/strings.cpp", "lib/util/strings.cpp",
                    "src/main/java/com/acme/Billing.java", "README.md", "main.cpp"});
  CHECK(index.map("/builds/ci/project/src/calc.cpp") == "src/calc.cpp");
  CHECK(index.map("./tests/calc.cpp") == "tests/calc.cpp");
  CHECK(index.map("com/acme/Billing.java") == "src/main/java/com/acme/Billing.java");
  CHECK(index.map("/ci/src/util/strings.cpp") == "src/util/strings.cpp");
  CHECK_FALSE(index.map("calc.cpp"));             // two files tie: no guess
  CHECK_FALSE(index.map("util/strings.cpp"));     // still a tie
  CHECK_FALSE(index.map("/usr/include/c++/12/bits/vector.tcc"));
  CHECK(index.map("/ci/main.cpp") == "main.cpp");
  CHECK_FALSE(index.map("xcalc.cpp"));  // a suffix of a component is not a match
  CHECK(index.contains("README.md"));
  CHECK_FALSE(index.contains("src/README.md"));
}

TEST_CASE("a test's file comes from its attribute, its classname or its frames; its subject from its name") {
  path_index index({"tests/calc_test.cpp", "src/calc.cpp", "src/calc.hpp", "tests/test_loader.py", "src/loader.py",
                    "src/test/java/com/acme/BillingTest.java", "src/main/java/com/acme/Billing.java",
                    "web/calc.spec.ts", "web/calc.ts"});
  CHECK(locate_test_file("calc_test.cpp", "CalcTest", {}, index) == "tests/calc_test.cpp");
  CHECK(locate_test_file("", "com.acme.BillingTest", {}, index) == "src/test/java/com/acme/BillingTest.java");
  CHECK(locate_test_file("", "com.acme.BillingTest$Nested", {}, index) == "src/test/java/com/acme/BillingTest.java");
  CHECK(locate_test_file("", "tests.test_loader.TestRead", {}, index) == "tests/test_loader.py");
  CHECK(locate_test_file("", "unknown", {"src/calc.cpp", "web/calc.spec.ts"}, index) == "web/calc.spec.ts");
  CHECK_FALSE(locate_test_file("", "storage.migrate", {}, index));

  CHECK(subject_file("tests/calc_test.cpp", index) == "src/calc.cpp");
  CHECK(subject_file("tests/test_loader.py", index) == "src/loader.py");
  CHECK(subject_file("src/test/java/com/acme/BillingTest.java", index) == "src/main/java/com/acme/Billing.java");
  CHECK(subject_file("web/calc.spec.ts", index) == "web/calc.ts");
  CHECK_FALSE(subject_file("src/calc.cpp", index));
  CHECK(looks_like_test_file("a/CalcTest.java"));
  CHECK_FALSE(looks_like_test_file("src/calc.cpp"));
}
