// Errors. User input (graph files, attrs, shapes, weight files) raises graphrun::Error with a
// message that names what and where; the CLI prints it as `error: ...` and exits 2.
// Internal invariants use GR_CHECK, which also throws (never aborts) so one broken kernel
// cannot take down a long training run without its checkpoint being written.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace graphrun {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace graphrun

#define GR_CHECK(cond, ...)                                                                  \
  do {                                                                                      \
    if (!(cond))                                                                            \
      throw ::graphrun::Error(fmt::format("internal check failed at {}:{}: {}: {}", __FILE__, \
                                          __LINE__, #cond, fmt::format(__VA_ARGS__)));      \
  } while (0)
