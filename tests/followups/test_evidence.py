"""A red flag's evidence reads as words: every key every rule writes has a label, values are formatted,
and the real server's inbox and flag pages show no raw key, in Chinese and in English."""
import ast
import html
import re
import sys
from pathlib import Path

import pytest
import requests
from flask_babel import force_locale

from tests.conftest import make_app, http_login

# dict keys in the rule modules that are not evidence (checked by reading each): projects' cached
# snapshots {"mark", "facts"} / {"mark", "value"}, the ledger's warning list {"code", "title", "evidence"}
# the seals' county thresholds {"median", "q3", "bar", "village_months"}, and the sentence kept as a
# template with its values {"text", "template", "params"} (``lines`` shows it as the filled text).
NOT_EVIDENCE = {"mark", "facts", "value", "title", "evidence", "median", "bar", "template", "params"}
IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")  # a key as code writes it: county_median


def _keys_in(path):
    keys = set()
    for node in ast.walk(ast.parse(Path(path).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Dict):
            keys |= {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    return keys


def test_every_key_of_every_rule_has_a_label(tmp_path):
    from portal.core import registry
    from portal.followups.evidence import LABELS
    app = make_app(tmp_path)
    rules = registry.of(app).flag_rules.values()
    modules = {sys.modules[r.check.__module__].__file__ for r in rules}
    assert len(modules) >= 5, modules  # projects, ledger, seals, appeals, publications at least
    assert any(Path(m).parts[-2:] == ("publications", "flags.py") for m in modules), modules
    codes = {r.code for r in rules}  # a table keyed by rule code (the ledger's scans) is not evidence
    missing = {f"{Path(m).relative_to(Path(m).parents[2])}: {k}" for m in modules for k in _keys_in(m)
               if k not in LABELS and k not in NOT_EVIDENCE and k not in codes and re.search("[a-z]", k)}
    assert not missing, "evidence keys without a label in portal/followups/evidence.py:\n" + "\n".join(sorted(missing))


def test_values_are_formatted_in_both_languages(tmp_path):
    from portal.followups.evidence import lines
    app = make_app(tmp_path)
    seals = {"month": "2026-03", "count": 41, "county_median": 6, "county_upper_quartile": 9.5, "threshold": 21.0,
             "village_months": 3600}
    rent = {"due": "125000.50", "paid": "0.00", "arrears": "125000.50", "as_of": "2026-03-01",
            "url": "/ledger/contracts/3"}
    out_too_long = {"out_at": "2026-03-01T01:00:00+00:00", "returned_at": None, "hours": 49.5, "limit_hours": 24,
                    "returned": False}
    with app.test_request_context("/?lang=zh"):
        assert lines("seals.unusual_rate", seals) == [
            ("月份", "2026-03", None), ("当月用印次数", "41", None), ("全县各村月用印次数中位数", "6", None),
            ("全县上四分位数", "9.5", None), ("预警线（次）", "21", None), ("全县统计的村月数", "3,600", None)]
        assert lines("ledger.rent_arrears", rent) == [  # dates first, then as the table orders the keys
            ("截至", "2026-03-01", None), ("应收租金", "125,000.50 元", None), ("已支付", "0.00 元", None),
            ("拖欠金额", "125,000.50 元", None), ("相关记录", "查看", "/ledger/contracts/3")]
        assert lines("seals.out_too_long", out_too_long) == [
            ("外带时间", "2026-03-01 09:00", None), ("归还时间", "无", None), ("外带时长", "49.5 小时", None),
            ("外带时限", "24 小时", None), ("是否已归还", "否", None)]
        assert lines("projects.R018", {"bids": 1, "text": "只有一家单位投标。"})[0] == ("情况", "只有一家单位投标。", None)
        assert lines("x.y", {"some_new_key": 3}) == [("其他", "3", None)]  # never the raw key
        assert lines("x.y", {"报价": 3}) == [("报价", "3", None)]  # a Chinese key is its own label
    with app.test_request_context("/"), force_locale("en"):
        english = lines("ledger.rent_arrears", rent)
        assert english[3] == ("Arrears", "125,000.50 yuan", None) and english[-1][1] == "Show"
        assert [label for label, _t, _u in lines("seals.unusual_rate", seals)][:2] == ["Month", "Seal uses that month"]




def _evidence_labels(page):
    """The labels the page shows before each evidence value: the inbox's labels and the flag page's <dt>s."""
    labels = []
    labels += [html.unescape(label).strip() for label in re.findall(r'<span class="ev-label">(.*?)</span>', page)]
    for dl in re.findall(r'<dl class="record-fields" id="evidence">(.*?)</dl>', page, re.S):
        labels += [html.unescape(dt).strip() for dt in re.findall(r"<dt>(.*?)</dt>", dl, re.S)]
    return labels


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_real_server_shows_no_raw_key(module_server, lang):
    from portal.followups.evidence import LABELS
    url = module_server.url
    s = http_login(url, "inspector_county")
    kinds = {}
    for rule in requests.get(f"{url}/api/v1/redflags/rules", timeout=60).json()["rules"]:
        found = requests.get(f"{url}/api/v1/redflags", params={"code": rule["code"]}, timeout=60).json()["flags"]
        if found:
            kinds[rule["code"]] = found[0]
    assert len(kinds) >= 3, sorted(kinds)  # the demo raises flags of several domains' rules
    seen_keys = set()
    for code, flag in kinds.items():
        seen_keys |= set(flag["evidence"])
        for path in (f"/inspect/flags?code={code}&lang={lang}", f"/inspect/flags/{flag['id']}?lang={lang}"):
            r = s.get(url + path, timeout=60)
            assert r.status_code == 200, path
            labels = _evidence_labels(r.text)
            assert labels, path
            raw = [label for label in labels if label in flag["evidence"] or label in LABELS or IDENTIFIER.match(label)]
            assert not raw, (path, raw)
            if lang == "en":
                assert not [label for label in labels if re.search("[\u4e00-\u9fff]", label)], (path, labels)
            else:
                assert all(re.search("[\u4e00-\u9fff]", label) for label in labels), (path, labels)
    assert seen_keys - {"text", "url"}, seen_keys
