"""Date parsing: the forms seen on the network, flags, and the in-text finder."""
from datetime import datetime

import pytest
from hypothesis import given, settings, strategies as st

from portal_crawler.extract.dates import CN, date_from_url, find_date, labelled_date, parse_date

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=CN)


@pytest.mark.parametrize("raw,value,precision", [
    ("2021-10-22 08:19", "2021-10-22T08:19:00+08:00", "minute"),
    ("2021-10-22 08:19:33", "2021-10-22T08:19:33+08:00", "second"),
    ("2021年10月22日", "2021-10-22", "date"),
    ("2021年10月22日 08:19", "2021-10-22T08:19:00+08:00", "minute"),
    ("2021年10月22日08:19", "2021-10-22T08:19:00+08:00", "minute"),
    ("发布时间：2021-10-22", "2021-10-22", "date"),
    ("时间:2021-10-22 08:19", "2021-10-22T08:19:00+08:00", "minute"),
    ("2021/10/22", "2021-10-22", "date"),
    ("2021.10.22", "2021-10-22", "date"),
    ("[2021-10-22]", "2021-10-22", "date"),
    ("2021-10-22", "2021-10-22", "date"),           # RSS pubDate on this network
    ("2005-5-7 21:23:57", "2005-05-07T21:23:57+08:00", "second"),
    ("2021-10-22T08:19:33+08:00", "2021-10-22T08:19:33+08:00", "second"),
    ("2021-10-22T00:19:33Z", "2021-10-22T08:19:33+08:00", "second"),
    ("3天前", "2026-11-25", "date"),
    ("昨天 08:19", "2026-11-27T08:19:00+08:00", "minute"),
    ("前天", "2026-11-26", "date"),
    ("5分钟前", "2026-11-28T11:55:00+08:00", "minute"),
    ("10月22日", "2026-10-22", "date"),              # no year: the latest past one
    ("12月30日", "2025-12-30", "date"),
    ("9/17/2004 5:54:13 AM", "2004-09-17T05:54:13+08:00", "second"),
    ("2022-02-11 下午 3:05", "2022-02-11T15:05:00+08:00", "minute"),
])
def test_forms(raw, value, precision):
    pd = parse_date(raw, now=NOW)
    assert (pd.value, pd.precision, pd.flag, pd.raw) == (value, precision, None, raw)


@pytest.mark.parametrize("raw,flag", [
    ("2030-01-01", "future"),
    ("2026-11-30 10:00", "future"),
    ("1985-06-01", "before_1990"),
    ("abc", "unparsed"),
    ("2021-13-45", "unparsed"),
    ("", "missing"),
    (None, "missing"),
])
def test_flags(raw, flag):
    pd = parse_date(raw, now=NOW)
    assert pd.value is None and pd.flag == flag


def test_tomorrow_is_tolerated():
    assert parse_date("2026-11-29", now=NOW).value == "2026-11-29"


def test_find_date_labelled_first():
    pd = find_date("2020-01-01 旧闻 发布时间：2021-10-22 08:19 来源：哈尔滨日报", now=NOW)
    assert pd.value == "2021-10-22T08:19:00+08:00" and pd.raw == "2021-10-22 08:19"
    assert find_date("时间:2021-10-22", now=NOW).value == "2021-10-22"
    assert find_date("没有日期的文字", now=NOW) is None


def test_date_from_url():
    assert date_from_url("http://x.cn/a/b/2021/1022/1057.html", now=NOW).value == "2021-10-22"
    assert date_from_url("http://x.gov.cn/202110/t20211022_123456.html", now=NOW).value == "2021-10-22"
    assert date_from_url("http://x.cn/a/1057.html", now=NOW) is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_never_raises_never_future(s):
    pd = parse_date(s, now=NOW)
    if pd.value:
        assert pd.value[:10] <= "2026-11-29"
        assert pd.value[:4] >= "1990"


# PUB-MONTH / PUB-YEAR: a month or a year, as a whole value or after a date label
@pytest.mark.parametrize("raw,value,precision", [
    ("1998年3月", "1998-03", "month"),
    ("2003-05", "2003-05", "month"),
    ("2003/5", "2003-05", "month"),
    ("1998年", "1998", "year"),
    ("日期：1998年3月", "1998-03", "month"),
])
def test_month_and_year_precision(raw, value, precision):
    pd = parse_date(raw, now=NOW)
    assert (pd.value, pd.precision, pd.flag) == (value, precision, None)


def test_month_precision_only_where_labelled():
    # in running text "2003-05" may be anything: only a labelled one is a date
    assert find_date("型号 2003-05 的设备", now=NOW) is None
    pd = find_date("日期：1998年3月 来源：人民日报", now=NOW)
    assert (pd.value, pd.precision, pd.raw) == ("1998-03", "month", "1998年3月")
    assert parse_date("2003-13", now=NOW).flag == "unparsed"
    assert parse_date("1985年3月", now=NOW).flag == "before_1990"


# PUB-LABEL: labels with a colon and the bare ones
@pytest.mark.parametrize("text,value", [
    ("发表于2014-08-24 21:30| 1164次阅读", "2014-08-24T21:30:00+08:00"),
    ("发布日期：2016-11-22 浏览次数：", "2016-11-22"),
    ("发文日期：2021年10月22日", "2021-10-22"),
    ("日期：2021-10-22", "2021-10-22"),
    ("最后更新 更新时间：2021-10-22 08:19", "2021-10-22T08:19:00+08:00"),
])
def test_labelled_date(text, value):
    assert labelled_date(text, now=NOW).value == value


def test_unlabelled_date_is_not_labelled():
    assert labelled_date("2021-10-22 来源：新京报", now=NOW) is None
    assert find_date("2021-10-22 来源：新京报", now=NOW).value == "2021-10-22"
