"""The set-up's package lists are proven by tools/ci/check_packages.py: on this build it passes,
and it fails, naming the package and a file, when a package the build uses is dropped from the
list: one only oneDNN's CMake package needs (ocl-icd-opencl-dev, the package that once hid
behind a machine that happened to have it), a header library the main build includes, and the
one only the test binary includes.
usage: test_package_check.py GRAPHRUN"""
import pathlib
import re
import subprocess
import sys

from cli_util import fail

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
BUILD = pathlib.Path(sys.argv[1]).resolve().parent
CHECK = ROOT / "tools" / "ci" / "check_packages.py"


def check(*drop):
    args = ["/usr/bin/python3", CHECK, "--build", BUILD]
    for package in drop:
        args += ["--drop", package]
    return subprocess.run(args, capture_output=True, text=True, timeout=600)


def main():
    p = check()
    if p.returncode != 0:
        fail(f"the package check fails on this build:\n{p.stdout[-3000:]}{p.stderr[-2000:]}")
    m = re.search(r"(\d+) system files from (\d+) packages", p.stdout)
    if not m or int(m.group(1)) < 500 or int(m.group(2)) < 20:
        fail(f"the package check saw too little of the build to prove anything:\n{p.stdout}")

    for package, tier, file_pattern in (("ocl-icd-opencl-dev", "MAIN_PACKAGES", r"libOpenCL\.so"),
                                        ("libturbojpeg0-dev", "MAIN_PACKAGES", r"turbojpeg\.h"),
                                        ("doctest-dev", "TEST_PACKAGES", r"doctest\.h")):
        p = check(package)
        line = next((l for l in p.stdout.splitlines() if f"package {package} " in l), "")
        if p.returncode != 1 or not line.startswith("error: "):
            fail(f"with {package} dropped the check should fail naming it (exit {p.returncode}):\n{p.stdout[-3000:]}")
        if not re.search(file_pattern, line) or not line.endswith(f"add it to {tier}"):
            fail(f"the error for {package} should name a file like {file_pattern!r} and {tier}: {line}")
    print("ok: the package check passes, and names each dropped package with a file it provides")


if __name__ == "__main__":
    main()
