#!/usr/bin/python3
"""Generate the C tables, the TypeScript tables and the message reference from proto/schema.yaml.

Usage:
  gen.py c OUT_DIR            writes OUT_DIR/sb_proto_gen.h and OUT_DIR/sb_proto_gen.c
  gen.py ts OUT_FILE          writes the TypeScript module
  gen.py doc OUT_FILE         writes the markdown message reference
  gen.py doc --check FILE     exits 1 when FILE differs from what would be written

Both codecs are table driven: this script emits data (field names, kinds, limits, offsets), never
codec logic, so the C and TypeScript decoders cannot drift apart in behaviour.
"""
import os
import re
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_SAFE = 2**53 - 1
KINDS = ("str", "uint", "bool", "enum", "struct", "list")
CHARSETS = ("text", "id", "token", "lang")


class SchemaError(Exception):
    pass


def load(path):
    with open(path, encoding="utf-8") as f:
        s = yaml.safe_load(f)
    check(s)
    return s


def check_type(t, where, structs):
    kind = t.get("type")
    if kind not in KINDS:
        raise SchemaError(f"{where}: unknown type {kind!r}")
    if kind == "str":
        if "max" not in t:
            raise SchemaError(f"{where}: str needs max")
        cs = t.get("charset", "text")
        if cs not in CHARSETS:
            raise SchemaError(f"{where}: unknown charset {cs!r}")
    if kind == "uint" and t.get("max", MAX_SAFE) > MAX_SAFE:
        raise SchemaError(f"{where}: uint max above 2^53-1")
    if kind == "enum" and not t.get("values"):
        raise SchemaError(f"{where}: enum needs values")
    if kind == "struct" and t.get("of") not in structs:
        raise SchemaError(f"{where}: unknown struct {t.get('of')!r}")
    if kind == "list":
        if "max" not in t or not isinstance(t.get("of"), dict):
            raise SchemaError(f"{where}: list needs max and an inline element type in of")
        check_type(t["of"], where + "[]", structs)


def check_fields(fields, where, structs):
    seen = set()
    for f in fields:
        n = f.get("name", "")
        if not re.fullmatch(r"[a-z][a-z0-9_]*", n):
            raise SchemaError(f"{where}: bad field name {n!r}")
        if n in seen:
            raise SchemaError(f"{where}: duplicate field {n}")
        seen.add(n)
        check_type(f, f"{where}.{n}", structs)


def check(s):
    structs = s.get("structs", {})
    for name, st in structs.items():
        check_fields(st["fields"], name, structs)
    names = set()
    for m in s["messages"]:
        if m["name"] in names:
            raise SchemaError(f"duplicate message {m['name']}")
        names.add(m["name"])
        if m["kind"] not in ("request", "event"):
            raise SchemaError(f"{m['name']}: kind must be request or event")
        check_fields(m.get("fields", []), m["name"], structs)
        if m["kind"] == "request":
            for r in m.get("roles", []):
                if r not in s["roles"]:
                    raise SchemaError(f"{m['name']}: unknown role {r}")
            check_fields(m.get("reply", []), m["name"] + ".reply", structs)
        elif "reply" in m:
            raise SchemaError(f"{m['name']}: events have no reply")


def cname(name):
    return re.sub(r"[^a-z0-9]", "_", name.lower())


def upper(name):
    return cname(name).upper()


# ------------------------------------------------------------------------------------------------ C


class CGen:
    def __init__(self, s):
        self.s = s
        self.h = []
        self.c = []
        self.counter = 0

    def struct_list(self):
        """(c_type_name, desc_name, fields, doc) for every struct the C side needs, dependencies first."""
        out = []
        for name, st in self.s.get("structs", {}).items():
            out.append((f"sb_pt_{cname(name)}_t", f"sb_pt_{cname(name)}_desc", st["fields"], st.get("doc", "")))
        for m in self.s["messages"]:
            base = cname(m["name"])
            out.append((f"sb_msg_{base}_t", f"sb_msg_{base}_desc", m.get("fields", []), m.get("doc", "")))
            if m["kind"] == "request":
                out.append((f"sb_msg_{base}_reply_t", f"sb_msg_{base}_reply_desc", m.get("reply", []), ""))
        return out

    def ctype(self, t):
        k = t["type"]
        if k == "str":
            return "sb_str_t"
        if k == "uint":
            return "uint64_t"
        if k == "bool":
            return "bool"
        if k == "enum":
            return "uint16_t"
        if k == "struct":
            return f"sb_pt_{cname(t['of'])}_t"
        if k == "list":
            return f"struct {{ {self.ctype(t['of'])} *items; uint32_t n; }}"
        raise AssertionError(k)

    def type_init(self, t, ctype_name, field, prefix):
        """C initializer for an sb_proto_type_t; emits helper tables into self.c first."""
        k = t["type"]
        kind = "SB_PF_" + k.upper()
        cs = "SB_CS_" + t.get("charset", "text").upper()
        mn = t.get("min", 1 if t.get("charset") in ("id", "token", "lang") else 0)
        mx = t.get("max", MAX_SAFE)
        enum_ref, n_enum, sub, elem, elem_size = "NULL", 0, "NULL", "NULL", 0
        if k == "enum":
            self.counter += 1
            tab = f"{prefix}_enum{self.counter}"
            vals = ", ".join(f'"{v}"' for v in t["values"])
            self.c.append(f"static const char *const {tab}[] = {{{vals}}};")
            enum_ref, n_enum = tab, len(t["values"])
        if k == "struct":
            sub = f"&sb_pt_{cname(t['of'])}_desc"
        if k == "list":
            self.counter += 1
            el = f"{prefix}_elem{self.counter}"
            init = self.type_init(t["of"], None, None, prefix)
            self.c.append(f"static const sb_proto_type_t {el} = {init};")
            elem = f"&{el}"
            elem_size = f"sizeof({self.ctype(t['of'])})"
        return (f"{{.kind = {kind}, .charset = {cs}, .min = {mn}, .max = {mx}ULL, "
                f".enum_values = {enum_ref}, .n_enum = {n_enum}, .sub = {sub}, .elem = {elem}, "
                f".elem_size = {elem_size}}}")

    def emit(self):
        s = self.s
        h, c = self.h, self.c
        h += ["/* Generated by proto/gen.py from proto/schema.yaml. Do not edit. */",
              "#ifndef SB_PROTO_GEN_H", "#define SB_PROTO_GEN_H", "",
              '#include "proto/codec_types.h"', "",
              f'#define SB_PROTO_SUBPROTOCOL "{s["subprotocol"]}"',
              f"#define SB_PROTO_VERSION {s['version']}"]
        for k, v in s["limits"].items():
            h.append(f"#define SB_PROTO_{k.upper()} {v}")
        h.append("")
        h.append("/* Close codes: X(NAME, code) */")
        h.append("#define SB_CLOSE_LIST(X) \\")
        h.append(" \\\n".join(f"    X({cc['name']}, {cc['code']})" for cc in s["close_codes"]))
        h.append("")
        h.append("/* Wire error codes: X(NAME, retryable) */")
        h.append("#define SB_WIRE_ERR_LIST(X) \\")
        h.append(" \\\n".join(f"    X({e['code']}, {str(e['retryable']).lower()})" for e in s["errors"]))
        h.append("")
        h.append("/* Roles: X(NAME, bit) */")
        h.append("#define SB_ROLE_LIST(X) \\")
        h.append(" \\\n".join(f"    X({r.upper()}, {i})" for i, r in enumerate(s["roles"])))
        h.append("")
        h.append("/* Messages: X(NAME, \"wire name\", kind) */")
        h.append("#define SB_MSG_LIST(X) \\")
        h.append(" \\\n".join(f"    X({upper(m['name'])}, \"{m['name']}\", SB_PROTO_{m['kind'].upper()})"
                              for m in s["messages"]))
        h.append("")
        h.append("typedef enum {")
        h.append("    SB_MSG_NONE = 0,")
        for m in s["messages"]:
            h.append(f"    SB_MSG_{upper(m['name'])},")
        h.append("    SB_MSG__COUNT")
        h.append("} sb_msg_type_t;")
        h.append("")

        c += ["/* Generated by proto/gen.py from proto/schema.yaml. Do not edit. */",
              "#include <stddef.h>", '#include "sb_proto_gen.h"', ""]

        for ctn, desc, fields, doc in self.struct_list():
            if doc:
                h.append("/* " + " ".join(doc.split())[:400].replace("*/", "") + " */")
            h.append("typedef struct {")
            for f in fields:
                h.append(f"    {self.ctype(f)} {f['name']};")
                if f.get("optional"):
                    h.append(f"    bool has_{f['name']};")
            if not fields:
                h.append("    char unused_;")
            h.append(f"}} {ctn};")
            for f in fields:
                if f["type"] == "enum":
                    pre = upper(ctn[:-2])
                    for i, v in enumerate(f["values"]):
                        h.append(f"#define {pre}_{upper(f['name'])}_{upper(v)} {i}")
            h.append(f"extern const sb_proto_struct_desc_t {desc};")
            h.append("")
            rows = []
            for f in fields:
                init = self.type_init(f, ctn, f["name"], desc)
                has = f"offsetof({ctn}, has_{f['name']})" if f.get("optional") else "0"
                rows.append(f"    {{.name = \"{f['name']}\", .name_len = {len(f['name'])}, "
                            f".optional = {str(bool(f.get('optional'))).lower()}, "
                            f".offset = offsetof({ctn}, {f['name']}), .has_offset = {has}, "
                            f".type = {init}}},")
            if rows:
                c.append(f"static const sb_proto_field_t {desc}_fields[] = {{")
                c += rows
                c.append("};")
            fl = f"{desc}_fields" if rows else "NULL"
            c.append(f"const sb_proto_struct_desc_t {desc} = {{.name = \"{ctn}\", .fields = {fl}, "
                     f".n_fields = {len(rows)}, .size = sizeof({ctn})}};")
            c.append("")

        role_bits = {r: i for i, r in enumerate(s["roles"])}
        h.append("extern const sb_proto_msg_desc_t sb_proto_msgs[SB_MSG__COUNT];")
        c.append("const sb_proto_msg_desc_t sb_proto_msgs[SB_MSG__COUNT] = {")
        c.append("    [SB_MSG_NONE] = {.name = \"\", .name_len = 0},")
        for m in s["messages"]:
            base = cname(m["name"])
            mask = " | ".join(f"(1u << {role_bits[r]})" for r in m.get("roles", [])) or "0"
            reply = f"&sb_msg_{base}_reply_desc" if m["kind"] == "request" else "NULL"
            c.append(f"    [SB_MSG_{upper(m['name'])}] = {{.name = \"{m['name']}\", "
                     f".name_len = {len(m['name'])}, .kind = SB_PROTO_{m['kind'].upper()}, "
                     f".roles = {mask}, .body = &sb_msg_{base}_desc, .reply = {reply}}},")
        c.append("};")
        c.append("")
        h.append("")
        h.append("#endif")
        return "\n".join(h) + "\n", "\n".join(c) + "\n"


# ----------------------------------------------------------------------------------------------- TS


def ts_type(t):
    k = t["type"]
    if k == "str":
        return "string"
    if k == "uint":
        return "number"
    if k == "bool":
        return "boolean"
    if k == "enum":
        return " | ".join(f"'{v}'" for v in t["values"])
    if k == "struct":
        return f"{pascal(t['of'])}"
    if k == "list":
        return f"Array<{ts_type(t['of'])}>"
    raise AssertionError(k)


def pascal(name):
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[._]", name))


def ts_table_type(t):
    d = {"kind": t["type"]}
    if t["type"] == "str":
        d["charset"] = t.get("charset", "text")
        d["min"] = t.get("min", 1 if t.get("charset") in ("id", "token", "lang") else 0)
        d["max"] = t["max"]
    elif t["type"] == "uint":
        d["max"] = t.get("max", MAX_SAFE)
    elif t["type"] == "enum":
        d["values"] = list(t["values"])
    elif t["type"] == "struct":
        d["of"] = t["of"]
    elif t["type"] == "list":
        d["max"] = t["max"]
        d["of"] = ts_table_type(t["of"])
    return d


def ts_fields(fields):
    out = []
    for f in fields:
        d = {"name": f["name"], "optional": bool(f.get("optional"))}
        d["type"] = ts_table_type(f)
        out.append(d)
    return out


def ts_iface(name, fields, doc=""):
    lines = []
    if doc:
        lines.append("/** " + " ".join(doc.split()) + " */")
    lines.append(f"export interface {name} {{")
    for f in fields:
        opt = "?" if f.get("optional") else ""
        if f.get("doc"):
            lines.append(f"  /** {' '.join(f['doc'].split())} */")
        lines.append(f"  {f['name']}{opt}: {ts_type(f)};")
    lines.append("}")
    return lines


def gen_ts(s):
    import json
    out = ["// Generated by proto/gen.py from proto/schema.yaml. Do not edit.", "/* eslint-disable */", ""]
    out.append(f"export const SUBPROTOCOL = '{s['subprotocol']}';")
    out.append(f"export const PROTOCOL_VERSION = {s['version']};")
    out.append(f"export const LIMITS = {json.dumps(s['limits'])} as const;")
    out.append("export const CloseCode = {")
    for cc in s["close_codes"]:
        out.append(f"  {cc['name']}: {cc['code']},")
    out.append("} as const;")
    out.append("export const ERROR_CODES = " + json.dumps([e["code"] for e in s["errors"]]) + " as const;")
    out.append("export type ErrorCode = (typeof ERROR_CODES)[number];")
    out.append("export const RETRYABLE: Record<string, boolean> = " +
               json.dumps({e["code"]: e["retryable"] for e in s["errors"]}) + ";")
    out.append("export type Role = " + " | ".join(f"'{r}'" for r in s["roles"]) + ";")
    out.append("")
    for name, st in s.get("structs", {}).items():
        out += ts_iface(pascal(name), st["fields"], st.get("doc", ""))
    for m in s["messages"]:
        out += ts_iface(pascal(m["name"]), m.get("fields", []), m.get("doc", ""))
        if m["kind"] == "request":
            out += ts_iface(pascal(m["name"]) + "Reply", m.get("reply", []))
    out.append("")
    reqs = [m for m in s["messages"] if m["kind"] == "request"]
    evs = [m for m in s["messages"] if m["kind"] == "event"]
    out.append("export interface Requests {")
    for m in reqs:
        out.append(f"  '{m['name']}': {{ body: {pascal(m['name'])}; reply: {pascal(m['name'])}Reply }};")
    out.append("}")
    out.append("export interface Events {")
    for m in evs:
        out.append(f"  '{m['name']}': {pascal(m['name'])};")
    out.append("}")
    out.append("export type RequestType = keyof Requests;")
    out.append("export type EventType = keyof Events;")
    out.append("")
    out.append("// Tables the codec runs on.")
    out.append("export type FieldType =")
    out.append("  | { kind: 'str'; charset: 'text' | 'id' | 'token' | 'lang'; min: number; max: number }")
    out.append("  | { kind: 'uint'; max: number }")
    out.append("  | { kind: 'bool' }")
    out.append("  | { kind: 'enum'; values: readonly string[] }")
    out.append("  | { kind: 'struct'; of: string }")
    out.append("  | { kind: 'list'; max: number; of: FieldType };")
    out.append("export interface FieldDesc { name: string; optional: boolean; type: FieldType }")
    out.append("export interface MessageDesc { name: string; kind: 'request' | 'event'; roles: readonly string[]; "
               "fields: readonly FieldDesc[]; reply?: readonly FieldDesc[] }")
    structs = {n: ts_fields(st["fields"]) for n, st in s.get("structs", {}).items()}
    out.append("export const STRUCTS: Record<string, readonly FieldDesc[]> = " + json.dumps(structs, indent=2) + ";")
    msgs = {}
    for m in s["messages"]:
        d = {"name": m["name"], "kind": m["kind"], "roles": m.get("roles", []), "fields": ts_fields(m.get("fields", []))}
        if m["kind"] == "request":
            d["reply"] = ts_fields(m.get("reply", []))
        msgs[m["name"]] = d
    out.append("export const MESSAGES: Record<string, MessageDesc> = " + json.dumps(msgs, indent=2) + ";")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------- doc


def doc_type(t):
    k = t["type"]
    if k == "str":
        cs = t.get("charset", "text")
        mn = t.get("min", 1 if cs in ("id", "token", "lang") else 0)
        rng = f"{mn}..{t['max']} bytes" if mn else f"<= {t['max']} bytes"
        return f"str ({cs}, {rng})"
    if k == "uint":
        mx = t.get("max", MAX_SAFE)
        return "uint" if mx == MAX_SAFE else f"uint (<= {mx})"
    if k == "bool":
        return "bool"
    if k == "enum":
        return "one of " + ", ".join(f"`{v}`" for v in t["values"])
    if k == "struct":
        return f"[{t['of']}](#struct-{t['of']})"
    if k == "list":
        return f"list of {doc_type(t['of'])} (<= {t['max']} items)"
    raise AssertionError(k)


def doc_fields(fields):
    if not fields:
        return ["(no fields)", ""]
    rows = ["| field | type | required | meaning |", "|---|---|---|---|"]
    for f in fields:
        req = "no" if f.get("optional") else "yes"
        rows.append(f"| `{f['name']}` | {doc_type(f)} | {req} | {' '.join(f.get('doc', '').split())} |")
    return rows + [""]


def gen_doc(s):
    out = ["<!-- Generated by proto/gen.py from proto/schema.yaml. Do not edit; run `make -C build proto-docs`"
           " or the build, which regenerates it. -->", "",
           f"# Message reference (`{s['subprotocol']}`)", "",
           "Read [protocol.md](protocol.md) first for framing, envelopes and the rules every message follows.", ""]
    out += ["## Close codes", "", "| code | name | meaning |", "|---|---|---|"]
    for cc in s["close_codes"]:
        out.append(f"| {cc['code']} | `{cc['name']}` | {cc['doc']} |")
    out += ["", "## Error codes", "", "| code | retryable | meaning |", "|---|---|---|"]
    for e in s["errors"]:
        out.append(f"| `{e['code']}` | {'yes' if e['retryable'] else 'no'} | {e['doc']} |")
    out += ["", "## Requests (client to server)", ""]
    for m in s["messages"]:
        if m["kind"] != "request":
            continue
        out += [f"### `{m['name']}`", "", " ".join(m.get("doc", "").split()), "",
                "Who may send it: " + ", ".join(m.get("roles", [])) + ".", "", "Body:", ""]
        out += doc_fields(m.get("fields", []))
        out += ["Reply (`ok`):", ""]
        out += doc_fields(m.get("reply", []))
    out += ["## Events (server to client)", ""]
    for m in s["messages"]:
        if m["kind"] != "event":
            continue
        out += [f"### `{m['name']}`", "", " ".join(m.get("doc", "").split()), ""]
        out += doc_fields(m.get("fields", []))
    out += ["## Shared structures", ""]
    for name, st in s.get("structs", {}).items():
        out += [f"### struct `{name}`", f'<a id="struct-{name}"></a>', "", " ".join(st.get("doc", "").split()), ""]
        out += doc_fields(st["fields"])
    return "\n".join(out).rstrip() + "\n"


def write_if_changed(path, text):
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv):
    schema = os.path.join(HERE, "schema.yaml")
    try:
        s = load(schema)
    except SchemaError as e:
        print(f"{schema}: {e}", file=sys.stderr)
        return 1
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    what = argv[1]
    if what == "c":
        hdr, src = CGen(s).emit()
        write_if_changed(os.path.join(argv[2], "sb_proto_gen.h"), hdr)
        write_if_changed(os.path.join(argv[2], "sb_proto_gen.c"), src)
    elif what == "ts":
        write_if_changed(argv[2], gen_ts(s))
    elif what == "doc":
        text = gen_doc(s)
        if argv[2] == "--check":
            with open(argv[3], encoding="utf-8") as f:
                if f.read() != text:
                    print(f"{argv[3]} is stale: regenerate it with proto/gen.py doc {argv[3]}", file=sys.stderr)
                    return 1
            return 0
        write_if_changed(argv[2], text)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
