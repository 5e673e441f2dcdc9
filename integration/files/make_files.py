#!/usr/bin/env python3
"""make_files.py OUTDIR [PAD [COUNT]] - the files the documents HTTP suite uploads, made
fresh each run with the standard library only: a 3-page PDF, COUNT
(default 1) 2-page PDFs padded to PAD bytes (lon.pdf, lon-1.pdf, ...; each
different, when PAD is given), a DOCX whose metadata says 4 pages, an XLSX with 2
sheets, a JPEG, and a text file dressed up as a PDF."""
import os
import sys
import zipfile

out = sys.argv[1]
pad = int(sys.argv[2]) if len(sys.argv) > 2 else 0
big = int(sys.argv[3]) if len(sys.argv) > 3 else 1  # how many padded PDFs, each different


def pdf(pages, text, pad_bytes=0):
    objs = []
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(pages))
    objs.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objs.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode())
    font = 3 + 2 * pages
    for i in range(pages):
        stream = f"BT /F1 12 Tf 72 770 Td ({text} {i + 1}) Tj ET\n".encode()
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                    f"/Resources << /Font << /F1 {font} 0 R >> >> /Contents {4 + 2 * i} 0 R >>".encode())
        objs.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream")
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    body = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    if pad_bytes:
        body += (b"% padding" + b"." * 70 + b"\n") * (pad_bytes // 80)
    offsets = []
    for n, obj in enumerate(objs, 1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % n + obj + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        body += b"%010d 00000 n \n" % off
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return body


def ooxml(path, parts):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts:
            z.writestr(name, data)


RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/officeDocument" Target="{target}"/></Relationships>')

with open(os.path.join(out, "ke-hoach.pdf"), "wb") as f:
    f.write(pdf(3, "Ke hoach trien khai phong hop khong giay"))
for i in range(big if pad else 0):
    with open(os.path.join(out, "lon.pdf" if i == 0 else f"lon-{i}.pdf"), "wb") as f:
        f.write(pdf(2, "Tai lieu lon" if i == 0 else f"Tai lieu lon {i}", pad))

ooxml(os.path.join(out, "bao-cao.docx"), [
    ("[Content_Types].xml",
     '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
     'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
     'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
     '"/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
     'document.main+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.'
     'openxmlformats-officedocument.extended-properties+xml"/></Types>'),
    ("_rels/.rels", RELS.format(target="word/document.xml")),
    ("word/document.xml",
     '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
     'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Báo cáo kết quả triển khai phòng họp không '
     'giấy tờ của tỉnh Bình Định</w:t></w:r></w:p></w:body></w:document>'),
    ("docProps/app.xml",
     '<?xml version="1.0" encoding="UTF-8"?><Properties xmlns="http://schemas.openxmlformats.org/'
     'officeDocument/2006/extended-properties"><Pages>4</Pages></Properties>'),
])

ooxml(os.path.join(out, "du-toan.xlsx"), [
    ("[Content_Types].xml",
     '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
     'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
     'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
     '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
     'sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
     'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/worksheets/'
     'sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
     'worksheet+xml"/></Types>'),
    ("_rels/.rels", RELS.format(target="xl/workbook.xml")),
    ("xl/workbook.xml",
     '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
     'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
     'relationships"><sheets><sheet name="Dự toán" sheetId="1" r:id="rId1"/><sheet name="Chi tiết" '
     'sheetId="2" r:id="rId2"/></sheets></workbook>'),
    ("xl/_rels/workbook.xml.rels",
     '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
     'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
     'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship '
     'Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
     'Target="worksheets/sheet2.xml"/></Relationships>'),
    ("xl/worksheets/sheet1.xml",
     '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
     'spreadsheetml/2006/main"><sheetData/></worksheet>'),
    ("xl/worksheets/sheet2.xml",
     '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
     'spreadsheetml/2006/main"><sheetData/></worksheet>'),
])

# A baseline JPEG of 1x1 pixel.
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c19"
    "12130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b08"
    "0001000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b51000"
    "02010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f0"
    "2433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768"
    "696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3"
    "c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00fb"
    "d3ffd9")
with open(os.path.join(out, "anh.jpg"), "wb") as f:
    f.write(JPEG)

with open(os.path.join(out, "gia-mao.pdf"), "wb") as f:
    f.write(b"#!/bin/sh\necho day khong phai PDF\n")
