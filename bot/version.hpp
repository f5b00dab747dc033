#pragma once
namespace tugboat::bot {
inline constexpr const char* kVersion = "0.1.0";
}
