#!/usr/bin/python3
"""deps.debian_packages: does launch/install-deps.sh install everything the build used?

A fresh Debian machine gets exactly what `launch/install-deps.sh` installs (the packages
of `launch/install-deps.sh --list` and everything they depend on) plus Debian's
essential/required set (what every debootstrap root has). This check looks at what the
build in BUILD_DIR actually used from outside the source and build trees:

  * headers: the compiler's dependency files (*.o.d, and CMake's compiler_depend.make);
  * shared libraries: `ldd` of every ELF executable at the top of BUILD_DIR and in its
    tests/ and bench/ directories;
  * link inputs: absolute paths on the link lines (CMakeFiles/<target>.dir/link.txt):
    static libraries, .so development links, the compiler driver itself;

maps each file to its Debian package (`dpkg-query -S`) and fails, naming the package and
one file that needed it, when a package is neither listed nor pulled in, or when a file
belongs to no Debian package at all (installed by hand, e.g. under /usr/local; the CUDA
toolkit under /usr/local/cuda is the one exception).

It reads the dependency files of every target, so it must run after the whole build
(ctest after `cmake --build`). It works offline: apt-cache reads the local package lists.

usage: check_debian_packages.py BUILD_DIR SOURCE_DIR INSTALL_DEPS_SH
"""
import os
import re
import shlex
import subprocess
import sys
import time

NAME = "deps.debian_packages"
# Not from Debian: the optional CUDA toolkit (cmake/cuda.cmake looks for it there).
EXEMPT_PREFIXES = ("/usr/local/cuda/",)
EXEMPT_PATTERN = re.compile(r"^/usr/local/cuda(-[0-9][0-9.]*)?/")
PACKAGE_NAME = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")


class CheckFailed(Exception):
    pass


def fail(message):
    raise CheckFailed(message)


def run(args, check=True):
    try:
        result = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                errors="surrogateescape", env=dict(os.environ, LC_ALL="C"))
    except FileNotFoundError:
        fail(f"{args[0]} not found: this check needs a Debian system (dpkg, apt-cache, ldd)")
    if check and result.returncode != 0:
        fail(f"`{' '.join(shlex.quote(a) for a in args[:6])}{' ...' if len(args) > 6 else ''}` "
             f"exited with {result.returncode}:\n{result.stderr.strip()}")
    return result


# ---------------------------------------------------------------- the two trees

class Trees:
    def __init__(self, *roots):
        self.roots = set()
        for r in roots:
            for v in (os.path.abspath(r), os.path.realpath(r)):
                self.roots.add(v.rstrip("/") + "/")

    def inside(self, path):
        for p in (os.path.normpath(path), os.path.realpath(path)):
            if any((p + "/").startswith(root) for root in self.roots):
                return True
        return False


def configured_source(build):
    """The source tree BUILD_DIR was configured from (CMakeCache.txt), in case it is not
    SOURCE_DIR (a build tree checked against another checkout)."""
    try:
        with open(os.path.join(build, "CMakeCache.txt"), encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("CMAKE_HOME_DIRECTORY:"):
                    return [line.split("=", 1)[1].strip()]
    except OSError:
        pass
    return []


# ---------------------------------------------------------------- dependency files

def make_rules(text):
    """Yields (targets, prerequisites) of the rules in a Makefile fragment as compilers
    (gcc -MD, nvcc -M) and CMake write them: `\\`-newline continues a line, words are
    separated by blanks, `\\ ` and `\\#` are a literal blank and #, `$$` is $."""
    text = re.sub(r"\\\r?\n", " ", text)
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        words, word, targets, i, n = [], [], None, 0, len(line)
        while i < n:
            c = line[i]
            if c == "\\" and i + 1 < n and line[i + 1] in " \t#":
                word.append(line[i + 1])
                i += 2
                continue
            if c == "$" and i + 1 < n and line[i + 1] == "$":
                word.append("$")
                i += 2
                continue
            if c in " \t":
                if word:
                    words.append("".join(word))
                    word = []
                i += 1
                continue
            if c == ":" and targets is None and (i + 1 == n or line[i + 1] in " \t"):
                if word:
                    words.append("".join(word))
                    word = []
                targets, words = words, []
                i += 1
                continue
            word.append(c)
            i += 1
        if word:
            words.append("".join(word))
        if targets is not None:
            yield targets, [w for w in words if w != "|"]


def dependency_files(build):
    for top, dirs, files in os.walk(build):
        dirs.sort()
        for f in sorted(files):
            if f.endswith(".o.d") or f.endswith(".obj.d") or f == "compiler_depend.make":
                yield os.path.join(top, f)


def compile_dir(dep_file, build):
    """The directory the compiler ran in: CMake's Makefiles compile in the directory that
    holds the target's CMakeFiles/ (relative paths in a .d file are relative to it)."""
    parts = dep_file.split(os.sep)
    if "CMakeFiles" in parts:
        return os.sep.join(parts[:len(parts) - 1 - parts[::-1].index("CMakeFiles")]) or build
    return build


def collect_headers(build, trees):
    headers = {}  # path -> the object that read it (first one seen)
    used = 0
    for dep_file in dependency_files(build):
        try:
            with open(dep_file, encoding="utf-8", errors="surrogateescape") as f:
                text = f.read()
        except OSError as e:
            fail(f"cannot read {dep_file}: {e}")
        base = build if dep_file.endswith("compiler_depend.make") else compile_dir(dep_file, build)
        found = False
        for targets, prerequisites in make_rules(text):
            if not prerequisites:
                continue  # `header:` (gcc -MP, CMake): no new information
            found = True
            reader = targets[0] if targets else os.path.relpath(dep_file, build)
            for p in prerequisites:
                path = p if os.path.isabs(p) else os.path.join(base, p)
                if not trees.inside(path):
                    headers.setdefault(os.path.normpath(path), reader)
        used += found
    return headers, used


# ---------------------------------------------------------------- binaries

def is_elf_executable(path):
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        return False
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def binaries(build):
    found = []
    for d in (build, os.path.join(build, "tests"), os.path.join(build, "bench")):
        if os.path.isdir(d):
            found += [os.path.join(d, f) for f in sorted(os.listdir(d)) if is_elf_executable(os.path.join(d, f))]
    return found


LDD_LINE = re.compile(r"^\s*(\S+)(?:\s+=>\s+(.*?))?\s+\(0x[0-9a-f]+\)\s*$")


def collect_libraries(bins, build, trees):
    libraries, problems = {}, []
    result = run(["ldd"] + bins, check=False)
    current = bins[0] if len(bins) == 1 else None
    for line in result.stdout.splitlines():
        if not line.startswith((" ", "\t")) and line.endswith(":") and line[:-1] in bins:
            current = line[:-1]
            continue
        where = os.path.relpath(current, build) if current else "?"
        if "not a dynamic executable" in line or "statically linked" in line:
            continue
        if "=> not found" in line:
            problems.append(f"{line.split()[0]} (needed by {where}) is not found by the dynamic loader")
            continue
        m = LDD_LINE.match(line)
        if not m:
            continue
        name, target = m.group(1), m.group(2)
        path = target if target else name  # `/lib64/ld-linux-x86-64.so.2 (0x...)`
        if name.startswith("linux-vdso") or name.startswith("linux-gate") or not os.path.isabs(path):
            continue
        if not trees.inside(path):
            libraries.setdefault(os.path.normpath(path), where)
    return libraries, problems


def collect_link_inputs(build, trees):
    """Absolute paths on the link and archive lines: static libraries, .so links, the tools."""
    inputs = {}
    for top, dirs, files in os.walk(build):
        dirs.sort()
        if "link.txt" not in files:
            continue
        target = os.path.basename(top)
        target = target[:-4] if target.endswith(".dir") else target
        with open(os.path.join(top, "link.txt"), encoding="utf-8", errors="surrogateescape") as f:
            for line in f:
                try:
                    words = shlex.split(line)
                except ValueError:
                    words = line.split()
                for w in words:
                    if os.path.isabs(w) and os.path.exists(w) and not os.path.isdir(w) and not trees.inside(w):
                        inputs.setdefault(os.path.normpath(w), f"the link of {target}")
    return inputs


# ---------------------------------------------------------------- dpkg

def usrmerge_twin(path):
    """Debian 12 has a merged /usr: /lib/x.so and /usr/lib/x.so are one file, registered
    in dpkg under either name."""
    for d in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if path.startswith(d + "/"):
            return "/usr" + path
        if path.startswith("/usr" + d + "/"):
            return path[4:]
    return None


def candidates(path):
    out = []
    for q in (path, os.path.normpath(path), os.path.realpath(path)):
        for r in (q, usrmerge_twin(q)):
            if r and r not in out:
                out.append(r)
    return out


def dpkg_glob_escape(path):
    return re.sub(r"([*?\[\]\\])", r"\\\1", path)


def owners_of(paths):
    """path -> set of packages, for every path dpkg knows (batched dpkg-query -S)."""
    owners = {}
    paths = sorted(set(paths))
    for start in range(0, len(paths), 2000):
        chunk = paths[start:start + 2000]
        # Exit status 1 only says that some path belongs to no package.
        result = run(["dpkg-query", "-S"] + [dpkg_glob_escape(p) for p in chunk], check=False)
        if result.returncode not in (0, 1):
            fail(f"dpkg-query -S exited with {result.returncode}: {result.stderr.strip()}")
        for line in result.stdout.splitlines():
            if line.startswith("diversion by "):
                continue  # `diversion by dash from: /bin/sh`; the owner comes on its own line
            i = line.find(": /")
            if i < 0:
                continue
            packages = {p.strip().split(":")[0] for p in line[:i].split(",") if p.strip()}
            owners.setdefault(line[i + 2:], set()).update(packages)
    return owners


# ---------------------------------------------------------------- what the install step gives

def listed_packages(install):
    result = run(["bash", install, "--list"])
    names = [l.strip() for l in result.stdout.splitlines() if l.strip()]
    bad = [n for n in names if not PACKAGE_NAME.match(n)]
    if bad or not names:
        fail(f"`{install} --list` must print one Debian package name a line and nothing else; got "
             + (", ".join(repr(b) for b in bad[:5]) if bad else "nothing"))
    return names


def check_package_lists():
    out = run(["apt-cache", "policy"]).stdout
    for line in out.splitlines():
        m = re.match(r"^\s*-?\d+\s+(\S+)", line)
        if m and m.group(1) != "/var/lib/dpkg/status":
            return
    fail("apt-cache has no package lists (`apt-cache policy` shows none): run `apt-get update` "
         "(as root); launch/install-deps.sh needs it too")


def base_system():
    out = run(["dpkg-query", "-W", "-f=${Package} ${Essential} ${Priority}\\n"]).stdout
    base = set()
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 3 and (f[1] == "yes" or f[2] == "required"):
            base.add(f[0])
    return base


def strip_name(word):
    return word.strip().strip("<>").split(":")[0]


def closure(listed, base):
    args = ["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts",
            "--no-breaks", "--no-replaces", "--no-enhances"] + sorted(set(listed) | base)
    out = run(args).stdout
    names, top = set(), set()
    for line in out.splitlines():
        if not line.strip():
            continue
        if not line.startswith(" "):
            top.add(strip_name(line))
            continue
        m = re.match(r"^\s*\|?(?:Pre)?Depends:\s*(\S+)", line)
        if m:
            names.add(strip_name(m.group(1)))
    unknown = [p for p in listed if p not in top]
    if unknown:
        fail("apt-cache knows no package named " + ", ".join(unknown)
             + " (listed by launch/install-deps.sh --list): a typo, or run `apt-get update`")
    return names | top


# ---------------------------------------------------------------- the check

def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    started = time.monotonic()
    build, source, install = (os.path.abspath(a) for a in argv[1:])
    shown_install = os.path.relpath(install, source) if Trees(source).inside(install) else install
    if not os.path.isdir(build):
        fail(f"no build directory {build}")
    trees = Trees(build, source, *configured_source(build))

    headers, dep_files = collect_headers(build, trees)
    if dep_files == 0 or not headers:
        fail(f"found no compiler dependency files (*.o.d, compiler_depend.make) naming system headers "
             f"under {build}: nothing was checked. Build first (cmake --build), then run ctest.")
    bins = binaries(build)
    if not bins:
        fail(f"found no ELF executables in {build}, {build}/tests or {build}/bench: nothing was checked. "
             f"Build first (cmake --build), then run ctest.")
    libraries, ldd_problems = collect_libraries(bins, build, trees)
    if ldd_problems:
        fail("the built executables need libraries that are not there:\n  " + "\n  ".join(ldd_problems))
    if not libraries:
        fail("ldd named no shared library for any of the built executables: nothing was checked")
    link_inputs = collect_link_inputs(build, trees)

    # Every file once, with the first thing that needed it.
    used = {}
    for kind, files in (("read by", headers), ("loaded by", libraries), ("used by", link_inputs)):
        for path, who in files.items():
            used.setdefault(path, f"{kind} {who}")
    exempt = {p for p in used if p.startswith(EXEMPT_PREFIXES) or EXEMPT_PATTERN.match(p)
              or EXEMPT_PATTERN.match(os.path.realpath(p))}
    to_look_up = [p for p in used if p not in exempt]
    owners = owners_of([c for p in to_look_up for c in candidates(p)])

    listed = listed_packages(install)
    check_package_lists()
    installed = closure(listed, base_system())

    missing = {}   # package (or "a or b") -> example
    unowned = []
    packages = set()
    for path in to_look_up:
        pkgs = set().union(*(owners.get(c, set()) for c in candidates(path)))
        if not pkgs:
            unowned.append(f"{path} ({used[path]}{'' if os.path.exists(path) else '; the file is gone'})")
            continue
        packages |= pkgs
        if not pkgs & installed:
            missing.setdefault(" or ".join(sorted(pkgs)), f"{path}, {used[path]}")

    problems = []
    if missing:
        problems.append(
            f"{NAME}: FAIL: the build used {len(missing)} Debian package(s) that {shown_install} "
            "neither lists nor pulls in (a fresh machine could not build or run it):\n"
            + "\n".join(f"  {pkg} ({example})" for pkg, example in sorted(missing.items()))
            + f"\n  -> add them to the package list in {shown_install}")
    if unowned:
        shown = unowned[:40]
        problems.append(
            f"{NAME}: FAIL: {len(unowned)} file(s) the build used belong to no Debian package "
            "(installed by hand? only /usr/local/cuda is allowed):\n"
            + "\n".join(f"  {u}" for u in shown)
            + (f"\n  ... and {len(unowned) - len(shown)} more" if len(unowned) > len(shown) else ""))
    if problems:
        fail("\n".join(problems))

    print(f"{NAME}: OK: {len(headers)} headers ({dep_files} dependency files), {len(libraries)} shared "
          f"libraries ({len(bins)} executables), {len(link_inputs)} link inputs, {len(exempt)} under "
          f"/usr/local/cuda: {len(packages)} Debian packages, all installed by "
          f"{shown_install} ({len(listed)} listed, {len(installed)} names with "
          f"dependencies and the required set) [{time.monotonic() - started:.1f}s]")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except CheckFailed as e:
        print(e if str(e).startswith(NAME) else f"{NAME}: FAIL: {e}", file=sys.stderr)
        sys.exit(1)
