#!/usr/bin/env python3
"""Write one small list in seven formats for tests/integration/list_formats.rs.

The same rows saved as people save a list: UTF-8 CSV (LF), Excel's "Unicode text" (UTF-16LE
TSV with a byte-order mark, CRLF), Excel's Windows "CSV" (Windows-1252, CRLF), an .xlsx, an
.xls and an .ods workbook, and a gzip-compressed CSV. Run from anywhere with openpyxl, xlwt and
odfpy installed (python3 -m venv VENV && VENV/bin/pip install openpyxl xlwt odfpy); the outputs
are committed.
"""

import datetime
import gzip
import io
import os

import openpyxl
import xlwt
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P

HERE = os.path.dirname(os.path.abspath(__file__))

HEADER = ["id", "name", "email", "city"]
ROWS = [
    [1, "José García", "josé@example.com", "Sevilla"],
    [2, "François Dupont", "francois@example.fr", "Lyon"],
    [3, "Zoë Brontë", "zoe.bronte@gmail.com", "Haworth"],
    [4, "Ann", "ann@posteo.de", "Berlin"],
    [5, "Ann again", "ANN@posteo.de", "Berlin"],
    [6, "Bob", "not an address", "Paris"],
    [7, "Jürgen Groß", "juergen@gmx.de", "München"],
    [8, "Temp", "x@mailinator.com", "Nowhere"],
    [9, "Müller; Söhne", "mueller@web.de", "Köln"],
    [10, "Niño", "nino@example.es", "Málaga"],
    [11, "Eve", "eve@@example.com", "Zürich"],
    [12, "Ola Nordmann", "ola@firma.no", "Tromsø"],
]


def text_rows():
    yield [str(c) for c in HEADER]
    for r in ROWS:
        yield [str(c) for c in r]


def csv_text(delim, eol):
    out = io.StringIO()
    for row in text_rows():
        cells = []
        for c in row:
            if delim in c or '"' in c or "\n" in c:
                c = '"' + c.replace('"', '""') + '"'
            cells.append(c)
        out.write(delim.join(cells) + eol)
    return out.getvalue()


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def main():
    utf8 = csv_text(",", "\n")
    write("list.csv", utf8.encode("utf-8"))
    write("list-utf16.tsv", b"\xff\xfe" + csv_text("\t", "\r\n").encode("utf-16-le"))
    write("list-1252.csv", csv_text(",", "\r\n").encode("windows-1252"))
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz:
        gz.write(utf8.encode("utf-8"))
    write("list.csv.gz", buf.getvalue())

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Subscribers"
    ws.append(HEADER)
    for r in ROWS:
        ws.append(r)
    fixed = datetime.datetime(2024, 3, 1, 9, 30)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    notes = wb.create_sheet("Notes")
    notes.append(["nothing", "here"])
    wb.save(os.path.join(HERE, "list.xlsx"))

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Subscribers")
    for i, row in enumerate([HEADER] + ROWS):
        for j, c in enumerate(row):
            sheet.write(i, j, c)
    book.add_sheet("Notes").write(0, 0, "nothing")
    book.save(os.path.join(HERE, "list.xls"))

    doc = OpenDocumentSpreadsheet()
    table = Table(name="Subscribers")
    for row in [HEADER] + ROWS:
        tr = TableRow()
        for c in row:
            if isinstance(c, int):
                cell = TableCell(valuetype="float", value=c)
            else:
                cell = TableCell(valuetype="string")
            cell.addElement(P(text=str(c)))
            tr.addElement(cell)
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    doc.save(os.path.join(HERE, "list.ods"))


if __name__ == "__main__":
    main()
