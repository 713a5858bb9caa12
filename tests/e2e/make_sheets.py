#!/usr/bin/python3
"""Sheets as other programs write them, for the import tests (run by /usr/bin/python3).

usage: make_sheets.py KIND OUT
  openpyxl  .xlsx by Debian's python3-openpyxl (an Excel-like writer): a merged title row, a
            two-row header with merged cells, an empty row, a date cell, a text date, a time cell
  ods       .ods as LibreOffice lays it out: repeated empty rows and columns, a date and a time cell
  formula   .xlsx whose date is a formula
  bomb      .xlsx whose sheet inflates to 200 MB (a zip bomb)
  liar      .xlsx whose sheet inflates to 100 MB but declares 1000 bytes
  huge      a 50 MB .csv
"""
import sys
import zipfile

HEADER_KK = ["Коды", "Атауы", "Түрі", "Орталық", "Күні", "Басталуы", "Аяқталуы", "Жауапты", "Аудитория"]


def openpyxl_sheet(out):
    import datetime
    import openpyxl
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Жоспар"
    ws["A1"] = "Құзыреттілік орталықтарының іс-шаралар жоспары"
    ws.merge_cells("A1:H1")
    # Two header rows: «Уақыты» merged over start and end, the others merged down.
    heads = ["№", "Атауы", "Форма", "Орталық", "Күні", "Уақыты", None, "Жауапты"]
    for col, text in enumerate(heads, 1):
        if text:
            ws.cell(row=3, column=col, value=text)
    for col in (1, 2, 3, 4, 5, 8):
        ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
    ws.merge_cells("F3:G3")
    ws["F4"] = "Басталуы"
    ws["G4"] = "Аяқталуы"
    rows = [
        (1, "Ойын арқылы оқыту: тәжірибе алмасу", "Семинар", "«Еркемай» бөбекжай-бақшасы» МКҚК",
         datetime.date(2027, 1, 13), datetime.time(11, 0), datetime.time(14, 0), "Д.Жаманбаева"),
        None,  # an empty row between two events
        (2, "STEAM: алғашқы робототехника", "Мастер-класс", "bolashak", "24.02.2027", "14:00", None, None),
    ]
    r = 5
    for row in rows:
        if row:
            for col, value in enumerate(row, 1):
                if value is not None:
                    ws.cell(row=r, column=col, value=value)
            ws.cell(row=r, column=6).number_format = "hh:mm"
            ws.cell(row=r, column=7).number_format = "hh:mm"
        r += 1
    ws.cell(row=5, column=5).number_format = "dd.mm.yyyy"
    book.save(out)


def ods_sheet(out):
    content = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 office:version="1.3"><office:body><office:spreadsheet>
<table:table table:name="План">
<table:table-column table:number-columns-repeated="1024"/>
<table:table-row><table:table-cell office:value-type="string"><text:p>Наименование</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>Форма</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>Центр</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>Дата</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>Начало</text:p></table:table-cell>
<table:table-cell table:number-columns-repeated="1019"/></table:table-row>
<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
<table:table-row><table:table-cell office:value-type="string"><text:p>Открытое<text:s/>занятие по развитию речи</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>Открытое занятие</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>Қарлығаш</text:p></table:table-cell>
<table:table-cell office:value-type="date" office:date-value="2027-03-17"><text:p>17.03.27</text:p></table:table-cell>
<table:table-cell office:value-type="time" office:time-value="PT10H30M00S"><text:p>10:30</text:p></table:table-cell>
<table:table-cell table:number-columns-repeated="1019"/></table:table-row>
<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>
"""
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)


def formula_sheet(out):
    import openpyxl
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Жоспар"
    ws.append(["Атауы", "Түрі", "Орталық", "Күні"])
    ws.append(["Семинар", "seminar", "erkemai", "=DATE(2027,1,13)"])
    book.save(out)


def write_workbook_parts(z):
    """The workbook and its relations, naming one sheet at xl/worksheets/sheet1.xml."""
    z.writestr("xl/workbook.xml", '<workbook xmlns:r="r"><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>')
    z.writestr("xl/_rels/workbook.xml.rels",
               '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>')


def bomb_sheet(out):
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        write_workbook_parts(z)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            chunk = b" " * (1 << 20)
            for _ in range(200):
                f.write(chunk)


def liar_sheet(out):
    import struct
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        write_workbook_parts(z)
        z.writestr("xl/worksheets/sheet1.xml", b" " * (100 << 20))
    data = bytearray(open(out, "rb").read())
    name = b"xl/worksheets/sheet1.xml"
    local = data.find(b"PK\x03\x04")
    while local >= 0:
        if data[local + 30:local + 30 + len(name)] == name:
            struct.pack_into("<I", data, local + 22, 1000)
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        if data[central + 46:central + 46 + len(name)] == name:
            struct.pack_into("<I", data, central + 24, 1000)
        central = data.find(b"PK\x01\x02", central + 4)
    open(out, "wb").write(data)


def huge_sheet(out):
    row = "Семинар;seminar;erkemai;13.01.2027;" + "x" * 60 + "\n"
    with open(out, "w", encoding="utf-8") as f:
        f.write("Атауы;Түрі;Орталық;Күні;Аудитория\n")
        written = 0
        while written < 50 * 1000 * 1000:
            f.write(row)
            written += len(row.encode())


if __name__ == "__main__":
    kind, out = sys.argv[1], sys.argv[2]
    {"openpyxl": openpyxl_sheet, "ods": ods_sheet, "formula": formula_sheet, "bomb": bomb_sheet, "liar": liar_sheet,
     "huge": huge_sheet}[kind](out)
