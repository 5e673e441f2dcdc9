#!/usr/bin/env python3
"""smtp_blast.py HOST PORT N - the baseline of the notices benchmark: N
small mails (a Vietnamese subject, a text and an HTML part, about the size
of an invitation) sent one after another over one SMTP connection to the
same test server, as fast as it accepts them. Prints mails per second."""
import smtplib
import sys
import time
from email.message import EmailMessage

host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
msg = EmailMessage()
msg["From"] = "hop@bench.demo.gov.vn"
msg["Subject"] = "Giấy mời họp: Kỳ họp thường lệ tháng 12"
msg.set_content("Kính gửi đồng chí,\n\n" + "Nội dung cuộc họp. " * 60)
msg.add_alternative("<p>Kính gửi đồng chí,</p><p>" + "Nội dung cuộc họp. " * 60 + "</p>", subtype="html")
with smtplib.SMTP(host, port) as s:
    t0 = time.monotonic()
    for i in range(n):
        del msg["To"]
        msg["To"] = "nguoi-%04d@bench.demo.gov.vn" % i
        s.send_message(msg)
    elapsed = time.monotonic() - t0
print("%.1f" % (n / elapsed))
