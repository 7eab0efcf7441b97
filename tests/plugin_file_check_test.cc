// The checks before a plugin's dlopen (core/plugin_file_check.h, issue 34): every file that is
// no plugin for this machine, or that others could have replaced, is refused with a reason
// naming it, and a truncated or corrupted library gets a reason, never a crash (the sanitizer
// build runs these too).
#include <doctest/doctest.h>
#include <elf.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/plugin_file_check.h"
#include "core/plugin_host.h"
#include "tests/harness/op_harness.h"

using namespace graphrun;
using graphrun::testing::contains;
namespace fs = std::filesystem;

namespace {

std::string fixture(const std::string& name) { return std::string(GRAPHRUN_TEST_PLUGIN_DIR) + "/lib" + name + ".so"; }

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// A private folder (0700, removed at the end) to write doctored copies into.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "graphrun_plugin_check_XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& bytes) const {
    std::string file = (path / name).string();
    std::ofstream(file, std::ios::binary) << bytes;
    ::chmod(file.c_str(), 0755);
    return file;
  }
};

template <typename Field>
void poke(std::string& bytes, size_t offset, Field value) {
  std::memcpy(bytes.data() + offset, &value, sizeof value);
}

}  // namespace

TEST_CASE("plugin file check: a real plugin passes; a text file, a folder, a missing file do not") {
  CHECK(plugin_file_problem(fixture("c_negate")) == "");
  TempDir dir;
  std::string text = dir.write("libtext.so", "/* GNU ld script */\nINPUT(-lc)\n");
  CHECK(plugin_file_problem(text) ==
        "cannot load plugin '" + text + "': it is not a shared library (it does not start with the ELF magic number)");
  CHECK(contains(plugin_file_problem(dir.path.string()), "it is not a regular file"));
  CHECK(contains(plugin_file_problem((dir.path / "none.so").string()), "cannot read it: No such file"));
  CHECK(contains(plugin_file_problem(dir.write("libempty.so", "")), "does not start with the ELF magic number"));
}

TEST_CASE("plugin file check: a library without the entry points is refused before dlopen runs it") {
  std::string path = fixture("not_a_plugin");
  CHECK(contains(plugin_file_problem(path), "libnot_a_plugin.so' is not a graphrun plugin: it does not export "
                                            "graphrun_plugin_abi_version"));
  TempDir dir;
  fs::path marker = dir.path / "marker";
  setenv("GRAPHRUN_TEST_MARKER", marker.c_str(), 1);
  std::string error;
  try {
    load_plugin(path);
  } catch (const Error& e) {
    error = e.what();
  }
  unsetenv("GRAPHRUN_TEST_MARKER");
  CHECK(contains(error, "is not a graphrun plugin"));
  CHECK(!fs::exists(marker));  // its constructor never ran
}

TEST_CASE("plugin file check: wrong class, byte order, machine or type is refused by name") {
  std::string good = read_bytes(fixture("c_negate"));
  REQUIRE(good.size() > sizeof(Elf64_Ehdr));
  TempDir dir;
  std::string bytes = good;
  bytes[EI_CLASS] = sizeof(void*) == 8 ? ELFCLASS32 : ELFCLASS64;
  CHECK(contains(plugin_file_problem(dir.write("libclass.so", bytes)),
                 sizeof(void*) == 8 ? "it is a 32-bit ELF file; this graphrun is 64-bit" : "it is a 64-bit ELF file"));
  bytes = good;
  bytes[EI_DATA] = bytes[EI_DATA] == ELFDATA2LSB ? ELFDATA2MSB : ELFDATA2LSB;
  CHECK(contains(plugin_file_problem(dir.write("libendian.so", bytes)), "its byte order is not this machine's"));
  bytes = good;
#if defined(__aarch64__)
  poke<uint16_t>(bytes, offsetof(Elf64_Ehdr, e_machine), EM_X86_64);
  CHECK(contains(plugin_file_problem(dir.write("libarch.so", bytes)), "it is built for x86-64; this machine is AArch64"));
#else
  poke<uint16_t>(bytes, offsetof(Elf64_Ehdr, e_machine), EM_AARCH64);
  CHECK(contains(plugin_file_problem(dir.write("libarch.so", bytes)), "it is built for AArch64; this machine is"));
#endif
  bytes = good;
  poke<uint16_t>(bytes, offsetof(Elf64_Ehdr, e_type), ET_EXEC);
  CHECK(contains(plugin_file_problem(dir.write("libexec.so", bytes)), "it is an executable, not a shared library"));
  bytes = good;
  poke<uint16_t>(bytes, offsetof(Elf64_Ehdr, e_shentsize), 7);
  CHECK(contains(plugin_file_problem(dir.write("libshent.so", bytes)), "its ELF header is malformed"));
  bytes = good;
  poke<uint64_t>(bytes, offsetof(Elf64_Ehdr, e_shoff), uint64_t{1} << 62);
  CHECK(contains(plugin_file_problem(dir.write("libshoff.so", bytes)), "it is truncated (its section headers lie past"));
}

TEST_CASE("plugin file check: every truncation of a plugin is refused with a reason, never a crash") {
  std::string good = read_bytes(fixture("c_negate"));
  TempDir dir;
  CHECK(contains(plugin_file_problem(dir.write("lib20.so", good.substr(0, 20))),
                 "it is truncated (20 bytes, shorter than an ELF header)"));
  CHECK(contains(plugin_file_problem(dir.write("libhalf.so", good.substr(0, good.size() / 2))), "it is truncated"));
  for (size_t length = 0; length < good.size(); length += 61) {
    std::string problem = plugin_elf_problem(dir.write("libcut.so", good.substr(0, length)));
    INFO(length);
    CHECK(contains(problem, "cannot load plugin"));
  }
}

TEST_CASE("plugin file check: corrupted headers and symbol tables give a reason or pass, never a crash") {
  // Random bytes over the ELF header and the section header table (at the end of the file):
  // each answer is a message or "" (then dlopen would judge it), never a read out of bounds.
  std::string good = read_bytes(fixture("c_negate"));
  Elf64_Ehdr header;
  std::memcpy(&header, good.data(), sizeof header);
  TempDir dir;
  std::mt19937 random(34);
  for (int round = 0; round < 300; ++round) {
    std::string bytes = good;
    for (int i = 0; i < 4; ++i) {
      size_t at = round % 2 == 0 ? random() % sizeof header : header.e_shoff + random() % (good.size() - header.e_shoff);
      bytes[at] = static_cast<char>(random());
    }
    std::string problem = plugin_elf_problem(dir.write("libfuzz.so", bytes));
    CHECK((problem.empty() || contains(problem, "libfuzz.so")));
  }
}

TEST_CASE("plugin file check: a file or folder others can write is refused; a sticky folder is not") {
  TempDir dir;
  std::string bytes = read_bytes(fixture("c_negate"));
  std::string path = dir.write("libopen.so", bytes);
  ::chmod(path.c_str(), 0757);
  CHECK(plugin_file_problem(path) == "cannot load plugin '" + path +
                                         "': others can write it (mode 757): anyone could have changed it; `chmod "
                                         "go-w` it if you trust its contents");
  ::chmod(path.c_str(), 0755);
  CHECK(plugin_file_problem(path) == "");
  ::chmod(dir.path.c_str(), 0777);
  CHECK(contains(plugin_file_problem(path), "others can write its folder " + dir.path.string() + " (mode 777"));
  ::chmod(dir.path.c_str(), 01777);  // as /tmp: only the owner can replace the file
  CHECK(plugin_file_problem(path) == "");
  ::chmod(dir.path.c_str(), 0700);
}
