"""The certificate list (证明事项清单): what a village may issue, what a 告知承诺 replaces, what it
must never issue.

The national part is the 20 certificates 民发〔2020〕20号 says a village (community) must not issue,
each with where a resident gets it instead. A county extends the list with its own entries
(``CountyCertificate``: what its villages may issue, what it replaced by a written commitment), and
an entry of the county with a national code overrides it. The list is data: the flag rules and the
quick form read it through ``list_for``.
"""
from flask_babel import gettext as _

from portal.core.auditing import record
from portal.core.db import transaction
from portal.core.errors import ValidationError
from portal.core.i18n import N_
from portal.core.text import clean_text
from portal.seals.models import CountyCertificate
from portal.units.models import Unit

KINDS = {"may_issue": N_("村里可以开具"), "commitment": N_("以告知承诺替代"), "must_not": N_("村里不能开具")}
BASIS = "民发〔2020〕20号"

# (code, name, what the resident can do instead)
NATIONAL = [
    ("kinship", N_("亲属关系证明"), N_("凭户口簿、结婚证、出生医学证明等材料办理，或到户籍派出所查询")),
    ("identity", N_("身份信息证明"), N_("凭居民身份证、户口簿办理，或到户籍派出所开具")),
    ("household_change", N_("户口变更申请证明"), N_("直接到户籍派出所申请，由公安机关核实")),
    ("dog", N_("养犬证明"), N_("到公安机关或养犬管理部门办理养犬登记")),
    ("no_crime", N_("无犯罪记录证明"), N_("到户籍地或居住地派出所申请开具")),
    ("drug_rehab", N_("戒毒康复证明"), N_("由公安机关或司法行政部门的戒毒机构出具")),
    ("missing", N_("失踪证明"), N_("向人民法院申请宣告失踪，或到派出所报案取得回执")),
    ("marriage", N_("婚姻状况证明"), N_("到民政部门婚姻登记机关查询婚姻登记记录")),
    ("birth", N_("出生证明"), N_("由接生的医疗机构出具《出生医学证明》")),
    ("alive", N_("健在证明"), N_("由需要者通过人脸识别、视频等方式认证，或到社保经办机构办理")),
    ("death", N_("死亡证明"), N_("由医疗机构出具《居民死亡医学证明（推断）书》，或由派出所开具")),
    ("illness", N_("疾病证明"), N_("由医疗机构出具诊断证明")),
    ("disability", N_("残疾证明"), N_("到残联申请评定并办理残疾人证")),
    ("childbearing", N_("婚育情况证明"), N_("到卫生健康部门办理，或以本人书面承诺代替")),
    ("employment", N_("就业状况证明"), N_("到人力资源和社会保障部门查询就业登记")),
    ("personal_file", N_("个人档案证明"), N_("到存放档案的单位或人才服务机构办理")),
    ("property", N_("财产状况证明"), N_("到不动产登记、车辆管理等部门查询")),
    ("inheritance", N_("继承权证明"), N_("到公证机构办理继承公证，或向人民法院起诉")),
    ("business_address", N_("市场主体住所证明"), N_("凭房屋产权证明或租赁合同到市场监管部门办理登记")),
    ("lost_document", N_("证件遗失证明"), N_("直接到证件签发机关挂失补办")),
]


def county_of(unit):
    """The county a village (or any unit) lies in, from its path."""
    code = unit.path.strip("/").split("/")[0]
    return Unit.find(code, "county")


def _entry(code, name, kind, alternative, basis, county):
    return {"code": code, "name": name, "kind": kind, "kind_name": KINDS[kind], "alternative": alternative,
            "basis": basis, "scope": county}


def list_for(unit):
    """The list that applies in ``unit``'s county: national entries, then the county's (overriding by code)."""
    entries = {code: _entry(code, name, "must_not", alt, BASIS, None) for code, name, alt in NATIONAL}
    county = county_of(unit) if unit is not None else None
    if county is not None:
        rows = CountyCertificate.select().where(CountyCertificate.county == county) \
            .order_by(CountyCertificate.sort_order, CountyCertificate.id)
        for row in rows:
            entries[row.code] = _entry(row.code, row.name, row.kind, row.alternative, row.basis, county.code)
    return list(entries.values())


def translated(entries):
    """The entries in the request's language (names and alternatives are message ids)."""
    def tr(text):  # a variable, not a literal: ``_(e["name"])`` would make pybabel extract "name"
        return _(text) if text else ""
    return [dict(e, name=tr(e["name"]), kind_name=tr(e["kind_name"]), alternative=tr(e["alternative"]))
            for e in entries]


def find(unit, code_or_name):
    """The entry a use names (by code or by name), or None when it is not on the list."""
    for entry in list_for(unit):
        if code_or_name in (entry["code"], entry["name"]):
            return entry
    return None


def add_county_entry(actor, county, data):
    """Add or replace one entry of the county's list (admin); audited."""
    if county is None or county.level != "county":
        raise ValidationError("bad_county", N_("县代码不存在。"))
    code = clean_text(data.get("code"), "code", "事项代码", 32, required=True)
    name = clean_text(data.get("name"), "name", "证明名称", 60, required=True)
    kind = data.get("kind")
    if kind not in KINDS:
        raise ValidationError("bad_kind", N_("类别须为 may_issue、commitment 或 must_not。"))
    alternative = clean_text(data.get("alternative"), "alternative", "替代办法", 300) or ""
    basis = clean_text(data.get("basis"), "basis", "依据", 200) or ""
    with transaction(lock=True):
        row = CountyCertificate.get_or_none((CountyCertificate.county == county) & (CountyCertificate.code == code))
        if row is None:
            row = CountyCertificate(county=county, code=code)
        row.name, row.kind, row.alternative, row.basis = name, kind, alternative, basis
        row.save()
        record(actor, "certificate.set", "certificate", f"{county.code}:{code}",
               {"county": county.code, "code": code, "name": name, "kind": kind,
                "alternative": alternative, "basis": basis})
    return row
