"""Source readers: every cell comes back as the text the user sees, on its physical row number."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from migrate.core.issues import IssueCode, SourceError
from migrate.sources import detect, read_table
from migrate.sources.excel import cell_text
from migrate.sources.header import column_letter, frame_from_grid

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> Path:
    return FIXTURES / name


@pytest.fixture(scope="module")
def types_xlsx():
    return read_table(fixture("src_types.xlsx"))


@pytest.fixture(scope="module")
def layout_xlsx():
    return read_table(fixture("src_layout.xlsx"))


# --- Excel cell text -------------------------------------------------------------------------------


def test_numeric_phone_cell_keeps_all_digits(types_xlsx):
    assert types_xlsx.frame.loc[2, "Телефон"] == "79161234567"


def test_long_numeric_id_has_no_exponent(types_xlsx):
    assert types_xlsx.frame.loc[2, "ID"] == "123456789012345"
    # 20 digits exceed a float; Excel shows its 15-17 significant digits padded with zeros.
    assert types_xlsx.frame.loc[2, "Длинный ID"] == "12345678901234570000"


def test_leading_zero_text_id_is_kept(types_xlsx):
    assert types_xlsx.frame.loc[2, "Код"] == "00123"


def test_plus_seven_phone_text_is_kept(types_xlsx):
    assert types_xlsx.frame.loc[2, "Мобильный"] == "+7 (916) 123-45-67"


def test_date_cell_is_rendered_day_month_year(types_xlsx):
    assert types_xlsx.frame.loc[2, "Дата"] == "05.03.2024"


def test_datetime_cell_is_rendered_with_minutes_and_seconds_only_when_set(types_xlsx):
    assert types_xlsx.frame.loc[2, "Создано"] == "05.03.2024 13:45"
    assert types_xlsx.frame.loc[3, "Создано"] == "05.03.2024 13:45:07"
    assert list(types_xlsx.frame["Время"]) == ["09:05", "09:05:07"]


def test_fractions_are_shortest_decimal_without_exponent(types_xlsx):
    assert types_xlsx.frame.loc[2, "Доля"] == "0.1"
    assert types_xlsx.frame.loc[2, "Малое"] == "0.0000001"


def test_booleans_are_true_false(types_xlsx):
    assert list(types_xlsx.frame["Активен"]) == ["TRUE", "FALSE"]


def test_every_value_is_a_python_str(types_xlsx):
    values = [v for col in types_xlsx.frame.columns for v in types_xlsx.frame[col]]
    assert values and all(type(v) is str for v in values)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (79161234567.0, "79161234567"),
        (-0.0, "0"),
        (1234.5, "1234.5"),
        (1e-7, "0.0000001"),
        (7, "7"),
        (True, "TRUE"),
        (dt.datetime(2024, 3, 5), "05.03.2024"),
        (dt.datetime(2024, 3, 5, 9, 5, 0), "05.03.2024 09:05"),
        (dt.date(2024, 12, 31), "31.12.2024"),
        (dt.time(0, 0, 1), "00:00:01"),
        (dt.timedelta(days=1, hours=2), "1 day, 2:00:00"),
        ("  as typed  ", "  as typed  "),
    ],
)
def test_cell_text_renders_each_type_as_displayed(value, text):
    assert cell_text(value) == text


# --- sheets, header detection, header naming ---------------------------------------------------------


def test_first_sheet_with_data_is_chosen_and_all_sheets_listed(layout_xlsx):
    assert layout_xlsx.sheet == "Клиенты"
    assert layout_xlsx.sheets == ["Пусто", "Клиенты", "Сделки"]
    assert layout_xlsx.kind == "excel"


def test_title_rows_above_header_are_skipped_and_row_numbers_are_physical(layout_xlsx):
    assert layout_xlsx.header_row == 3
    assert layout_xlsx.frame.index[0] == 4
    assert layout_xlsx.frame.loc[4, "ФИО"] == "Иванов Иван"
    assert layout_xlsx.frame.loc[8, "ФИО"] == "Сидоров Пётр"


def test_duplicate_headers_are_made_unique_and_reported(layout_xlsx):
    assert layout_xlsx.columns == ["ФИО", "Телефон", "Телефон (2)", "Город", "column E", "Телефон (3)"]
    duplicates = [i for i in layout_xlsx.issues if i.code is IssueCode.DUPLICATE_HEADER]
    assert [(i.row, i.column, i.value) for i in duplicates] == [
        (3, "Телефон (2)", " Телефон\u00a0"),
        (3, "Телефон (3)", "Телефон"),
    ]


def test_blank_header_over_data_is_named_by_column_letter_and_reported(layout_xlsx):
    blanks = [i for i in layout_xlsx.issues if i.code is IssueCode.BLANK_HEADER]
    assert [(i.row, i.column) for i in blanks] == [(3, "column E")]
    assert layout_xlsx.frame.loc[4, "column E"] == "заметка"


def test_blank_header_over_empty_column_is_dropped_silently(layout_xlsx):
    assert len(layout_xlsx.original_headers) == 7
    assert layout_xlsx.original_headers[5] == ""
    assert "column F" not in layout_xlsx.columns


def test_empty_and_whitespace_rows_are_skipped_and_counted(layout_xlsx):
    assert list(layout_xlsx.frame.index) == [4, 5, 8]
    assert layout_xlsx.empty_rows == 2


def test_sheet_is_chosen_by_name():
    table = read_table(fixture("src_layout.xlsx"), sheet="Сделки")
    assert table.sheet == "Сделки"
    assert table.frame.to_dict("index") == {2: {"Название": "Поставка", "Бюджет": "150000"}}


def test_wrong_sheet_name_is_an_error_listing_the_sheets():
    with pytest.raises(SourceError) as err:
        read_table(fixture("src_layout.xlsx"), sheet="Контакты")
    message = str(err.value)
    assert "'Контакты'" in message
    assert "src_layout.xlsx" in message
    assert all(name in message for name in ("'Пусто'", "'Клиенты'", "'Сделки'"))


def test_explicit_header_row_overrides_detection():
    table = read_table(fixture("src_layout.xlsx"), header_row=4)
    assert table.header_row == 4
    assert table.columns[0] == "Иванов Иван"
    assert list(table.frame.index) == [5, 8]


def test_header_detection_skips_a_numeric_row_with_as_many_cells():
    rows = [["01.03.2024", "100", "200"], ["Имя", "Телефон", "Город"], ["Анна", "79160000000", "Москва"]]
    grid = frame_from_grid(rows, where="grid")
    assert grid.header_row == 2
    assert grid.frame.to_dict("index") == {3: {"Имя": "Анна", "Телефон": "79160000000", "Город": "Москва"}}


def test_generated_duplicate_name_never_takes_a_real_header():
    rows = [["Телефон", "Телефон", "Телефон (2)"], ["1", "2", "3"]]
    grid = frame_from_grid(rows, where="grid")
    assert list(grid.frame.columns) == ["Телефон", "Телефон (3)", "Телефон (2)"]


def test_column_letters_follow_excel():
    assert [column_letter(i) for i in (0, 4, 25, 26, 27, 701, 702)] == ["A", "E", "Z", "AA", "AB", "ZZ", "AAA"]


# --- other workbook formats ------------------------------------------------------------------------


def test_ods_cells_read_as_displayed():
    table = read_table(fixture("src_types.ods"))
    assert table.kind == "excel"
    assert table.frame.to_dict("index") == {
        2: {
            "Телефон": "79161234567",
            "ID": "123456789012345",
            "Код": "00123",
            "Дата": "05.03.2024",
            "Создано": "05.03.2024 13:45",
            "Доля": "0.1",
            "Активен": "TRUE",
        }
    }


def test_xls_cells_read_as_displayed():
    table = read_table(fixture("src_types.xls"))
    assert table.kind == "excel"
    assert table.frame.to_dict("index") == {
        2: {"Телефон": "79161234567", "ID": "123456789012345", "Код": "00123", "Дата": "05.03.2024", "Доля": "0.1"}
    }


# --- CSV ---------------------------------------------------------------------------------------------

CSV_EXPECTED = {
    2: {"ФИО": "Иванов Иван", "Телефон": "+7 916 123-45-67", "Город": "Москва", "Комментарий": "Звонить после 18:00"},
    3: {
        "ФИО": "Ёлкина Мария",
        "Телефон": "89031112233",
        "Город": "Санкт-Петербург",
        "Комментарий": "Клиент «ВИП», скидка 5%",
    },
    4: {"ФИО": "Щукин Юрий", "Телефон": "00123", "Город": "Нижний Новгород", "Комментарий": ""},
}


def test_cp1251_semicolon_csv_decodes_russian_text():
    table = read_table(fixture("src_cp1251_semicolon.csv"))
    assert (table.kind, table.encoding, table.delimiter) == ("csv", "cp1251", ";")
    assert table.frame.to_dict("index") == CSV_EXPECTED


def test_utf8_bom_csv_has_no_bom_in_first_header():
    table = read_table(fixture("src_utf8_bom.csv"))
    assert table.encoding == "utf-8-sig"
    assert table.columns[0] == "ФИО"
    assert table.frame.to_dict("index") == CSV_EXPECTED


@pytest.mark.parametrize(("name", "delimiter"), [("src_comma.csv", ","), ("src_tab.tsv", "\t"), ("src_pipe.csv", "|")])
def test_delimiter_is_detected(name, delimiter):
    table = read_table(fixture(name))
    assert table.delimiter == delimiter
    assert table.encoding == "utf-8"
    assert table.frame.to_dict("index") == CSV_EXPECTED


def test_explicit_encoding_and_delimiter_win():
    table = read_table(fixture("src_cp1251_semicolon.csv"), encoding="cp1251", delimiter=";")
    assert table.frame.to_dict("index") == CSV_EXPECTED


def test_wrong_explicit_encoding_is_a_source_error():
    with pytest.raises(SourceError, match="cannot be decoded as utf-8"):
        read_table(fixture("src_cp1251_semicolon.csv"), encoding="utf-8")


def test_quoted_newline_keeps_record_numbering():
    table = read_table(fixture("src_quoted_newline.csv"))
    assert list(table.frame.index) == [2, 3]
    assert table.frame.loc[2, "Комментарий"] == "первая строка\r\nвторая строка"
    assert table.frame.loc[3, "ФИО"] == "Петрова Анна"


def test_trailing_delimiter_column_is_dropped():
    table = read_table(fixture("src_trailing_delimiter.csv"))
    assert table.columns == ["ФИО", "Телефон", "Город", "Комментарий"]
    assert table.original_headers == ["ФИО", "Телефон", "Город", "Комментарий", ""]
    assert table.issues == []
    assert table.frame.to_dict("index") == CSV_EXPECTED


def test_ragged_csv_rows_are_padded_and_blank_lines_counted(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("Имя;Телефон;Город\nАнна;79160000000\n\nПётр;79990001122;Тверь;лишнее\n", encoding="utf-8")
    table = read_table(path)
    assert table.frame.to_dict("index") == {
        2: {"Имя": "Анна", "Телефон": "79160000000", "Город": "", "column D": ""},
        4: {"Имя": "Пётр", "Телефон": "79990001122", "Город": "Тверь", "column D": "лишнее"},
    }
    assert table.empty_rows == 1
    assert [i.code for i in table.issues] == [IssueCode.BLANK_HEADER]


def test_csv_named_xlsx_is_read_as_csv_by_content(tmp_path):
    path = tmp_path / "clients.xlsx"
    path.write_bytes(fixture("src_cp1251_semicolon.csv").read_bytes())
    assert detect(path) == "csv"
    assert read_table(path).frame.to_dict("index") == CSV_EXPECTED


# --- errors ------------------------------------------------------------------------------------------


def test_empty_file_is_a_source_error():
    with pytest.raises(SourceError, match=r"src_empty\.csv' is empty \(0 bytes\)"):
        read_table(fixture("src_empty.csv"))


def test_missing_file_is_a_source_error():
    with pytest.raises(SourceError, match=r"no_such_file\.xlsx': the file does not exist"):
        read_table(fixture("no_such_file.xlsx"))


def test_corrupt_xlsx_is_a_source_error():
    with pytest.raises(SourceError, match=r"src_corrupt\.xlsx' cannot be read as an Excel/OpenDocument workbook"):
        read_table(fixture("src_corrupt.xlsx"))


@pytest.mark.parametrize("name", ["src_title_only.xlsx", "src_title_only.csv"])
def test_file_with_only_a_title_is_a_source_error(name):
    with pytest.raises(SourceError, match="has no header row") as err:
        read_table(fixture(name))
    assert name in str(err.value)


def test_header_without_data_rows_is_a_source_error(tmp_path):
    path = tmp_path / "header_only.csv"
    path.write_text("Имя;Телефон\n;\n", encoding="utf-8")
    with pytest.raises(SourceError, match="header at row 1 but no data rows"):
        read_table(path)


def test_header_row_outside_the_file_is_a_source_error():
    with pytest.raises(SourceError, match="header row 99 is outside"):
        read_table(fixture("src_comma.csv"), header_row=99)


def test_binary_bytes_are_a_source_error(tmp_path):
    path = tmp_path / "picture.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert detect(path) == "binary"
    with pytest.raises(SourceError, match="neither an Excel/OpenDocument workbook nor a text"):
        read_table(path)


def test_undecodable_text_is_a_source_error(tmp_path):
    path = tmp_path / "garbage.csv"
    path.write_bytes(bytes(range(0x80, 0x100)) * 8)
    with pytest.raises(SourceError, match="garbage.csv"):
        read_table(path)


def test_html_table_named_xls_is_read_as_html(tmp_path):
    path = tmp_path / "export.xls"
    path.write_bytes(b"<html><body><table><tr><th>Name</th><th>City</th></tr><tr><td>a</td><td>b</td></tr></table>")
    assert detect(path) == "html"
    table = read_table(path)
    assert table.kind == "bitrix24-html"
    assert table.frame.loc[2].to_dict() == {"Name": "a", "City": "b"}


def test_json_of_no_known_system_is_recognised_and_refused(tmp_path):
    path = tmp_path / "export.xls"
    path.write_bytes(b'[{"name": "Anna"}]')
    assert detect(path) == "json"
    with pytest.raises(SourceError, match="neither a Bitrix24 REST dump"):
        read_table(path)


def test_unknown_kind_is_a_source_error():
    with pytest.raises(SourceError, match="unknown source kind 'pdf'"):
        read_table(fixture("src_comma.csv"), kind="pdf")


def test_csv_forced_as_excel_is_a_source_error():
    with pytest.raises(SourceError, match="src_comma.csv"):
        read_table(fixture("src_comma.csv"), kind="excel")
