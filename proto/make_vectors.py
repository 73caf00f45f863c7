#!/usr/bin/python3
"""Write proto/vectors.json, the wire test vectors shared by the C and the TypeScript codecs.

Usage:
  make_vectors.py [OUT]          writes OUT (default: vectors.json beside this script)
  make_vectors.py --check [OUT]  exits 1 when OUT differs from what would be written

Every vector is described by hand below. Valid vectors are encoded with Python's msgpack, an
encoder independent of both codecs under test (it writes every value in its smallest form, and
dict keys in insertion order, which is the canonical encoding of docs/protocol.md). Invalid
vectors are spliced together from msgpack pieces and raw bytes, since no normal encoder writes
non-canonical or broken msgpack.

Format:
  valid[]:   name, dir ("c2s": client to server, "s2c": server to client), hex (the whole frame),
             envelopes (what a decoder must return, in order). An "ok" envelope carries the
             extra key "request": the request type it answers, which picks its reply table; the
             key is not on the wire.
  invalid[]: name, dir, hex, error (BAD_FRAME, UNKNOWN_TYPE or BAD_FIELD), and for BAD_FIELD the
             field path exactly as server/proto/codec.c reports it; "field" is absent when the
             codec reports none (unknown fields, non-string keys at the top of a body). An "ok"
             envelope's vector carries "request" too. Each invalid frame holds one error; the
             error named is the first one a decoder meets, in step order (bytes, envelope, body).

Run with /usr/bin/python3 (Debian's python3-msgpack and python3-yaml).
"""
import json
import os
import sys

import msgpack

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_SAFE = 2**53 - 1

# A resume token as the server mints them: 32 random bytes in base64url without padding (43 chars).
TOKEN = "q3Xv9Jr0bVw2kLm4nP6sT8uY1zA5cE7gH-iK_oQ3rWx"
TOKEN2 = "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWo"


def p(obj):
    """One msgpack value, canonical (smallest forms, keys in the order given)."""
    return msgpack.packb(obj, use_bin_type=True)


def env(t, body, id=None):
    """A canonical envelope {t, id?, b}."""
    e = {"t": t}
    if id is not None:
        e["id"] = id
    e["b"] = body
    return e


def raw_map(*pairs):
    """A fixmap from already-encoded (key bytes, value bytes) pairs; no checks, any order."""
    assert len(pairs) < 16
    return bytes([0x80 | len(pairs)]) + b"".join(k + v for k, v in pairs)


def raw_env(t=None, id=None, b=None):
    """An envelope whose parts are given as raw bytes (None leaves the key out)."""
    pairs = []
    if t is not None:
        pairs.append((p("t"), t))
    if id is not None:
        pairs.append((p("id"), id))
    if b is not None:
        pairs.append((p("b"), b))
    return raw_map(*pairs)


def str8(s):
    b = s.encode("utf-8") if isinstance(s, str) else s
    return bytes([0xD9, len(b)]) + b


def fixstr_bytes(b):
    assert len(b) < 32
    return bytes([0xA0 | len(b)]) + b


# ------------------------------------------------------------------------------------------------
# Valid vectors: (name, dir, [envelope, ...]); an "ok" envelope has "request".

HELLO_REPLY_CUSTOMER = {
    "role": "customer",
    "user_id": "c:7f3a9e12",
    "resume_token": TOKEN,
    "resume_ttl_s": 86400,
    "server_time_ms": 1764072000123,
    "ping_interval_s": 25,
    "max_frame_bytes": 65536,
}

VALID = [
    ("hello from a new customer, empty body", "c2s", [env("hello", {}, id=1)]),
    ("hello from a new customer with client and language", "c2s",
     [env("hello", {"client": "widget/0.1.0", "lang": "es"}, id=1)]),
    ("hello from a returning customer", "c2s",
     [env("hello", {"client": "widget/0.1.0", "resume_token": TOKEN, "lang": "en-US"}, id=1)]),
    ("hello with a resume token of the shortest allowed length (16)", "c2s",
     [env("hello", {"resume_token": "abcdefghijklmnop"}, id=1)]),
    ("hello with a resume token of the longest allowed length (64)", "c2s",
     [env("hello", {"resume_token": "A" * 32 + "-" * 16 + "_" * 16}, id=1)]),
    ("hello from the agent console", "c2s", [env("hello", {"client": "console/0.1.0"}, id=1)]),
    ("hello with a client name of exactly 64 bytes (str8 form)", "c2s",
     [env("hello", {"client": "c" * 62 + "é"}, id=1)]),
    ("ping without echo", "c2s", [env("ping", {}, id=2)]),
    ("ping with echo", "c2s", [env("ping", {"echo": "x"}, id=7)]),
    ("ping with a non-ASCII echo", "c2s",
     [env("ping", {"echo": "¿Dónde está mi pago? 🙂 — Ελληνικά, 中文"}, id=8)]),
    ("ping with an empty echo", "c2s", [env("ping", {"echo": ""}, id=9)]),
    ("ping with a 300-byte echo (str16 form)", "c2s", [env("ping", {"echo": "ab" * 150}, id=10)]),
    ("request id 0", "c2s", [env("ping", {}, id=0)]),
    ("request id 127, the largest fixint", "c2s", [env("ping", {}, id=127)]),
    ("request id 128 (uint8 form)", "c2s", [env("ping", {}, id=128)]),
    ("request id 65536 (uint32 form)", "c2s", [env("ping", {}, id=65536)]),
    ("request id 2^53-1, the largest allowed (uint64 form)", "c2s", [env("ping", {}, id=MAX_SAFE)]),
    ("hello and ping in one frame", "c2s",
     [env("hello", {"client": "console/0.1.0"}, id=1), env("ping", {"echo": "t0"}, id=2)]),
    ("64 envelopes in one frame, the most allowed", "c2s",
     [env("ping", {}, id=i + 1) for i in range(64)]),
    # server to client
    ("hello reply to a new customer, every optional field present", "s2c",
     [dict(env("ok", HELLO_REPLY_CUSTOMER, id=1), request="hello")]),
    ("hello reply to a returning customer, no new token", "s2c",
     [dict(env("ok", {"role": "customer", "user_id": "c:7f3a9e12", "server_time_ms": 1764072000123,
                      "ping_interval_s": 25, "max_frame_bytes": 65536}, id=1), request="hello")]),
    ("hello reply to an agent with a display name", "s2c",
     [dict(env("ok", {"role": "agent", "user_id": "mlopez", "display_name": "María López",
                      "server_time_ms": 1764072000123, "ping_interval_s": 25,
                      "max_frame_bytes": 65536}, id=1), request="hello")]),
    ("hello reply to a supervisor without a display name", "s2c",
     [dict(env("ok", {"role": "supervisor", "user_id": "sup.chen", "server_time_ms": 1764072000123,
                      "ping_interval_s": 30, "max_frame_bytes": 16384}, id=3), request="hello")]),
    ("hello reply to an admin with every limit at its maximum", "s2c",
     [dict(env("ok", {"role": "admin", "user_id": "admin", "display_name": "",
                      "server_time_ms": MAX_SAFE, "ping_interval_s": 3600,
                      "max_frame_bytes": 16777216}, id=MAX_SAFE), request="hello")]),
    ("hello reply with zero values", "s2c",
     [dict(env("ok", {"role": "agent", "user_id": "a", "resume_ttl_s": 0, "server_time_ms": 0,
                      "ping_interval_s": 0, "max_frame_bytes": 0}, id=0), request="hello")]),
    ("ping reply with echo", "s2c",
     [dict(env("ok", {"echo": "x", "server_time_ms": 1764072000456}, id=7), request="ping")]),
    ("ping reply without echo", "s2c",
     [dict(env("ok", {"server_time_ms": 1764072000456}, id=2), request="ping")]),
    ("error reply with id and field", "s2c",
     [env("error", {"code": "BAD_FIELD", "message": "resume_token has characters it may not contain",
                    "field": "resume_token"}, id=1)]),
    ("error reply without id (the request id could not be read)", "s2c",
     [env("error", {"code": "BAD_FRAME", "message": "floats are not allowed on the wire"})]),
    ("error reply TOKEN_INVALID to a hello", "s2c",
     [env("error", {"code": "TOKEN_INVALID", "message": "resume token unknown, expired or revoked"}, id=1)]),
    ("error reply RATE_LIMITED with retry_after_ms", "s2c",
     [env("error", {"code": "RATE_LIMITED", "message": "too many messages", "retry_after_ms": 1500}, id=12)]),
    ("error reply with every field, retry_after_ms at its maximum", "s2c",
     [env("error", {"code": "BAD_FIELD", "message": "", "field": "items[2].name",
                    "retry_after_ms": 3600000}, id=13)]),
    ("event server.notice (info)", "s2c",
     [env("server.notice", {"level": "info", "message": "Chat hours today: 9 a.m. to 4 p.m."})]),
    ("event server.notice (warning, Spanish text)", "s2c",
     [env("server.notice", {"level": "warning",
                            "message": "El servidor se reiniciará en 5 minutos; su lugar en la fila se conserva."})]),
    # staff presence and work
    ("agent.state.set available", "c2s", [env("agent.state.set", {"status": "available"}, id=20)]),
    ("agent.state.set away with a reason", "c2s",
     [env("agent.state.set", {"status": "away", "reason": "Lunch"}, id=21)]),
    ("offer.accept", "c2s", [env("offer.accept", {"offer_id": 4242}, id=22)]),
    ("offer.decline with a reason", "c2s",
     [env("offer.decline", {"offer_id": 4242, "reason": "Not my language"}, id=23)]),
    ("contact.end", "c2s", [env("contact.end", {"contact_id": "k-0123456789abcdef01234567"}, id=24)]),
    ("contact.wrapup with service codes and notes", "c2s",
     [env("contact.wrapup", {"contact_id": "k-0123456789abcdef01234567", "disposition": "resolved",
                             "service_codes": ["ui-claim-status", "work-search-explained"],
                             "notes": "Explained the weekly claim; next steps sent in writing."}, id=25)]),
    ("contact.wrapup without service codes", "c2s",
     [env("contact.wrapup", {"contact_id": "k-1", "disposition": "resolved", "service_codes": []}, id=26)]),
    ("contact.request for a chat in Spanish", "c2s",
     [env("contact.request", {"topic": "claim-question", "channel": "chat", "lang": "es",
                              "name": "Ana", "claim_ref": "UI-2024-118"}, id=27)]),
    ("contact.request with only the required fields", "c2s",
     [env("contact.request", {"topic": "claim-question", "channel": "voice", "name": "D"}, id=29)]),
    ("contact.cancel", "c2s", [env("contact.cancel", {"contact_id": "k-0123456789abcdef01234567"}, id=28)]),
    ("agent.state.set reply", "s2c",
     [dict(env("ok", {"status": "away", "reason": "Lunch"}, id=21), request="agent.state.set")]),
    ("offer.accept reply", "s2c",
     [dict(env("ok", {"contact_id": "k-0123456789abcdef01234567"}, id=22), request="offer.accept")]),
    ("offer.decline reply (no fields)", "s2c", [dict(env("ok", {}, id=23), request="offer.decline")]),
    ("contact.end, contact.wrapup and contact.cancel replies (no fields)", "s2c",
     [dict(env("ok", {}, id=24), request="contact.end"),
      dict(env("ok", {}, id=25), request="contact.wrapup"),
      dict(env("ok", {}, id=28), request="contact.cancel")]),
    ("contact.request reply", "s2c",
     [dict(env("ok", {"contact_id": "k-0123456789abcdef01234567",
                      "queue_name": "Unemployment claim questions",
                      "conversation_id": "v-0123456789abcdef01234567"}, id=27), request="contact.request")]),
    ("hello reply to a returning customer with an open contact", "s2c",
     [dict(env("ok", {"role": "customer", "user_id": "c-7f3a9e12", "resume_ttl_s": 900,
                      "server_time_ms": 1764072000123, "ping_interval_s": 20, "max_frame_bytes": 65536,
                      "contact_id": "k-0123456789abcdef01234567",
                      "conversation_id": "v-0123456789abcdef01234567", "epoch": 1764072000000}, id=1),
           request="hello")]),
    ("event customer.setup", "s2c",
     [env("customer.setup", {"topics": [
         {"id": "claim-question", "label_en": "A question about my claim",
          "label_es": "Una pregunta sobre mi reclamo", "channels": ["chat", "voice"],
          "languages": ["en", "es"], "open": True},
         {"id": "employer", "label_en": "Employer services", "channels": ["chat"], "languages": ["en"],
          "open": False, "next_open_ms": 1764079200000}],
         "languages": ["en", "es"]})]),
    ("event staff.setup", "s2c",
     [env("staff.setup", {"away_reasons": ["Break", "Lunch", "Missed offers"],
                          "queues": [{"id": "ui-claims", "name": "Unemployment claim questions"}],
                          "dispositions": [{"code": "resolved", "label": "Resolved"}],
                          "service_codes": [{"code": "ui-claim-status", "label": "UI claim status"}],
                          "identity_methods": ["Claim number and date of birth"],
                          "canned": [{"id": "greet-es", "title": "Saludo", "language": "es",
                                      "text": "Hola {customer_name}, soy {agent_name}."}],
                          "transfer_queues": [{"id": "resea", "name": "RESEA reviews"}]})]),
    ("event agent.state away", "s2c",
     [env("agent.state", {"status": "away", "reason": "Missed offers", "since_ms": 1764072000123})]),
    ("event offer", "s2c",
     [env("offer", {"offer_id": 4242, "contact_id": "k-0123456789abcdef01234567", "channel": "chat",
                    "queue": "ui-claims", "queue_name": "Unemployment claim questions", "language": "es",
                    "enqueued_ms": 1764072000000, "deadline_ms": 1764072030000, "remaining_ms": 29500})]),
    ("event offer.gone expired", "s2c", [env("offer.gone", {"offer_id": 4242, "reason": "expired"})]),
    ("event agent.work with an offer and a chat", "s2c",
     [env("agent.work", {"items": [
         {"contact_id": "k-a", "channel": "chat", "queue": "ui-claims", "queue_name": "UI claims",
          "state": "offered", "language": "en", "enqueued_ms": 1764072000000, "since_ms": 1764072000000,
          "offer_id": 7, "deadline_ms": 1764072030000},
         {"contact_id": "k-b", "channel": "voice", "queue": "resea", "queue_name": "RESEA",
          "state": "assigned", "language": "es", "enqueued_ms": 1764071000000, "since_ms": 1764071500000}],
         "waiting": 12})]),
    ("event agent.work, nothing held", "s2c", [env("agent.work", {"items": [], "waiting": 0})]),
    ("event contact.status queued with a position", "s2c",
     [env("contact.status", {"contact_id": "k-a", "state": "queued", "position": 3, "wait_s": 180,
                             "queue_name": "Unemployment claim questions"})]),
    ("event contact.status queued beyond 10 (banded)", "s2c",
     [env("contact.status", {"contact_id": "k-a", "state": "queued", "position_more_than": 20,
                             "wait_s": 1500})]),
    ("event contact.status assigned", "s2c",
     [env("contact.status", {"contact_id": "k-a", "conversation_id": "v-a", "state": "assigned",
                             "agent_name": "Maria Lopez"})]),
    ("event contact.status canceled for a callback", "s2c",
     [env("contact.status", {"contact_id": "k-a", "state": "canceled", "reason": "callback",
                             "message": "Leave your number and a specialist will call you back."})]),
    # chat
    ("chat.send from a customer", "c2s",
     [env("chat.send", {"conversation_id": "v-a", "client_msg_id": "m-1", "text": "Hola, ¿sigue ahí?"}, id=40)]),
    ("chat.send of a private note", "c2s",
     [env("chat.send", {"conversation_id": "v-a", "client_msg_id": "n-1",
                        "text": "Caller verified by claim number.", "private": True}, id=41)]),
    ("chat.send reply with the masked text", "s2c",
     [dict(env("ok", {"seq": 7, "prev_seq": 5, "ts_ms": 1764072000500, "text": "My SSN is XXX-XX-6789"}, id=40),
           request="chat.send")]),
    ("chat.sync from the start", "c2s", [env("chat.sync", {"conversation_id": "v-a", "after_seq": 0}, id=42)]),
    ("chat.sync reply with a message, a note and a system event", "s2c",
     [dict(env("ok", {"epoch": 1764072000000, "last_seq": 3, "more": False, "events": [
         {"seq": 1, "prev_seq": 0, "kind": "system", "from_role": "system", "from_name": "Maria Lopez",
          "text": "Maria Lopez joined the chat.", "ts_ms": 1764072000100, "system": "joined"},
         {"seq": 2, "prev_seq": 1, "kind": "note", "from_role": "agent", "from_name": "Maria Lopez",
          "text": "Checking the claim.", "ts_ms": 1764072000200, "client_msg_id": "n-1"},
         {"seq": 3, "prev_seq": 2, "kind": "message", "from_role": "customer", "text": "<b>hi</b>",
          "ts_ms": 1764072000300, "client_msg_id": "m-1"}]}, id=42), request="chat.sync")]),
    ("chat.sync reply, nothing new", "s2c",
     [dict(env("ok", {"epoch": 2, "last_seq": 9, "more": False, "events": []}, id=42), request="chat.sync")]),
    ("event chat.event to a customer (numbered among the entries it may see)", "s2c",
     [env("chat.event", {"conversation_id": "v-a", "epoch": 1764072000000, "event": {
         "seq": 4, "prev_seq": 3, "kind": "message", "from_role": "agent", "from_name": "Maria Lopez",
         "text": "See https://esd.wa.gov/", "ts_ms": 1764072000900}})]),
    ("event chat.open", "s2c",
     [env("chat.open", {"conversation_id": "v-a", "contact_id": "k-a", "customer_name": "Ana",
                        "topic": "claim-question", "topic_label": "A question about my claim",
                        "language": "es", "claim_ref": "UI-2024-118",
                        "verified_method": "Claim number and date of birth",
                        "transfer_note": "Needs RESEA scheduling.", "started_ms": 1764072000000,
                        "last_seq": 12})]),
    ("event chat.open with only the required fields", "s2c",
     [env("chat.open", {"conversation_id": "v-a", "contact_id": "k-a", "customer_name": "D",
                        "topic": "t", "topic_label": "T", "language": "en", "started_ms": 1, "last_seq": 0})]),
    ("chat.typing and chat.receipt", "c2s",
     [env("chat.typing", {"conversation_id": "v-a", "typing": True}, id=43),
      env("chat.receipt", {"conversation_id": "v-a", "delivered_seq": 5, "read_seq": 4}, id=44)]),
    ("chat.receipt with only the read mark", "c2s",
     [env("chat.receipt", {"conversation_id": "v-a", "read_seq": 9}, id=45)]),
    ("chat.typing and chat.receipt replies (no fields)", "s2c",
     [dict(env("ok", {}, id=43), request="chat.typing"),
      dict(env("ok", {}, id=44), request="chat.receipt")]),
    ("events chat.typing.event and chat.receipt.event", "s2c",
     [env("chat.typing.event", {"conversation_id": "v-a", "from_role": "customer", "typing": False}),
      env("chat.receipt.event", {"conversation_id": "v-a", "from_role": "agent", "delivered_seq": 5,
                                 "read_seq": 5})]),
    ("event chat.epoch", "s2c", [env("chat.epoch", {"epoch": 1764072000001})]),
    ("chat.verify", "c2s",
     [env("chat.verify", {"conversation_id": "v-a", "method": "Claim number and date of birth"}, id=46)]),
    ("chat.transfer to a queue", "c2s",
     [env("chat.transfer", {"conversation_id": "v-a", "to_queue": "resea", "note": "Wants a RESEA slot."}, id=47)]),
    ("chat.transfer to a named agent with an empty note", "c2s",
     [env("chat.transfer", {"conversation_id": "v-a", "to_agent": "jkim", "note": ""}, id=48)]),
    ("chat.block", "c2s", [env("chat.block", {"conversation_id": "v-a", "reason": "Threats"}, id=49)]),
    ("chat.stay", "c2s", [env("chat.stay", {"conversation_id": "v-a"}, id=50)]),
    ("chat.rate with a comment", "c2s",
     [env("chat.rate", {"conversation_id": "v-a", "score": 5, "comment": "¡Muy útil!"}, id=51)]),
    ("chat.rate without a comment", "c2s", [env("chat.rate", {"conversation_id": "v-a", "score": 1}, id=52)]),
    ("chat.verify, chat.transfer, chat.block, chat.stay and chat.rate replies (no fields)", "s2c",
     [dict(env("ok", {}, id=46), request="chat.verify"),
      dict(env("ok", {}, id=47), request="chat.transfer"),
      dict(env("ok", {}, id=49), request="chat.block"),
      dict(env("ok", {}, id=50), request="chat.stay"),
      dict(env("ok", {}, id=51), request="chat.rate")]),
    ("contact.message with every field", "c2s",
     [env("contact.message", {"topic": "employer", "lang": "es", "name": "Luis",
                              "text": "Necesito ayuda con una oferta de empleo.",
                              "reply_to": "luis@example.org", "claim_ref": "UI-2024-9"}, id=54)]),
    ("contact.message with only the required fields", "c2s",
     [env("contact.message", {"topic": "employer", "name": "L", "text": "x"}, id=55)]),
    ("contact.message asking for a call back", "c2s",
     [env("contact.message", {"topic": "claim", "name": "Pat", "text": "About my payment",
                              "reply_to": "+1 (360) 555-0100", "callback": True}, id=56)]),
    ("contact.message reply", "s2c",
     [dict(env("ok", {"reference": "m-0123456789abcdef01234567"}, id=54), request="contact.message")]),
    ("staff.directory", "c2s", [env("staff.directory", {}, id=53)]),
    ("staff.directory reply", "s2c",
     [dict(env("ok", {"agents": [
         {"username": "jkim", "display_name": "Jin Kim", "status": "available", "connected": True,
          "languages": ["en", "ko"]},
         {"username": "rdiaz", "display_name": "Rosa Díaz", "status": "offline", "connected": False,
          "languages": []}]}, id=53), request="staff.directory")]),
    ("event agent.work with a chat and its conversation", "s2c",
     [env("agent.work", {"items": [
         {"contact_id": "k-a", "channel": "chat", "queue": "ui-claims", "queue_name": "UI claims",
          "state": "wrapping", "language": "en", "enqueued_ms": 1764072000000, "since_ms": 1764072000000,
          "deadline_ms": 1764072120000, "remaining_ms": 119000, "conversation_id": "v-a",
          "customer_name": "Ana"}], "waiting": 0})]),
    ("error QUEUE_CLOSED with the next opening", "s2c",
     [env("error", {"code": "QUEUE_CLOSED", "message": "closed now", "next_open_ms": 1764079200000}, id=27)]),
    ("reply, event and error in one frame", "s2c",
     [dict(env("ok", {"echo": "t1", "server_time_ms": 1764072000999}, id=4), request="ping"),
      env("server.notice", {"level": "warning", "message": "Server restarting in 60 s"}),
      env("error", {"code": "NOT_READY", "message": "hello first"}, id=5)]),
]


# ------------------------------------------------------------------------------------------------
# Invalid vectors: (name, dir, frame bytes, error, field or None[, request or None]); an ok() frame
# carries its request type itself.

def ping(id_bytes=b"\x01", body=b"\x80"):
    return raw_env(t=p("ping"), id=id_bytes, b=body)


def hello_body(*pairs):
    return raw_map(*[(p(k), v) for k, v in pairs])


def hello(*pairs, id=1):
    return p(env("hello", {}, id=id))[:-1] + hello_body(*pairs)


class OkFrame(bytes):
    """The bytes of an "ok" envelope, with the request type whose reply table decodes it."""

    request = None


def ok(request, body, id=1):
    f = OkFrame(p(env("ok", body, id=id)))
    f.request = request
    return f


REPLY_OK = {"role": "agent", "user_id": "mlopez", "server_time_ms": 1764072000123,
            "ping_interval_s": 25, "max_frame_bytes": 65536}


def reply_with(**changes):
    """The hello reply above with fields replaced (value None removes the field)."""
    out = {}
    for k, v in REPLY_OK.items():
        if k in changes:
            if changes[k] is not None:
                out[k] = changes[k]
        else:
            out[k] = v
    return out


def deep_maps(levels):
    """levels nested one-entry maps {"a": {"a": ... 1}}."""
    inner = b"\x01"
    for _ in range(levels):
        inner = raw_map((p("a"), inner))
    return inner


VALID_PING = p(env("ping", {"echo": "x"}, id=7))

INVALID = [
    # -- step 1: bytes ---------------------------------------------------------------------------
    ("empty frame", "c2s", b"", "BAD_FRAME", None, None),
    ("truncated frame", "c2s", VALID_PING[:-1], "BAD_FRAME", None, None),
    ("truncated inside a length", "c2s", p(env("ping", {}, id=1))[:-1] + b"\xde\x00", "BAD_FRAME", None, None),
    ("declared array length past the end (dd ff ff ff ff)", "c2s",
     ping(body=raw_map((p("echo"), b"\xdd\xff\xff\xff\xff"))), "BAD_FRAME", None, None),
    ("declared map length past the end (df ff ff ff ff)", "c2s",
     ping(body=b"\xdf\xff\xff\xff\xff"), "BAD_FRAME", None, None),
    ("declared string length past the end (db ff ff ff ff)", "c2s",
     ping(body=raw_map((p("echo"), b"\xdb\xff\xff\xff\xff"))), "BAD_FRAME", None, None),
    ("declared str8 length past the end", "c2s",
     ping(body=raw_map((p("echo"), b"\xd9\x40abc"))), "BAD_FRAME", None, None),
    ("declared binary length past the end", "c2s",
     ping(body=raw_map((p("echo"), b"\xc6\x00\x01\x00\x00\x00"))), "BAD_FRAME", None, None),
    ("envelope map count past the end", "c2s", b"\x8f" + p("t") + p("ping"), "BAD_FRAME", None, None),
    ("nesting too deep (7 levels)", "c2s",
     ping(body=raw_map((p("echo"), deep_maps(5)))), "BAD_FRAME", None, None),
    ("nesting at the limit (6 levels) reaches the schema check", "c2s",
     ping(body=raw_map((p("echo"), deep_maps(4)))), "BAD_FIELD", "echo", None),
    ("more than 4096 items in one frame", "c2s",
     ping(body=raw_map((p("echo"), b"\xdd\x00\x00\x10\x01" + b"\x00" * 4097))), "BAD_FRAME", None, None),
    ("reserved byte 0xc1", "c2s", ping(body=raw_map((p("echo"), b"\xc1"))), "BAD_FRAME", None, None),
    ("float64 in body", "c2s",
     ping(body=raw_map((p("echo"), b"\xcb\x3f\xf0\x00\x00\x00\x00\x00\x00"))), "BAD_FRAME", None, None),
    ("float32 as request id", "c2s", ping(id_bytes=b"\xca\x3f\x80\x00\x00"), "BAD_FRAME", None, None),
    ("fixext1 in body", "c2s", ping(body=raw_map((p("echo"), b"\xd4\x01\x00"))), "BAD_FRAME", None, None),
    ("ext8 in body", "c2s", ping(body=raw_map((p("echo"), b"\xc7\x01\x05\x00"))), "BAD_FRAME", None, None),
    ("timestamp ext (d6 ff) in body", "c2s",
     ping(body=raw_map((p("echo"), b"\xd6\xff\x00\x00\x00\x00"))), "BAD_FRAME", None, None),
    ("uint8 form for a fixint value (id cc 05)", "c2s", ping(id_bytes=b"\xcc\x05"), "BAD_FRAME", None, None),
    ("uint16 form for a uint8 value", "c2s", ping(id_bytes=b"\xcd\x00\xff"), "BAD_FRAME", None, None),
    ("uint32 form for a uint16 value", "c2s", ping(id_bytes=b"\xce\x00\x00\xff\xff"), "BAD_FRAME", None, None),
    ("uint64 form for a uint32 value", "c2s",
     ping(id_bytes=b"\xcf\x00\x00\x00\x00\xff\xff\xff\xff"), "BAD_FRAME", None, None),
    ("int8 form for a non-negative value", "c2s", ping(id_bytes=b"\xd0\x05"), "BAD_FRAME", None, None),
    ("int8 form for a negative fixint value", "c2s", ping(id_bytes=b"\xd0\xe0"), "BAD_FRAME", None, None),
    ("int16 form for an int8 value", "c2s", ping(id_bytes=b"\xd1\xff\x80"), "BAD_FRAME", None, None),
    ("str8 form for a short string (type name)", "c2s",
     raw_env(t=str8("ping"), id=b"\x01", b=b"\x80"), "BAD_FRAME", None, None),
    ("str16 form for a str8 string", "c2s",
     ping(body=raw_map((p("echo"), b"\xda\x00\x05hello"))), "BAD_FRAME", None, None),
    ("str32 form for a str16 string", "c2s",
     ping(body=raw_map((p("echo"), b"\xdb\x00\x00\x00\x05hello"))), "BAD_FRAME", None, None),
    ("bin16 form for a short binary", "c2s",
     ping(body=raw_map((p("echo"), b"\xc5\x00\x01\x00"))), "BAD_FRAME", None, None),
    ("map16 form for a small map (envelope)", "c2s",
     b"\xde\x00\x03" + p("t") + p("ping") + p("id") + b"\x01" + p("b") + b"\x80", "BAD_FRAME", None, None),
    ("map16 form for an empty body", "c2s", ping(body=b"\xde\x00\x00"), "BAD_FRAME", None, None),
    ("array16 form for a small array", "c2s",
     ping(body=raw_map((p("echo"), b"\xdc\x00\x01\x01"))), "BAD_FRAME", None, None),
    ("trailing non-map after an envelope", "c2s", VALID_PING + b"\x01", "BAD_FRAME", None, None),
    ("trailing nil after an envelope", "c2s", VALID_PING + b"\xc0", "BAD_FRAME", None, None),
    ("envelope is an array", "c2s", p(["ping", 1, {}]), "BAD_FRAME", None, None),
    ("envelope is a string", "s2c", p("ok"), "BAD_FRAME", None, None),
    ("65 envelopes in one frame", "c2s",
     b"".join(p(env("ping", {}, id=i + 1)) for i in range(65)), "BAD_FRAME", None, None),
    # -- step 2: envelopes -----------------------------------------------------------------------
    ("envelope keys out of order (id before t)", "c2s",
     raw_map((p("id"), b"\x01"), (p("t"), p("ping")), (p("b"), b"\x80")), "BAD_FRAME", None, None),
    ("envelope keys out of order (b before id)", "c2s",
     raw_map((p("t"), p("ping")), (p("b"), b"\x80"), (p("id"), b"\x01")), "BAD_FRAME", None, None),
    ("envelope key repeated", "c2s",
     raw_map((p("t"), p("ping")), (p("t"), p("ping")), (p("id"), b"\x01"), (p("b"), b"\x80")),
     "BAD_FRAME", None, None),
    ("unknown envelope key", "c2s",
     raw_map((p("t"), p("ping")), (p("id"), b"\x01"), (p("b"), b"\x80"), (p("x"), b"\x01")),
     "BAD_FRAME", None, None),
    ("envelope key is an integer", "c2s",
     raw_map((p("t"), p("ping")), (p(1), b"\x01"), (p("b"), b"\x80")), "BAD_FRAME", None, None),
    ("missing b", "c2s", raw_env(t=p("ping"), id=b"\x01"), "BAD_FRAME", None, None),
    ("missing t", "c2s", raw_env(id=b"\x01", b=b"\x80"), "BAD_FRAME", None, None),
    ("empty envelope", "c2s", b"\x80", "BAD_FRAME", None, None),
    ("t is not a string", "c2s", raw_env(t=b"\x01", id=b"\x01", b=b"\x80"), "BAD_FRAME", None, None),
    ("t is binary", "c2s", raw_env(t=b"\xc4\x04ping", id=b"\x01", b=b"\x80"), "BAD_FRAME", None, None),
    ("b is an array", "c2s", raw_env(t=p("ping"), id=b"\x01", b=b"\x90"), "BAD_FRAME", None, None),
    ("b is nil", "c2s", raw_env(t=p("ping"), id=b"\x01", b=b"\xc0"), "BAD_FRAME", None, None),
    ("missing id on a request", "c2s", raw_env(t=p("ping"), b=b"\x80"), "BAD_FRAME", None, None),
    ("id too large (2^53)", "c2s", ping(id_bytes=p(2**53)), "BAD_FRAME", None, None),
    ("id far too large (2^64-1)", "c2s", ping(id_bytes=p(2**64 - 1)), "BAD_FRAME", None, None),
    ("negative id", "c2s", ping(id_bytes=b"\xff"), "BAD_FRAME", None, None),
    ("id is a string", "c2s", ping(id_bytes=p("1")), "BAD_FRAME", None, None),
    ("id is nil", "c2s", ping(id_bytes=b"\xc0"), "BAD_FRAME", None, None),
    ("unknown type", "c2s", p(env("chat.delete", {}, id=1)), "UNKNOWN_TYPE", None, None),
    ("unknown type that is not printable", "c2s",
     raw_env(t=fixstr_bytes(b"\xff\x00x"), id=b"\x01", b=b"\x80"), "UNKNOWN_TYPE", None, None),
    ("event type sent c2s", "c2s",
     p(env("server.notice", {"level": "info", "message": "hi"}, id=1)), "UNKNOWN_TYPE", None, None),
    ("ok sent c2s", "c2s", p(env("ok", {}, id=1)), "UNKNOWN_TYPE", None, None),
    ("error sent c2s", "c2s", p(env("error", {"code": "BAD_FRAME", "message": ""}, id=1)),
     "UNKNOWN_TYPE", None, None),
    ("request type sent s2c", "s2c", p(env("hello", {}, id=1)), "UNKNOWN_TYPE", None, None),
    ("unknown type sent s2c", "s2c", p(env("queue.update", {})), "UNKNOWN_TYPE", None, None),
    ("event with an id", "s2c",
     p(env("server.notice", {"level": "info", "message": "hi"}, id=3)), "BAD_FRAME", None, None),
    ("ok reply without an id", "s2c",
     p(env("ok", {"server_time_ms": 1}, id=None)), "BAD_FRAME", None, "ping"),
    ("unknown type checked before a missing id", "c2s", p(env("nope", {})), "UNKNOWN_TYPE", None, None),
    ("bad envelope key checked before the type", "c2s",
     raw_map((p("t"), p("nope")), (p("id"), b"\x01"), (p("b"), b"\x80"), (p("z"), b"\x01")),
     "BAD_FRAME", None, None),
    # -- step 3: bodies --------------------------------------------------------------------------
    ("unknown field", "c2s", hello(("nickname", p("x"))), "BAD_FIELD", None, None),
    ("unknown field with a non-printable name", "c2s", hello(("\u00e9", p("x"))), "BAD_FIELD", None, None),
    ("unknown field before a missing required field", "s2c",
     ok("hello", {"zzz": 1}), "BAD_FIELD", None),
    ("body key is an integer", "c2s", p(env("hello", {}, id=1))[:-1] + raw_map((p(1), p("x"))),
     "BAD_FIELD", None, None),
    ("field out of schema order", "c2s", hello(("lang", p("en")), ("client", p("widget/0.1.0"))),
     "BAD_FIELD", "client", None),
    ("field repeated", "c2s", hello(("client", p("a")), ("client", p("b"))), "BAD_FIELD", "client", None),
    ("missing required field (reply)", "s2c", ok("hello", reply_with(user_id=None)), "BAD_FIELD", "user_id"),
    ("missing required field at the end (reply)", "s2c",
     ok("hello", reply_with(max_frame_bytes=None)), "BAD_FIELD", "max_frame_bytes"),
    ("missing required field, empty body (ping reply)", "s2c", ok("ping", {}), "BAD_FIELD", "server_time_ms"),
    ("missing required field (event)", "s2c", p(env("server.notice", {"message": "hi"})),
     "BAD_FIELD", "level", None),
    ("missing required field (error body)", "s2c", p(env("error", {"message": "x"}, id=1)),
     "BAD_FIELD", "code", None),
    ("wrong field type: integer for a string", "c2s", hello(("client", p(5))), "BAD_FIELD", "client", None),
    ("wrong field type: nil for an optional string", "c2s", hello(("client", b"\xc0")), "BAD_FIELD", "client", None),
    ("wrong field type: binary for a string", "c2s",
     p(env("ping", {}, id=1))[:-1] + raw_map((p("echo"), b"\xc4\x01x")), "BAD_FIELD", "echo", None),
    ("wrong field type: map for a string", "c2s", hello(("lang", b"\x80")), "BAD_FIELD", "lang", None),
    ("wrong field type: string for a uint", "s2c",
     ok("hello", reply_with(server_time_ms="1764072000123")), "BAD_FIELD", "server_time_ms"),
    ("wrong field type: negative integer for a uint", "s2c",
     ok("hello", reply_with(ping_interval_s=-1)), "BAD_FIELD", "ping_interval_s"),
    ("wrong field type: boolean for a uint", "s2c",
     ok("ping", {"server_time_ms": True}), "BAD_FIELD", "server_time_ms"),
    ("wrong field type: integer for an enum", "s2c", ok("hello", reply_with(role=1)), "BAD_FIELD", "role"),
    ("string too long", "c2s", hello(("client", p("c" * 65))), "BAD_FIELD", "client", None),
    ("string too long by bytes, not characters", "c2s", hello(("client", p("é" * 33))), "BAD_FIELD", "client", None),
    ("string too short (resume token of 15)", "c2s", hello(("resume_token", p("abcdefghijklmno"))),
     "BAD_FIELD", "resume_token", None),
    ("string too long (resume token of 65)", "c2s", hello(("resume_token", p("a" * 65))),
     "BAD_FIELD", "resume_token", None),
    ("empty id string (reply user_id)", "s2c", ok("hello", reply_with(user_id="")), "BAD_FIELD", "user_id"),
    ("empty lang", "c2s", hello(("lang", p(""))), "BAD_FIELD", "lang", None),
    ("bad charset: token with '+'", "c2s", hello(("resume_token", p("abcdefghijklmno+"))),
     "BAD_FIELD", "resume_token", None),
    ("bad charset: token with '=' padding", "c2s", hello(("resume_token", p(TOKEN2 + "="))),
     "BAD_FIELD", "resume_token", None),
    ("bad charset: token with '.'", "c2s", hello(("resume_token", p("abcdefgh.ijklmnop"))),
     "BAD_FIELD", "resume_token", None),
    ("bad charset: id with a space", "s2c", ok("hello", reply_with(user_id="m lopez")), "BAD_FIELD", "user_id"),
    ("bad charset: id with a slash", "s2c", ok("hello", reply_with(user_id="a/b")), "BAD_FIELD", "user_id"),
    ("bad charset: id with non-ASCII", "s2c", ok("hello", reply_with(user_id="maría")), "BAD_FIELD", "user_id"),
    ("bad charset: lang with '_'", "c2s", hello(("lang", p("en_US"))), "BAD_FIELD", "lang", None),
    ("bad charset: error code with a space", "s2c",
     p(env("error", {"code": "BAD FIELD", "message": "x"}, id=1)), "BAD_FIELD", "code", None),
    ("invalid UTF-8 in a text field (lone 0xff)", "c2s", hello(("client", fixstr_bytes(b"ab\xffcd"))),
     "BAD_FIELD", "client", None),
    ("invalid UTF-8: overlong encoding", "c2s", hello(("client", fixstr_bytes(b"\xc0\xaf"))),
     "BAD_FIELD", "client", None),
    ("invalid UTF-8: surrogate half", "c2s", hello(("client", fixstr_bytes(b"\xed\xa0\x80"))),
     "BAD_FIELD", "client", None),
    ("invalid UTF-8: above U+10FFFF", "c2s", hello(("client", fixstr_bytes(b"\xf4\x90\x80\x80"))),
     "BAD_FIELD", "client", None),
    ("invalid UTF-8: truncated sequence", "c2s",
     p(env("ping", {}, id=1))[:-1] + raw_map((p("echo"), fixstr_bytes(b"ok\xe2\x82"))), "BAD_FIELD", "echo", None),
    ("invalid UTF-8 in a reply text field", "s2c",
     p(env("ok", {}, id=1))[:-1] + raw_map((p("echo"), fixstr_bytes(b"\x80")), (p("server_time_ms"), p(1))),
     "BAD_FIELD", "echo", "ping"),
    ("NUL in text", "c2s", p(env("ping", {"echo": "a\x00b"}, id=1)), "BAD_FIELD", "echo", None),
    ("NUL in an event message", "s2c", p(env("server.notice", {"level": "info", "message": "\x00"})),
     "BAD_FIELD", "message", None),
    ("enum value unknown (hello reply role)", "s2c", ok("hello", reply_with(role="root")), "BAD_FIELD", "role"),
    ("enum value in the wrong case", "s2c", ok("hello", reply_with(role="Agent")), "BAD_FIELD", "role"),
    ("enum value unknown (notice level)", "s2c", p(env("server.notice", {"level": "debug", "message": "x"})),
     "BAD_FIELD", "level", None),
    ("uint above max (ping_interval_s 3601)", "s2c",
     ok("hello", reply_with(ping_interval_s=3601)), "BAD_FIELD", "ping_interval_s"),
    ("uint above max (max_frame_bytes 2^24+1)", "s2c",
     ok("hello", reply_with(max_frame_bytes=2**24 + 1)), "BAD_FIELD", "max_frame_bytes"),
    ("uint above 2^53-1 (server_time_ms 2^53)", "s2c",
     ok("hello", reply_with(server_time_ms=2**53)), "BAD_FIELD", "server_time_ms"),
    ("uint above max (retry_after_ms)", "s2c",
     p(env("error", {"code": "RATE_LIMITED", "message": "x", "retry_after_ms": 3600001}, id=1)),
     "BAD_FIELD", "retry_after_ms", None),
    ("first error in field order wins", "s2c",
     ok("hello", reply_with(user_id="bad id", ping_interval_s=99999)), "BAD_FIELD", "user_id"),
    ("ok for ping decoded with the ping reply table (hello fields unknown)", "s2c",
     ok("ping", reply_with()), "BAD_FIELD", None),
    ("error in the second envelope of a frame", "c2s",
     p(env("ping", {}, id=1)) + hello(("client", p(5)), id=2), "BAD_FIELD", "client", None),
    ("agent.state.set with an unknown status", "c2s",
     p(env("agent.state.set", {"status": "asleep"}, id=1)), "BAD_FIELD", "status"),
    ("contact.wrapup with a service code that is not an id", "c2s",
     p(env("contact.wrapup", {"contact_id": "k-1", "disposition": "resolved",
                              "service_codes": ["ok", "not ok"]}, id=1)), "BAD_FIELD", "service_codes[1]"),
    ("contact.wrapup with service_codes not a list", "c2s",
     p(env("contact.wrapup", {"contact_id": "k-1", "disposition": "resolved",
                              "service_codes": "ui"}, id=1)), "BAD_FIELD", "service_codes"),
    ("contact.request for a task (customers cannot)", "c2s",
     p(env("contact.request", {"topic": "t", "channel": "task"}, id=1)), "BAD_FIELD", "channel"),
    ("agent.work item with an unknown channel", "s2c",
     p(env("agent.work", {"items": [{"contact_id": "k-a", "channel": "fax", "queue": "q", "queue_name": "Q",
                                     "state": "assigned", "language": "en", "enqueued_ms": 1,
                                     "since_ms": 1}], "waiting": 0})), "BAD_FIELD", "items[0].channel"),
    ("agent.work item missing its state", "s2c",
     p(env("agent.work", {"items": [{"contact_id": "k-a", "channel": "chat", "queue": "q", "queue_name": "Q",
                                     "language": "en", "enqueued_ms": 1, "since_ms": 1}], "waiting": 0})),
     "BAD_FIELD", "items[0].state"),
    ("chat.send with empty text", "c2s",
     p(env("chat.send", {"conversation_id": "v-a", "client_msg_id": "m-1", "text": ""}, id=1)),
     "BAD_FIELD", "text"),
    ("chat.send with text over 4000 bytes", "c2s",
     p(env("chat.send", {"conversation_id": "v-a", "client_msg_id": "m-1", "text": "x" * 4001}, id=1)),
     "BAD_FIELD", "text"),
    ("chat.send without a client message id", "c2s",
     p(env("chat.send", {"conversation_id": "v-a", "text": "hi"}, id=1)), "BAD_FIELD", "client_msg_id"),
    ("contact.message with empty text", "c2s",
     p(env("contact.message", {"topic": "t", "name": "L", "text": ""}, id=1)), "BAD_FIELD", "text"),
    ("chat.rate with a score above 5", "c2s",
     p(env("chat.rate", {"conversation_id": "v-a", "score": 6}, id=1)), "BAD_FIELD", "score"),
    ("contact.request without a name", "c2s",
     p(env("contact.request", {"topic": "t", "channel": "chat"}, id=1)), "BAD_FIELD", "name"),
    ("chat.event with an unknown system code", "s2c",
     p(env("chat.event", {"conversation_id": "v-a", "epoch": 1, "event": {
         "seq": 1, "prev_seq": 0, "kind": "system", "from_role": "system", "text": "", "ts_ms": 1,
         "system": "exploded"}})), "BAD_FIELD", "event.system"),
    ("offer.accept sent by the server as an event", "s2c",
     p(env("offer.accept", {"offer_id": 1})), "UNKNOWN_TYPE", None),
]


def vector_json():
    valid = []
    for name, d, envs in VALID:
        frame = b"".join(p({k: v for k, v in e.items() if k != "request"}) for e in envs)
        valid.append({"name": name, "dir": d, "hex": frame.hex(), "envelopes": envs})
    invalid = []
    for entry in INVALID:
        name, d, frame, error, field = entry[:5]
        request = entry[5] if len(entry) > 5 else getattr(frame, "request", None)
        v = {"name": name, "dir": d, "hex": frame.hex(), "error": error}
        if field is not None:
            v["field"] = field
        if request is not None:
            v["request"] = request
        invalid.append(v)
    names = [v["name"] for v in valid + invalid]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise SystemExit(f"duplicate vector names: {sorted(dup)}")
    for v in valid + invalid:
        assert v["dir"] in ("c2s", "s2c"), v["name"]
    out = {
        "comment": "Generated by proto/make_vectors.py. Do not edit; run /usr/bin/python3 proto/make_vectors.py.",
        "valid": valid,
        "invalid": invalid,
    }
    return json.dumps(out, indent=1, ensure_ascii=False) + "\n"


def main(argv):
    check = "--check" in argv
    args = [a for a in argv[1:] if a != "--check"]
    path = args[0] if args else os.path.join(HERE, "vectors.json")
    text = vector_json()
    if check:
        try:
            with open(path, encoding="utf-8") as f:
                same = f.read() == text
        except FileNotFoundError:
            same = False
        if not same:
            print(f"{path} is stale: regenerate it with /usr/bin/python3 proto/make_vectors.py", file=sys.stderr)
            return 1
        return 0
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
