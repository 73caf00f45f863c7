#!/usr/bin/python3
"""The layers of server/ and who may include whom (docs/architecture.md), checked.

Reads every #include "..." line of server/**/*.{c,h}, maps each file to its module (its folder;
app.h at the top is the process context every service shares, the other files at the top are the
wiring), and fails when
  - a module includes one it may not (RULES),
  - the modules' include graph has a cycle,
  - a pure module (route/) includes a system header other than the C library's,
  - a file outside store/ includes hiredis or reads a Redis reply (only store/ talks to Redis:
    the key schema and the typed stores live there); files not yet moved behind store/ are
    listed in REPLY_PENDING, which is empty and stays so.
Prints one line per violation and exits 1, or prints a summary and exits 0.

Usage: check_layers.py [SERVER_DIR]"""
import os
import re
import sys

# module -> the modules it may include (besides itself)
RULES = {
    "util": set(),
    "proto": {"util"},
    "config": {"util", "proto"},
    "route": {"util", "config"},
    "metrics": {"util", "proto", "config"},
    "store": {"util", "proto", "config", "metrics", "route"},
    "net": {"util", "proto", "config", "metrics"},
    "context": {"util", "config", "store", "net"},
    "stats": {"util", "proto", "config", "metrics", "store", "context"},
    "router": {"util", "proto", "config", "route", "metrics", "store", "net", "stats", "context"},
    "chat": {"util", "proto", "config", "route", "metrics", "store", "net", "stats", "context",
             "router"},
    "auth": {"util", "proto", "config", "metrics", "store", "net", "stats", "context", "router",
             "chat"},
    "api": {"util", "proto", "config", "metrics", "store", "net", "stats", "context", "router",
            "chat", "auth"},
    "app": None,  # the wiring: anything
}

PURE = {"route"}
C_LIBRARY = {"stdbool.h", "stddef.h", "stdint.h", "stdlib.h", "string.h", "stdio.h",
             "inttypes.h", "limits.h", "assert.h", "stdarg.h", "errno.h"}
# files not yet moved behind store/ (none: keep it that way)
REPLY_PENDING = set()
READS_REPLY = re.compile(r"\bredisReply\b|REDIS_REPLY_|->element\[")

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def module_of(rel):
    parts = rel.split(os.sep)
    if len(parts) == 1:
        return "context" if parts[0] == "app.h" else "app"
    return parts[0]


def target_module(path):
    if path == "app.h":
        return "context"
    if path in ("dispatch.h",):
        return "app"
    if "/" in path:
        return path.split("/")[0]
    return None  # generated headers (sb_proto_gen.h) and the like


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..",
                                                              "server")
    root = os.path.normpath(root)
    problems = []
    graph = {}
    files = 0
    for d, _, names in os.walk(root):
        for n in sorted(names):
            if not n.endswith((".c", ".h")):
                continue
            path = os.path.join(d, n)
            rel = os.path.relpath(path, root)
            mod = module_of(rel)
            if mod not in RULES:
                problems.append(f"{rel}: module '{mod}' has no rule in check_layers.py RULES")
                continue
            files += 1
            with open(path, encoding="utf-8") as f:
                text = f.read()
            if mod != "store" and rel not in REPLY_PENDING:
                r = READS_REPLY.search(text)
                if r:
                    line = text.count("\n", 0, r.start()) + 1
                    problems.append(f"{rel}:{line}: only store/ reads Redis replies, not '{mod}'")
            for m in INCLUDE.finditer(text):
                kind, inc = m.group(1), m.group(2)
                line = text.count("\n", 0, m.start()) + 1
                if kind == "<":
                    if mod in PURE and inc not in C_LIBRARY:
                        problems.append(f"{rel}:{line}: pure module '{mod}' includes <{inc}>")
                    if inc.startswith("hiredis") and mod != "store" and rel not in REPLY_PENDING:
                        problems.append(f"{rel}:{line}: only store/ talks to Redis, not '{mod}'")
                    continue
                to = target_module(inc)
                if to is None or to == mod:
                    continue
                graph.setdefault(mod, set()).add(to)
                allowed = RULES[mod]
                if allowed is not None and to not in allowed:
                    problems.append(f'{rel}:{line}: {mod}/ may not include "{inc}" ({to}/)')
    # cycles between modules (the wiring excepted: it includes everything, nothing includes it)
    g = {k: {t for t in v if t != "app"} for k, v in graph.items() if k != "app"}
    state, stack = {}, []

    def visit(u):
        state[u] = 1
        stack.append(u)
        for v in sorted(g.get(u, ())):
            if state.get(v) == 1:
                cyc = stack[stack.index(v):] + [v]
                problems.append("cycle between modules: " + " -> ".join(cyc))
            elif not state.get(v):
                visit(v)
        stack.pop()
        state[u] = 2

    for u in sorted(g):
        if not state.get(u):
            visit(u)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} layer violation(s) in {files} files")
        return 1
    edges = sum(len(v) for v in graph.values())
    print(f"layers ok: {files} files, {len(graph)} modules, {edges} module dependencies, no cycle"
          + (f"; {len(REPLY_PENDING)} files still read Redis replies outside store/"
             if REPLY_PENDING else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
