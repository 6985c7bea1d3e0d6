#!/usr/bin/env python3
"""Fails if the files under src/ import each other in a circle.

An edge A -> B means that a `use` (or a `crate::` path) in file A names an
item defined in file B. A name re-exported by a facade (`pub use x::Item;`
in a mod.rs) counts as the file that defines it, so a facade that only
re-exports adds no edge back. Declaring a child (`mod x;`) is not an edge.
Test modules (`#[cfg(test)] mod tests`) are left out.

Usage: import_cycles.py [SRC_DIR] [--graph]
"""
import os
import re
import sys

COMMENT = re.compile(r"//[^\n]*")
USE = re.compile(r"\buse\s+([^;]+);", re.S)
REEXPORT = re.compile(r"\bpub(?:\([\w:]+\))?\s+use\s+([^;]+);", re.S)
CRATE_PATH = re.compile(r"\bcrate::((?:\w+::)*\w+)(?!\w|::)")


def modules(src):
    """Maps each module path (a tuple) to its file."""
    found = {}
    for root, _, names in os.walk(src):
        for name in names:
            if not name.endswith(".rs"):
                continue
            path = os.path.join(root, name)
            parts = os.path.relpath(path, src)[:-3].split(os.sep)
            if parts[-1] in ("mod", "lib"):
                parts = parts[:-1]
            found[tuple(parts)] = path
    return found


def source(path):
    text = COMMENT.sub("", open(path).read())
    return re.split(r"#\[cfg\([^\]]*\btest\b[^\]]*\)\]\s*mod \w+\s*\{", text)[0]


def use_paths(body):
    """Expands `a::{b, c::{d}}` into [a, b], [a, c, d]."""
    body = re.sub(r"\s+", "", body)
    out, stack = [], [(body, [])]
    while stack:
        text, prefix = stack.pop()
        group = re.match(r"^([\w:]*?)(?:::)?\{(.*)\}$", text)
        if not group:
            path = text.split("as")[0] if "::" not in text else text
            out.append(prefix + [p for p in re.sub(r"as\w+$", "", path).split("::") if p])
            continue
        head = [p for p in group.group(1).split("::") if p]
        depth, item, items = 0, "", []
        for ch in group.group(2):
            if ch == "," and depth == 0:
                items.append(item)
                item = ""
                continue
            depth += (ch == "{") - (ch == "}")
            item += ch
        items.append(item)
        stack.extend((i, prefix + head) for i in items if i)
    return out


def absolute(path, module, is_facade, files):
    """The crate-absolute form of a path used in `module`, or None."""
    here = list(module) if is_facade else list(module[:-1])
    if path[0] == "crate":
        return path[1:]
    if path[0] == "self":
        return list(module) + path[1:]
    if path[0] == "super":
        ups = len(path) - len([p for p in path if p != "super"])
        base = list(module)[: len(module) - ups]
        return base + path[ups:]
    if tuple(here + path[:1]) in files:
        return here + path
    return None


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    src = args[0] if args else "src"
    files = modules(src)
    facade = {m: p.endswith(("mod.rs", "lib.rs")) for m, p in files.items()}

    def file_of(path):
        for i in range(len(path), -1, -1):
            if tuple(path[:i]) in files:
                return tuple(path[:i]), path[i:]
        return None, None

    reexports = {}
    for module, path in files.items():
        for m in REEXPORT.finditer(source(path)):
            for used in use_paths(m.group(1)):
                target = absolute(used, module, facade[module], files)
                if target and target[-1] not in ("self", "*"):
                    reexports[(module, target[-1])] = target

    def resolve(path):
        module, rest = file_of(path)
        for _ in range(8):  # follow facades' re-exports
            if module is None or not rest or (module, rest[0]) not in reexports:
                break
            module, rest = file_of(reexports[(module, rest[0])] + rest[1:])
        return module

    edges = {m: set() for m in files}
    for module, path in files.items():
        text = source(path)
        used = [p for m in USE.finditer(text) for p in use_paths(m.group(1)) if p]
        used += [["crate"] + q.split("::") for q in CRATE_PATH.findall(text)]
        for p in used:
            target = absolute(p, module, facade[module], files)
            found = resolve(target) if target else None
            # The crate root only declares and re-exports.
            if found and found != module and found != ():
                edges[module].add(found)

    name = lambda m: "/".join(m) or "lib"
    if "--graph" in sys.argv:
        for m in sorted(edges):
            print(f"{name(m)} -> {', '.join(sorted(name(t) for t in edges[m]))}")

    # Tarjan's strongly connected components.
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(component)

    for v in edges:
        if v not in index:
            visit(v)
    for c in cycles:
        print("CYCLE:", " ".join(sorted(name(m) for m in c)))
    count = sum(len(e) for e in edges.values())
    print(f"{len(files)} files, {count} imports between them, {len(cycles)} cycles")
    sys.exit(1 if cycles else 0)


if __name__ == "__main__":
    main()
