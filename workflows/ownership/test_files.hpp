#pragma once
// Which repository file a failing test lives in, and which file it is about ("the subject"):
// calc_test.cpp → calc.cpp, test_calc.py → calc.py, CalcTest.java → Calc.java, calc.spec.ts → calc.ts.
// Pure functions over an immutable path_index: any thread.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "workflows/ownership/frames.hpp"

namespace tugboat::ownership {

// From the `file` attribute, else from the classname (Java/Kotlin packages, pytest modules), else from
// the innermost frame that looks like a test file. nullopt when none maps to a repository file.
std::optional<std::string> locate_test_file(std::string_view file_attribute, std::string_view classname,
                                            const std::vector<std::string>& frame_paths, const path_index& index);

// The file under test for a test file, when exactly one candidate is the closest to it.
std::optional<std::string> subject_file(std::string_view test_file, const path_index& index);

// Whether a file name reads as a test ("calc_test.cpp", "test_calc.py", "CalcTest.java", "a.spec.js").
bool looks_like_test_file(std::string_view path);

}  // namespace tugboat::ownership
