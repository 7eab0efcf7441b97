// What graphrun checks about a plugin file before dlopen, which runs the library's constructors:
// only what can be read without running any of its code. Loading it is then the user's choice
// (--plugin, GRAPHRUN_PLUGIN_PATH, the installed plugin folder); these checks catch the file
// that is not what the user thinks it is, or that someone else could have replaced.
#pragma once

#include <string>

namespace graphrun {

// Why `path` must not be loaded as a plugin, "" when nothing is wrong. It must be a regular
// file owned by the user or root, writable by no one else (a group-writable file passes only
// when its group is the owner's own private group, the umask-002 convention), in a folder no
// one else can replace it in (world-writable only with the sticky bit, as /tmp), and an ELF
// shared object (ET_DYN) of this machine's class, byte order and architecture whose dynamic
// symbol table defines graphrun_plugin_abi_version and graphrun_plugin_init. A truncated or
// malformed file gets a reason, never a crash. The message names the file and the reason.
std::string plugin_file_problem(const std::string& path);

// The part about the ELF contents alone (the file's ownership and mode not looked at).
std::string plugin_elf_problem(const std::string& path);

}  // namespace graphrun
