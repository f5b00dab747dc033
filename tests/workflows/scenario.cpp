#include "scenario.hpp"

namespace tugboat::testing {

release_scenario::release_scenario() {
  repo.write("src/calc.cpp", numbered_lines("calc line", 40));
  repo.write("src/parser.cpp", numbered_lines("parser line", 40));
  repo.write("src/legacy/old_name.cpp", numbered_lines("strings line", 20));
  repo.write("src/net/socket.cpp", numbered_lines("socket line", 20));
  for (const char* t : {"calc", "parser", "io", "net", "strings"}) {
    repo.write(std::string("tests/") + t + "_test.cpp", numbered_lines(std::string(t) + " test line", 10));
  }
  repo.write("src/main/java/com/acme/Billing.java", numbered_lines("billing line", 20));
  repo.write("src/test/java/com/acme/BillingTest.java", numbered_lines("billing test line", 20));
  repo.write(".mailmap", "Dave Jones <dave@example.com> dave <dave@old.example>\n");
  repo.write(".github/CODEOWNERS",
             "# Owners of the sample project\n/src/net/     @net-owners\n*.java        @java-team\n"
             "docs/*        docs@example.com\n");
  init = repo.commit(kAlice, "Initial import", 0);

  repo.set_line("tests/io_test.cpp", 2, "io test line 2 tightened");
  repo.set_line("src/parser.cpp", 5, "parser line 5 faster");
  bob_io_1 = repo.commit(kBob, "Tighten io tests", 10);
  repo.set_line("tests/io_test.cpp", 3, "io test line 3 tightened");
  bob_io_2 = repo.commit(kBob, "Tighten io tests more", 20);
  repo.set_line("tests/parser_test.cpp", 4, "parser test line 4 renamed");
  alice_parser_test = repo.commit(kAlice, "Rename parser test", 25);
  repo.git({"tag", "v1.0"});

  repo.set_line("src/calc.cpp", 12, "int calc_value = broken;");
  repo.set_line("src/calc.cpp", 25, "int total=a+b;");
  carol_calc = repo.commit(kCarol, "Make calc faster", 40);
  repo.set_line("src/parser.cpp", 20, "parser line 20 // accepts empty input now");
  dave_parser = repo.commit(kDaveOld, "Parser: accept empty input", 45);
  repo.set_line("src/calc.cpp", 25, "int total = (a + b);");
  eve_format = repo.commit(kEve, "Reformat calc", 50);
  repo.write(".git-blame-ignore-revs", "# Reformatting\n" + eve_format + "\n");
  ignore_revs = repo.commit(kAlice, "Ignore the reformat in blame", 51);
  std::filesystem::create_directories(repo.dir() / "src/util");
  repo.git({"mv", "src/legacy/old_name.cpp", "src/util/strings.cpp"});
  repo.set_line("src/util/strings.cpp", 5, "strings line 5 // trims tabs too");
  alice_rename = repo.commit(kAlice, "Move strings to util and trim tabs", 55);
  repo.set_line("src/calc.cpp", 3, "calc line 3 bumped");
  bot_bump = repo.commit(kBot, "Bump calc constant", 60);
  repo.set_line("src/main/java/com/acme/Billing.java", 9, "billing line 9 changed");
  bob_billing = repo.commit(kBob, "Billing: round half up", 65);

  current = repo.path() + "/qa-current.xml";
  billing = repo.path() + "/qa-billing.xml";
  rerun = repo.path() + "/qa-rerun.xml";
  previous = repo.path() + "/qa-previous.xml";
  repo.write("qa-current.xml", R"x(<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="10" name="AllTests">
  <testsuite name="CalcTest">
    <testcase name="AddsSmallNumbers" file="tests/calc_test.cpp" line="3" status="run" result="completed" classname="CalcTest"/>
    <testcase name="AddsLargeNumbers" file="tests/calc_test.cpp" line="5" status="run" result="completed" classname="CalcTest">
      <failure message="/builds/ci/project/src/calc.cpp:12&#x0A;Value of: calc()" type=""><![CDATA[/builds/ci/project/src/calc.cpp:12
Value of: calc()
  Actual: 3
Expected: 4]]></failure>
    </testcase>
    <testcase name="Formats" file="tests/calc_test.cpp" line="7" status="run" result="completed" classname="CalcTest">
      <failure message="src/calc.cpp:25&#x0A;total is wrong" type=""><![CDATA[src/calc.cpp:25
total is wrong]]></failure>
    </testcase>
    <testcase name="Sometimes" file="tests/calc_test.cpp" line="9" status="run" result="completed" classname="CalcTest">
      <failure message="timeout" type=""><![CDATA[timeout]]></failure>
    </testcase>
    <testcase name="DISABLED_Slow" file="tests/calc_test.cpp" line="10" status="notrun" result="suppressed" classname="CalcTest"/>
  </testsuite>
  <testsuite name="ParserTest">
    <testcase name="RejectsEmpty" file="tests/parser_test.cpp" line="2" status="run" result="completed" classname="ParserTest">
      <failure message="AddressSanitizer: heap-buffer-overflow"><![CDATA[==7==ERROR: AddressSanitizer: heap-buffer-overflow
    #0 0x55d0 in parse /builds/ci/project/src/parser.cpp:20:7
    #1 0x55d1 in calc /builds/ci/project/src/calc.cpp:12:1
    #2 0x7f00 in __libc_start_main (/lib/x86_64-linux-gnu/libc.so.6+0x29d90)]]></failure>
    </testcase>
    <testcase name="ThrowsOnGarbage" file="tests/parser_test.cpp" line="6" status="run" result="completed" classname="ParserTest">
      <failure message="unknown file&#x0A;C++ exception thrown" type=""/>
    </testcase>
  </testsuite>
  <testsuite name="StringsTest">
    <testcase name="Trims" file="tests/strings_test.cpp" line="2" status="run" result="completed" classname="StringsTest">
      <failure message="/builds/ci/project/src/util/strings.cpp:5: Failure"/>
    </testcase>
  </testsuite>
  <testsuite name="NetTest">
    <testcase name="Connects" file="tests/net_test.cpp" line="2" status="run" result="completed" classname="NetTest">
      <failure message="src/net/socket.cpp:4: Failure&#x0A;connection refused"/>
    </testcase>
  </testsuite>
  <testsuite name="IoTest">
    <testcase name="Reads" file="tests/io_test.cpp" line="2" status="run" result="completed" classname="IoTest">
      <failure message="unknown file&#x0A;C++ exception with description &quot;eof&quot; thrown in the test body."/>
    </testcase>
  </testsuite>
</testsuites>
)x");
  repo.write("qa-billing.xml", R"x(<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="com.acme.BillingTest" tests="3" failures="1">
  <testcase name="testCharge" classname="com.acme.BillingTest" time="0.02">
    <failure message="expected: &lt;10&gt; but was: &lt;11&gt;" type="org.opentest4j.AssertionFailedError"><![CDATA[org.opentest4j.AssertionFailedError: expected: <10> but was: <11>
	at com.acme.Billing.charge(Billing.java:7)
	at com.acme.BillingTest.testCharge(BillingTest.java:12)]]></failure>
  </testcase>
  <testcase name="testRefund" classname="com.acme.BillingTest" time="0.1">
    <flakyFailure message="Read timed out" type="java.net.SocketTimeoutException"><stackTrace>java.net.SocketTimeoutException: Read timed out</stackTrace></flakyFailure>
  </testcase>
  <testcase name="testInvoice" classname="com.acme.BillingTest" time="0.01"/>
</testsuite>
)x");
  repo.write("qa-rerun.xml", R"x(<testsuite name="CalcTest"><testcase classname="CalcTest" name="Sometimes"/></testsuite>)x");
  repo.write("qa-previous.xml", R"x(<testsuites><testsuite name="ParserTest">
  <testcase classname="ParserTest" name="ThrowsOnGarbage"><failure message="already broken"/></testcase>
  <testcase classname="CalcTest" name="AddsLargeNumbers"/>
</testsuite></testsuites>)x");
}

const release_scenario& shared_scenario() {
  static const release_scenario scenario;
  return scenario;
}

}  // namespace tugboat::testing
