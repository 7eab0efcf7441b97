// The checks before a plugin's dlopen (core/plugin_file_check.h). The ELF part reads only the
// file header, the section headers and the dynamic symbol and string tables, each read bounds-
// checked against the file's size: no more of the format than finding two symbols needs.
#include "core/plugin_file_check.h"

#include <elf.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <vector>

#include <fmt/format.h>

namespace graphrun {
namespace {

#if UINTPTR_MAX == UINT64_MAX
using Ehdr = Elf64_Ehdr;
using Shdr = Elf64_Shdr;
using Sym = Elf64_Sym;
constexpr unsigned char kHostClass = ELFCLASS64;
#else
using Ehdr = Elf32_Ehdr;
using Shdr = Elf32_Shdr;
using Sym = Elf32_Sym;
constexpr unsigned char kHostClass = ELFCLASS32;
#endif
constexpr unsigned char kHostByteOrder = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB;

#if defined(__x86_64__)
constexpr int kHostMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr int kHostMachine = EM_AARCH64;
#elif defined(__i386__)
constexpr int kHostMachine = EM_386;
#elif defined(__arm__)
constexpr int kHostMachine = EM_ARM;
#elif defined(__powerpc64__)
constexpr int kHostMachine = EM_PPC64;
#elif defined(__riscv)
constexpr int kHostMachine = EM_RISCV;
#else
#error "add this architecture's ELF e_machine value"
#endif

const char* const kEntryPoints[] = {"graphrun_plugin_abi_version", "graphrun_plugin_init"};

std::string machine_name(int machine) {
  switch (machine) {
    case EM_X86_64: return "x86-64";
    case EM_AARCH64: return "AArch64";
    case EM_386: return "32-bit x86";
    case EM_ARM: return "32-bit ARM";
    case EM_PPC64: return "PowerPC64";
    case EM_RISCV: return "RISC-V";
    default: return fmt::format("ELF machine {}", machine);
  }
}

std::string type_name(int type) {
  switch (type) {
    case ET_EXEC: return "an executable";
    case ET_REL: return "an object file (.o)";
    case ET_CORE: return "a core dump";
    default: return fmt::format("of ELF type {}", type);
  }
}

// An open file read with bounds checks: read() refuses any range outside the file.
class FileReader {
 public:
  explicit FileReader(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    struct stat st {};
    if (fd_ >= 0 && ::fstat(fd_, &st) == 0) size_ = static_cast<uint64_t>(st.st_size);
  }
  ~FileReader() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  bool is_open() const { return fd_ >= 0; }
  uint64_t size() const { return size_; }
  bool read(uint64_t offset, void* out, uint64_t n) const {
    if (offset > size_ || n > size_ - offset) return false;
    auto* dst = static_cast<char*>(out);
    while (n > 0) {
      ssize_t got = ::pread(fd_, dst, n, static_cast<off_t>(offset));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return false;
      dst += got, offset += static_cast<uint64_t>(got), n -= static_cast<uint64_t>(got);
    }
    return true;
  }

 private:
  int fd_;
  uint64_t size_ = 0;
};

// The section headers; a reason in `problem` when they cannot be read.
std::vector<Shdr> section_headers(const FileReader& file, const Ehdr& header, std::string& problem) {
  if (header.e_shoff == 0) {
    problem = "it has no section headers, so its dynamic symbols cannot be checked";
    return {};
  }
  if (header.e_shentsize != sizeof(Shdr)) {
    problem = fmt::format("its ELF header is malformed (section header size {}, not {})", header.e_shentsize, sizeof(Shdr));
    return {};
  }
  uint64_t count = header.e_shnum;
  if (count == 0) {  // more than 0xff00 sections: the count is in section 0's sh_size
    Shdr first{};
    if (!file.read(header.e_shoff, &first, sizeof first)) {
      problem = "it is truncated (its section headers lie past its end)";
      return {};
    }
    count = first.sh_size;
  }
  if (header.e_shoff > file.size() || count > (file.size() - header.e_shoff) / sizeof(Shdr)) {
    problem = "it is truncated (its section headers lie past its end)";
    return {};
  }
  std::vector<Shdr> sections(count);
  if (!file.read(header.e_shoff, sections.data(), count * sizeof(Shdr))) problem = "its section headers cannot be read";
  return sections;
}

// A section's bytes; false when it lies (partly) outside the file.
bool section_bytes(const FileReader& file, const Shdr& section, std::vector<char>& out) {
  if (section.sh_type == SHT_NOBITS || section.sh_size > file.size()) return false;
  out.resize(section.sh_size);
  return file.read(section.sh_offset, out.data(), section.sh_size);
}

// Which of kEntryPoints the dynamic symbol table defines as functions; a reason in `problem`
// when the table is malformed.
std::vector<bool> defined_entry_points(const FileReader& file, const std::vector<Shdr>& sections, std::string& problem) {
  std::vector<bool> found(std::size(kEntryPoints), false);
  for (const Shdr& section : sections) {
    if (section.sh_type != SHT_DYNSYM) continue;
    if (section.sh_entsize != sizeof(Sym) || section.sh_link >= sections.size() ||
        sections[section.sh_link].sh_type != SHT_STRTAB) {
      problem = "its dynamic symbol table (.dynsym) is malformed";
      return found;
    }
    std::vector<char> symbols, names;
    if (!section_bytes(file, section, symbols) || !section_bytes(file, sections[section.sh_link], names)) {
      problem = "it is truncated (its dynamic symbol table lies past its end)";
      return found;
    }
    for (size_t offset = 0; offset + sizeof(Sym) <= symbols.size(); offset += sizeof(Sym)) {
      Sym sym;
      std::memcpy(&sym, symbols.data() + offset, sizeof sym);
      if (sym.st_name >= names.size() || sym.st_shndx == SHN_UNDEF) continue;
      if (ELF64_ST_TYPE(sym.st_info) != STT_FUNC) continue;  // the same low 4 bits in ELF32
      int bind = ELF64_ST_BIND(sym.st_info);
      if (bind != STB_GLOBAL && bind != STB_WEAK) continue;
      const char* name = names.data() + sym.st_name;
      size_t length = strnlen(name, names.size() - sym.st_name);
      for (size_t i = 0; i < std::size(kEntryPoints); ++i)
        if (std::string_view(name, length) == kEntryPoints[i]) found[i] = true;
    }
  }
  return found;
}

bool is_private_group(gid_t gid, uid_t owner) {
  // Under the loader's lock: getpwuid/getgrgid's static buffers are not shared with a caller.
  const passwd* user = ::getpwuid(owner);
  const group* grp = ::getgrgid(gid);
  if (user == nullptr || grp == nullptr || std::strcmp(user->pw_name, grp->gr_name) != 0) return false;
  for (char** member = grp->gr_mem; *member != nullptr; ++member)
    if (std::strcmp(*member, user->pw_name) != 0) return false;
  return true;
}

bool owned_by_user_or_root(const struct stat& st) { return st.st_uid == ::geteuid() || st.st_uid == 0; }

// Whether others than the owner can write: world-writable, or group-writable by a group with
// other members.
bool others_can_write(const struct stat& st) {
  if (st.st_mode & S_IWOTH) return true;
  return (st.st_mode & S_IWGRP) && !is_private_group(st.st_gid, st.st_uid);
}

std::string cannot(const std::string& path, const std::string& reason) {
  return fmt::format("cannot load plugin '{}': {}", path, reason);
}

}  // namespace

std::string plugin_elf_problem(const std::string& path) {
  FileReader file(path);
  if (!file.is_open()) return cannot(path, fmt::format("cannot open it: {}", std::strerror(errno)));
  unsigned char ident[EI_NIDENT] = {};
  if (!file.read(0, ident, EI_NIDENT) || std::memcmp(ident, ELFMAG, SELFMAG) != 0)
    return cannot(path, "it is not a shared library (it does not start with the ELF magic number)");
  if (ident[EI_CLASS] != kHostClass)
    return cannot(path, fmt::format("it is a {} ELF file; this graphrun is {}",
                                    ident[EI_CLASS] == ELFCLASS32 ? "32-bit" : ident[EI_CLASS] == ELFCLASS64 ? "64-bit" : "malformed",
                                    kHostClass == ELFCLASS64 ? "64-bit" : "32-bit"));
  if (ident[EI_DATA] != kHostByteOrder)
    return cannot(path, "its byte order is not this machine's");
  if (ident[EI_VERSION] != EV_CURRENT) return cannot(path, "its ELF header is malformed (unknown ELF version)");
  Ehdr header{};
  if (!file.read(0, &header, sizeof header))
    return cannot(path, fmt::format("it is truncated ({} bytes, shorter than an ELF header)", file.size()));
  if (header.e_type != ET_DYN) return cannot(path, fmt::format("it is {}, not a shared library", type_name(header.e_type)));
  if (header.e_machine != kHostMachine)
    return cannot(path, fmt::format("it is built for {}; this machine is {}", machine_name(header.e_machine),
                                    machine_name(kHostMachine)));
  std::string problem;
  std::vector<Shdr> sections = section_headers(file, header, problem);
  if (!problem.empty()) return cannot(path, problem);
  std::vector<bool> found = defined_entry_points(file, sections, problem);
  if (!problem.empty()) return cannot(path, problem);
  for (size_t i = 0; i < found.size(); ++i)
    if (!found[i])
      return fmt::format("'{}' is not a graphrun plugin: it does not export {} (write GRAPHRUN_PLUGIN(...) from "
                         "<graphrun/plugin.hpp>, or define both entry points of <graphrun/plugin.h>)",
                         path, kEntryPoints[i]);
  return "";
}

std::string plugin_file_problem(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return cannot(path, fmt::format("cannot read it: {}", std::strerror(errno)));
  if (!S_ISREG(st.st_mode)) return cannot(path, "it is not a regular file");
  if (!owned_by_user_or_root(st))
    return cannot(path, fmt::format("it is owned by user id {}, neither you nor root", st.st_uid));
  if (others_can_write(st))
    return cannot(path, fmt::format("others can write it (mode {:o}): anyone could have changed it; "
                                    "`chmod go-w` it if you trust its contents",
                                    st.st_mode & 07777));
  std::string folder = std::filesystem::path(path).parent_path().string();
  struct stat dir {};
  if (::stat(folder.c_str(), &dir) != 0) return cannot(path, fmt::format("cannot read its folder: {}", std::strerror(errno)));
  if (!owned_by_user_or_root(dir))
    return cannot(path, fmt::format("its folder {} is owned by user id {}, who could replace the file", folder, dir.st_uid));
  if (!(dir.st_mode & S_ISVTX) && others_can_write(dir))
    return cannot(path, fmt::format("others can write its folder {} (mode {:o}, no sticky bit), so anyone could "
                                    "have replaced it",
                                    folder, dir.st_mode & 07777));
  return plugin_elf_problem(path);
}

}  // namespace graphrun
