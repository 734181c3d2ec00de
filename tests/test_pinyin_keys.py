"""The pinyin search key is pypinyin's reading of the whole name, word by word, however it is cached."""

from __future__ import annotations

import pytest
from pypinyin import Style, lazy_pinyin

from bot.names import name_key, search_key


def _read_whole(name: str) -> str:
    """pypinyin's own answer for the whole name, with no cache in between."""
    full = name_key("".join(lazy_pinyin(name)))
    initials = name_key("".join(lazy_pinyin(name, style=Style.FIRST_LETTER)))
    return f"{full}|{initials}"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("杭州云帆科技有限公司", "hangzhouyunfankejiyouxiangongsi|hzyfkjyxgs"),
        ("重庆长安汽车", "chongqingchanganqiche|cqcaqc"),  # 重 read chong, 长 chang: phrases decide
        ("招商银行行长办公室", "zhaoshangyinhanghangzhangbangongshi|zsyhhzbgs"),
        ("Ａcme 中国（上海）有限公司", "acmezhongguoshanghaiyouxiangongsi|acmezgshyxgs"),
        ("长沙 bank 行 42", "changshabankxing42|csbankx42"),
    ],
)
def test_search_key_reads_phrases_as_pypinyin_does(name: str, expected: str) -> None:
    assert search_key(name) == expected == _read_whole(name)


def test_a_repeated_word_is_read_the_same_in_every_name() -> None:
    names = [
        f"{city}{word}有限公司 {n}"
        for n in range(3)
        for city in ("北京", "重庆")
        for word in ("银行", "行长")
    ]
    assert [search_key(name) for name in names] == [_read_whole(name) for name in names]


def test_names_without_chinese_have_no_pinyin_key() -> None:
    assert search_key("Northwind Traders") == ""
