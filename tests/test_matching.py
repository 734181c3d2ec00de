"""The duplicate check's rules, as a table: pairs that must be the same, probably the same, or
different; phones, e-mails and credit codes."""

from __future__ import annotations

import itertools
import time

import pytest

from bot.domain.matching import compare, credit_code, fragment, probe
from bot.names import company_key, email_key, phone_key

SAME_NAMES = [
    ("杭州云帆科技有限公司", "杭州云帆科技"),
    ("杭州云帆科技有限公司", "杭州云帆科技有限责任公司"),
    ("杭州云帆科技股份有限公司", "杭州云帆科技"),
    ("ＡＣＭＥ　Ｃｏ．，Ｌｔｄ．", "acme"),  # full width
    ("ACME Co., Ltd.", "Acme"),
    ("Acme Inc.", "ACME LLC"),
    ("Acme Corp.", "acme corporation"),
    ("（中国）华为技术有限公司", "华为技术"),
    ("华为技术(中国)有限公司", "华为技术有限公司"),
    ("腾讯科技（深圳）有限公司", "腾讯科技有限公司"),
    ("阿里巴巴集团", "阿里巴巴"),
    ("阿里巴巴集团有限公司", "阿里巴巴"),
    ("云帆·科技", "云帆 科技"),  # punctuation and spaces
    ("【云帆】科技", "云帆科技"),  # brackets that are not a region keep their words
    ("Northwind Traders, Ltd", "northwind-traders"),
]
PROBABLY_SAME_NAMES = [
    ("云帆科技", "杭州云帆科技有限公司"),  # a region prefix outside brackets
    ("云帆科技有限公司上海分公司", "云帆科技有限公司"),  # a branch
    ("Contoso", "Contosso Ltd"),  # a typo
    ("Northwind", "Northwind Traders"),
]
DIFFERENT_NAMES = [
    ("云帆科技", "云帆物流"),
    ("阿里巴巴", "阿里妈妈"),
    ("云帆科技", "白帆科技"),
    ("Disco Ltd", "Dis Ltd"),  # "co" is a suffix only as a word
    ("Acme", "Apex"),
    ("有限公司", "股份有限公司"),  # nothing but suffixes: not stripped to nothing
    ("北京云帆", "上海白鹭"),
]


@pytest.mark.parametrize(("a", "b"), SAME_NAMES)
def test_names_that_are_the_same_company(a: str, b: str) -> None:
    match = compare(probe(a), probe(b))
    assert match is not None and match.verdict == "same", (company_key(a), company_key(b))


@pytest.mark.parametrize(("a", "b"), PROBABLY_SAME_NAMES)
def test_names_that_are_probably_the_same(a: str, b: str) -> None:
    match = compare(probe(a), probe(b))
    assert match is not None and (match.verdict, match.reason) == ("probable", "similar"), (a, b, match)


@pytest.mark.parametrize(("a", "b"), DIFFERENT_NAMES)
def test_names_that_are_different_companies(a: str, b: str) -> None:
    assert compare(probe(a), probe(b)) is None, (company_key(a), company_key(b))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("+86 571 8888 6666", "0571-88886666"),
        ("0086 13812345678", "138 1234 5678"),
        ("+86 10 6552 9988", "010-65529988"),
        ("（０５７１）８８８８６６６６", "571 8888 6666"),
    ],
)
def test_phones_compare_by_their_digits(a: str, b: str) -> None:
    assert phone_key(a) == phone_key(b)
    match = compare(probe("Alpha", phone=a), probe("Omega", phone=b))
    assert match is not None and (match.verdict, match.reason) == ("probable", "phone")


def test_short_numbers_and_other_phones_say_nothing() -> None:
    assert compare(probe("Alpha", phone="110"), probe("Omega", phone="110")) is None
    assert compare(probe("Alpha", phone="13812345678"), probe("Omega", phone="13812345679")) is None


def test_emails_compare_by_address() -> None:
    assert email_key(" Sales@Acme.COM ") == email_key("mailto:sales@acme.com") == "sales@acme.com"
    assert email_key("not an address") is None
    match = compare(probe("Alpha", email="Sales@Acme.com"), probe("Omega", email="sales@acme.com"))
    assert match is not None and (match.verdict, match.reason) == ("probable", "email")


def test_credit_codes_are_checked_and_decide() -> None:
    assert credit_code("91350100M000100Y43") == "91350100M000100Y43"
    assert credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert credit_code("91350100M000100Y44") is None  # wrong check character
    assert credit_code("91350100M000100Y4") is None  # 17 characters
    assert credit_code("91350100M000100I43") is None  # I is not in the alphabet
    same = compare(probe("Alpha", credit="91350100M000100Y43"), probe("Omega", credit="91350100M000100Y43"))
    assert same is not None and (same.verdict, same.reason) == ("same", "credit")
    # two different codes are two companies, even with one name
    assert (
        compare(probe("Acme", credit="91350100M000100Y43"), probe("Acme", credit="911100007109288314"))
        is None
    )


def test_fragments_find_the_distinctive_part_of_a_name() -> None:
    assert fragment("杭州云帆科技有限公司") == "云帆"
    assert fragment("Northwind Traders Ltd") == "northwind"


def test_a_name_costs_microseconds() -> None:
    """A million import rows: normalising and comparing a row must stay in the microseconds."""
    names = [f"杭州云帆{i}号科技有限公司" for i in range(5_000)]
    start = time.perf_counter()
    probes = [probe(n, phone="0571-8888 6666", email="a@b.cn") for n in names]
    for a, b in itertools.pairwise(probes):
        compare(a, b)
    per_name = (time.perf_counter() - start) / len(names)
    assert per_name < 100e-6, f"{per_name * 1e6:.1f} µs per name"
