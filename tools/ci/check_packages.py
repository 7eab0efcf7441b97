#!/usr/bin/python3
"""Proves the set-up's package lists: every system file the build and the tests used belongs to a
Debian package that tools/dev.sh installs, to one those pull in (Depends and Pre-Depends,
recursively; Recommends do not count), or to every Debian image (Priority required or important).

A machine that happens to have a package from earlier work builds fine without it being listed;
a fresh one does not (Debian's oneDNN finds OpenCL but only recommends ocl-icd-opencl-dev). This
check looks at what was used, not at what is installed, so such a package cannot hide.

What was used, per build directory (and the ExternalProject builds inside it):
  - headers: ninja's dependency log (`ninja -t deps`);
  - CMake: every file CMake read while configuring (build.ninja's re-run rule lists them) and
    every file path in CMakeCache.txt (libraries, programs, package directories' config files);
  - shared libraries the programs and plugins load (`ldd`);
  - data the programs read at run time: system paths named in the sources (the default
    Fashion-MNIST directory);
  - the tests: the Python modules tests/ imports (imported under /usr/bin/python3, every module's
    file) and the programs the tests run.
A symlink counts with every hop to its target. Files the main job uses are held to the main
list (`tools/dev.sh main`); the test binary, the test plugins, cache entries named GRAPHRUN_TEST_*,
the sanitizer build and the Python tests to the main and test lists together.

usage: check_packages.py [--build DIR]... [--drop PACKAGE]... [--verbose]
exit 0: every package accounted for; 1: a package is missing from the set-up (named, with a file)
"""
import argparse
import ast
import glob
import json
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The one dependency that is not a Debian package: the CUDA toolkit under /usr/local/cuda.
NOT_DEBIAN_ALLOWED = ("/usr/local/cuda",)
# Files no package owns by design: Python's byte-code caches. (A link no package owns, such as
# update-alternatives' /usr/bin/c++ or the CUDA installer's /usr/local/lib/libcudart.so.13, is
# judged by its target, which is checked as a hop of its own.)
UNOWNED_BY_DESIGN = re.compile(r"/__pycache__/|\.pyc$")


class Uses:
    """Files used, each tagged 'main' or 'test' with where the use was seen."""

    def __init__(self, build_dirs):
        self.files = {}  # path -> (tier, source); 'main' wins over 'test'
        self.inside = [os.path.realpath(ROOT)] + [os.path.realpath(d) for d in build_dirs]

    def add(self, path, tier, source):
        for hop in symlink_hops(path):
            if any(hop == d or hop.startswith(d + "/") for d in self.inside) or hop.startswith("/tmp/"):
                continue
            if not os.path.isfile(hop) and not os.path.islink(hop):
                continue
            old = self.files.get(hop)
            if old is None or (old[0] == "test" and tier == "main"):
                self.files[hop] = (tier, source)


def symlink_hops(path):
    """The path, every link it passes through and its final target (absolute, normalised)."""
    hops, seen = [], set()
    path = os.path.normpath(os.path.abspath(path))
    while path not in seen:
        seen.add(path)
        hops.append(path)
        # A link in a parent directory (/lib -> usr/lib on merged /usr) is resolved first.
        parent = os.path.realpath(os.path.dirname(path))
        if parent != os.path.dirname(path):
            path = os.path.join(parent, os.path.basename(path))
            continue
        if not os.path.islink(path):
            break
        path = os.path.normpath(os.path.join(parent, os.readlink(path)))
    return hops


# --- what the build used -----------------------------------------------------------------------
def ninja_build_dirs(build_dir):
    """The build directory and the ExternalProject builds (the plugins) inside it."""
    dirs = [build_dir]
    dirs += sorted(os.path.dirname(f) for f in glob.glob(os.path.join(build_dir, "*-build", "build.ninja")))
    return dirs


def tier_of(top_tier, *where):
    """What only the tests use: the sanitizer build, the test binary and the test plugins."""
    if top_tier == "test" or any("test_plugins" in w or "graphrun_tests" in w for w in where):
        return "test"
    return "main"


def collect_ninja_deps(uses, ninja_dir, top_tier):
    out = subprocess.run(["ninja", "-C", ninja_dir, "-t", "deps"], capture_output=True, text=True, check=True).stdout
    target = ""
    for line in out.splitlines():
        if not line.startswith(" ") and line.strip():
            target = line.split(":")[0]
        elif line.startswith("    "):
            dep = line.strip()
            if os.path.isabs(dep):
                uses.add(dep, tier_of(top_tier, ninja_dir, target), f"header of {target} ({ninja_dir})")


def collect_cmake_inputs(uses, ninja_dir, top_tier):
    """build.ninja's rule that re-runs CMake lists every file the configure step read."""
    text = open(os.path.join(ninja_dir, "build.ninja")).read()
    m = re.search(r"^build build\.ninja[^\n]*?: RERUN_CMAKE \|(.*?)(?<!\$)\n", text, re.M | re.S)
    if not m:
        return
    for path in m.group(1).replace("$\n", " ").split():
        path = path.replace("$ ", " ").replace("$:", ":")
        if os.path.isabs(path):
            uses.add(path, tier_of(top_tier, ninja_dir), f"read by CMake ({ninja_dir})")


def collect_cmake_cache(uses, ninja_dir, top_tier):
    cache = os.path.join(ninja_dir, "CMakeCache.txt")
    if not os.path.exists(cache):
        return
    for line in open(cache, errors="replace"):
        m = re.match(r"^([A-Za-z0-9_.+-]+):(FILEPATH|PATH|STRING|INTERNAL|UNINITIALIZED)=(.*)$", line.rstrip("\n"))
        if not m:
            continue
        key, value = m.group(1), m.group(3)
        tier = "test" if key.startswith("GRAPHRUN_TEST_") else tier_of(top_tier, ninja_dir)
        for token in re.split(r"[;\s]+", value):
            if not token.startswith("/"):
                continue
            source = f"CMakeCache {key} ({ninja_dir})"
            if os.path.isdir(token):
                # A package directory (TBB_DIR, dnnl_DIR): its config files are what was read.
                for cfg in glob.glob(os.path.join(token, "*[Cc]onfig*.cmake")):
                    uses.add(cfg, tier, source)
            else:
                uses.add(token, tier, source)


def collect_ldd(uses, build_dir, top_tier):
    binaries = [os.path.join(build_dir, b) for b in ("graphrun", "graphrun_tests")]
    binaries += glob.glob(os.path.join(build_dir, "*", "lib", "*.so"))
    for binary in binaries:
        if not os.path.exists(binary):
            continue
        p = subprocess.run(["ldd", binary], capture_output=True, text=True)
        tier = tier_of(top_tier, binary)
        for m in re.finditer(r"(/\S+) \(0x", p.stdout):
            uses.add(m.group(1), tier, f"loaded by {os.path.relpath(binary, build_dir)} ({build_dir})")


def collect_runtime_data(uses):
    """System directories and files the sources name (a data set's default place) are read at run time."""
    sources = glob.glob(os.path.join(ROOT, "runtime", "**", "*.cc"), recursive=True)
    sources += glob.glob(os.path.join(ROOT, "tools", "graphrun", "*.cc"))
    for source in sources:
        for path in re.findall(r'"(/usr/share/[^"]+)"', open(source).read()):
            files = [path] if os.path.isfile(path) else glob.glob(os.path.join(path, "**", "*"), recursive=True)
            if not files:
                sys.exit(f"check_packages: {os.path.relpath(source, ROOT)} reads {path}, which is not installed")
            for f in files:
                uses.add(f, "main", f"read at run time ({os.path.relpath(source, ROOT)})")


# --- what the tests used -------------------------------------------------------------------------
def test_scripts():
    return sorted(glob.glob(os.path.join(ROOT, "tests", "**", "*.py"), recursive=True))


def collect_python(uses):
    """Imports every module tests/ imports under the tests' interpreter; all loaded modules count."""
    local = {os.path.splitext(os.path.basename(f))[0] for f in test_scripts()}
    modules, programs = set(), set()
    for script in test_scripts():
        tree = ast.parse(open(script).read(), script)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules.add(node.module)
            elif isinstance(node, ast.Call):
                programs.update(programs_called(node))
    modules = sorted(m for m in modules if m.split(".")[0] not in local)
    # Modules the interpreter loads from site packages before any import (a .pth hook such as
    # setuptools' _distutils_hack) come with whatever is installed, not with the tests.
    probe = ("import importlib, json, sys\n"
             "startup = {n for n, m in sys.modules.items() if 'packages/' in (getattr(m, '__file__', None) or '')}\n"
             f"for m in {modules!r}:\n"
             "    importlib.import_module(m)\n"
             "files = [getattr(m, '__file__', None) for n, m in list(sys.modules.items()) if n not in startup]\n"
             "print(json.dumps([sys.executable] + [f for f in files if f]))\n")
    p = subprocess.run(["/usr/bin/python3", "-c", probe], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"check_packages: the tests' Python modules do not import under /usr/bin/python3:\n{p.stderr[-2000:]}")
    for f in json.loads(p.stdout.strip().splitlines()[-1]):
        uses.add(f, "test", "a Python module the tests import")
    for program in sorted(programs):
        path = shutil.which(program)
        if path is None:
            sys.exit(f"check_packages: the tests run '{program}', which is not installed")
        uses.add(path, "test", f"program the tests run ({program})")


def programs_called(call):
    """'dot' in subprocess.run(["dot", ...]) and shutil.which("dot")."""
    name = ast.unparse(call.func)
    if name in ("shutil.which",) and call.args and isinstance(call.args[0], ast.Constant):
        return [call.args[0].value]
    if name in ("subprocess.run", "subprocess.Popen", "subprocess.check_output", "subprocess.call") and call.args:
        first = call.args[0]
        if isinstance(first, ast.List) and first.elts and isinstance(first.elts[0], ast.Constant):
            return [first.elts[0].value]
    return []


# --- Debian's view --------------------------------------------------------------------------------
def file_owners():
    """path -> package, from dpkg's database (what `dpkg -S` reads), in one pass."""
    owners = {}
    for listing in glob.glob("/var/lib/dpkg/info/*.list"):
        package = os.path.basename(listing)[:-len(".list")].split(":")[0]
        for line in open(listing, errors="replace"):
            owners.setdefault(line.rstrip("\n"), package)
    return owners


def owner_of(path, owners):
    """Merged /usr: a file may be registered under /lib while used under /usr/lib, or back."""
    candidates = [path]
    for short in ("/lib", "/lib64", "/bin", "/sbin"):
        if path.startswith("/usr" + short + "/"):
            candidates.append(path[len("/usr"):])
        elif path.startswith(short + "/"):
            candidates.append("/usr" + path)
    for c in candidates:
        if c in owners:
            return owners[c]
    return None


def installed_packages():
    fmt = "${Package}\\t${db:Status-Abbrev}\\t${Priority}\\t${Provides}\\t${Pre-Depends}\\t${Depends}\\n"
    out = subprocess.run(["dpkg-query", "-W", "-f", fmt], capture_output=True, text=True, check=True).stdout
    packages, providers = {}, {}
    for line in out.splitlines():
        name, status, priority, provides, pre_depends, depends = (line.split("\t") + [""] * 6)[:6]
        if not status.startswith("ii"):
            continue
        packages[name] = (priority, [g for g in (pre_depends + "," + depends).split(",") if g.strip()])
        for virtual in provides.split(","):
            if virtual.strip():
                providers.setdefault(bare_name(virtual), []).append(name)
    return packages, providers


def bare_name(dependency):
    return re.split(r"[\s(:]", dependency.strip(), maxsplit=1)[0]


def closure(roots, packages, providers):
    """Every package the roots pull in through Depends and Pre-Depends. Of alternatives (a | b),
    the first one installed is the one apt would have chosen on a fresh machine."""
    seen, todo = set(), [r for r in roots if r in packages]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for group in packages[name][1]:
            for alternative in group.split("|"):
                dep = bare_name(alternative)
                chosen = dep if dep in packages else next(iter(providers.get(dep, [])), None)
                if chosen:
                    todo.append(chosen)
                    break
    return seen


def setup_lists(drop):
    out = subprocess.run([os.path.join(ROOT, "tools", "dev.sh"), "packages"], capture_output=True, text=True,
                         check=True).stdout
    lists = {}
    for line in out.splitlines():
        tier, _, names = line.partition(":")
        lists[tier.strip()] = [n for n in names.split() if n not in drop]
    return lists


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", action="append", help="build directory (default: build, build-asan)")
    parser.add_argument("--drop", action="append", default=[], help="check as if PACKAGE were not listed")
    parser.add_argument("--verbose", action="store_true", help="print every package used and why")
    args = parser.parse_args()
    builds = args.build or [d for d in (os.path.join(ROOT, "build"), os.path.join(ROOT, "build-asan"))
                            if os.path.exists(os.path.join(d, "build.ninja"))]
    if not builds:
        sys.exit("check_packages: no build directory with a build.ninja (build the project first)")

    uses = Uses(builds)
    for build in builds:
        top_tier = "test" if build.rstrip("/").endswith("-asan") else "main"
        for ninja_dir in ninja_build_dirs(build):
            collect_ninja_deps(uses, ninja_dir, top_tier)
            collect_cmake_inputs(uses, ninja_dir, top_tier)
            collect_cmake_cache(uses, ninja_dir, top_tier)
        collect_ldd(uses, build, top_tier)
    collect_runtime_data(uses)
    collect_python(uses)

    lists = setup_lists(set(args.drop))
    packages, providers = installed_packages()
    base = closure([n for n, (priority, _) in packages.items() if priority in ("required", "important")],
                   packages, providers)
    allowed = {"main": closure(lists["main"], packages, providers) | base}
    allowed["test"] = closure(lists["main"] + lists["test"], packages, providers) | base

    owners = file_owners()
    used = {}  # package -> (tier, file, source)
    problems = []
    for path, (tier, source) in sorted(uses.files.items()):
        package = owner_of(path, owners)
        if package is None:
            if os.path.islink(path):
                continue
            if not UNOWNED_BY_DESIGN.search(path) and not path.startswith(NOT_DEBIAN_ALLOWED):
                problems.append(f"{path} ({source}) belongs to no Debian package: the build must use Debian's")
            continue
        if package not in used or (used[package][0] == "test" and tier == "main"):
            used[package] = (tier, path, source)

    for package, (tier, path, source) in sorted(used.items()):
        if args.verbose:
            print(f"{package:32s} {tier:4s} {path}  [{source}]")
        if package in allowed[tier]:
            continue
        where = "MAIN_PACKAGES" if tier == "main" else "TEST_PACKAGES"
        hint = " (it is in the test list, but the main job uses it)" if package in allowed["test"] else ""
        problems.append(f"package {package} is used but tools/dev.sh does not install it{hint}: "
                        f"{path} ({source}); add it to {where}")

    listed = lists["main"] + lists["test"]
    print(f"check_packages: {len(uses.files)} system files from {len(used)} packages, "
          f"{len(listed)} listed in tools/dev.sh ({len(lists['main'])} main, {len(lists['test'])} test)")
    if problems:
        for p in problems:
            print("error:", p)
        return 1
    print("check_packages: every package used is installed by the set-up")
    return 0


if __name__ == "__main__":
    sys.exit(main())
