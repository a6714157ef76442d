#!/usr/bin/env python3
"""The sources clang-tidy must check again (scripts/lint.sh).

stdin: the paths that changed since the base (one per line, repository-relative).
argv:  every product source clang-tidy checks.
stdout: those of them that changed or include, through the project's own
headers, a file that changed; all of them when the checks or the product's
compile flags may have changed (.clang-tidy, the product's CMakeLists.txt,
cmake/).
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.MULTILINE)
CONFIG = re.compile(r"^(\.clang-tidy|cmake/.*|CMakeLists\.txt|(app|reconciler|network|runtime)/.*CMakeLists\.txt)$")


def includes(path, cache):
    """The project files `path` names with #include "...", resolved as the compiler does."""
    if path not in cache:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                names = INCLUDE.findall(f.read())
        except OSError:
            names = []
        found = []
        for name in names:
            for candidate in (os.path.normpath(os.path.join(os.path.dirname(path), name)), name):
                if os.path.isfile(candidate):
                    found.append(candidate)
                    break
        cache[path] = found
    return cache[path]


def reaches(source, changed, cache):
    """True when `source` is in `changed` or includes one of them, directly or not."""
    seen, todo = set(), [source]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        if path in changed:
            return True
        todo.extend(includes(path, cache))
    return False


def main():
    sources = sys.argv[1:]
    changed = {os.path.normpath(line.strip()) for line in sys.stdin if line.strip()}
    if any(CONFIG.match(path) for path in changed):
        print("\n".join(sources))
        return
    cache = {}
    affected = [s for s in sources if reaches(os.path.normpath(s), changed, cache)]
    if affected:
        print("\n".join(affected))


if __name__ == "__main__":
    main()
