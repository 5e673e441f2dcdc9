#!/usr/bin/env python3
"""mail_summary.py DIR... - one JSON line per mail the test SMTP server
wrote (NNNN.eml with its NNNN.json envelope), as Python's email package
reads it: the envelope's recipients, the decoded Subject, From and To, the
Message-ID, the parts' types, the plain text, and the iCalendar part (lines
unfolded, per RFC 5545) with its METHOD, UID, SEQUENCE, STATUS, DTSTART and
the attachment's file name. Any defect the parser found is listed."""
import email
import email.policy
import json
import os
import sys


def ical_fields(text):
    lines = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        if raw.startswith((" ", "\t")) and lines:
            lines[-1] += raw[1:]
        else:
            lines.append(raw)
    out = {"begin_calendar": lines[0] == "BEGIN:VCALENDAR" if lines else False,
           "end_calendar": "END:VCALENDAR" in lines, "events": 0, "attendees": []}
    in_event = False
    for line in lines:
        name, _, value = line.partition(":")
        key = name.split(";")[0]
        if line == "BEGIN:VEVENT":
            in_event = True
            out["events"] += 1
        elif line == "END:VEVENT":
            in_event = False
        elif key == "METHOD" and not in_event:
            out["method"] = value
        elif in_event and key in ("UID", "SEQUENCE", "STATUS", "SUMMARY", "ORGANIZER"):
            out[key.lower()] = value
        elif in_event and key == "DTSTART":
            out["dtstart"] = line[len("DTSTART"):]
        elif in_event and key == "ATTENDEE":
            out["attendees"].append(value)
    return out


def summary(path, envelope):
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    out = {"file": os.path.basename(path), "rcpt": envelope.get("rcpt_tos", []),
           "subject": str(msg["Subject"] or ""), "from": str(msg["From"] or ""),
           "to": str(msg["To"] or ""), "message_id": str(msg["Message-ID"] or "").strip("<>"),
           "types": [], "defects": [str(d) for d in msg.defects]}
    for part in msg.walk():
        out["types"].append(part.get_content_type())
        out["defects"] += [str(d) for d in part.defects]
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        if ctype == "text/plain" and "text" not in out:
            out["text"] = part.get_content()
        elif ctype == "text/html" and "html" not in out:
            out["html"] = part.get_content()
        elif ctype == "text/calendar" and "ical" not in out:
            out["ical"] = ical_fields(part.get_content())
            out["ical_method_param"] = part.get_param("method")
        elif part.get_filename():
            out["attachment"] = part.get_filename()
    return out


for folder in sys.argv[1:]:
    if not os.path.isdir(folder):
        continue
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".eml"):
            continue
        base = os.path.join(folder, name[:-4])
        try:
            with open(base + ".json") as f:
                env = json.load(f)
        except (OSError, ValueError):
            env = {}
        print(json.dumps(summary(base + ".eml", env), ensure_ascii=False))
