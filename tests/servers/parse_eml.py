#!/usr/bin/python3
"""Parses one .eml with Python's email package and prints what tarat's tests check, as JSON."""
import email
import email.policy
from email.header import decode_header, make_header
import json
import re
import sys

raw = open(sys.argv[1], "rb").read()
msg = email.message_from_bytes(raw, policy=email.policy.default)
head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
lines = raw.split(b"\r\n")
sender = msg["from"]
legacy = email.message_from_bytes(raw, policy=email.policy.compat32)
out = {
    "subject": str(msg["subject"]),
    "body": msg.get_content(),
    "message_id": str(msg["message-id"]),
    "from_address": sender.addresses[0].addr_spec,
    "from_name": sender.addresses[0].display_name,
    # The display name by RFC 2047's rule (whitespace between adjacent encoded-words is dropped).
    # Python 3.11's modern parser keeps a space there inside an address, which splits words.
    "from_name_rfc2047": str(make_header(decode_header(legacy["from"].rsplit("<", 1)[0].strip()))),
    "to": str(msg["to"]),
    "date": msg["date"].datetime.isoformat(),
    "mime_version": str(msg["mime-version"]),
    "content_type": msg.get_content_type(),
    "charset": msg.get_content_charset(),
    "transfer_encoding": str(msg["content-transfer-encoding"]),
    "content_language": str(msg["content-language"]),
    "encoded_words": re.findall(r"=\?[^?]+\?[BbQq]\?[^?]*\?=", head),
    "max_line_length": max(len(line) for line in lines),
    "bare_lf": b"\n" in raw.replace(b"\r\n", b""),
    "defects": [repr(d) for d in msg.defects] + [repr(d) for k, v in msg.items() for d in v.defects],
}
print(json.dumps(out, ensure_ascii=False))
