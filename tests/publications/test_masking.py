"""Masking corpus: true positives are hidden, look-alikes are left alone."""
import pytest

from portal.core.personal_data import find_personal_data, id18_valid, luhn_valid, mask, mask_text

TRUE_POSITIVES = [
    ("身份证号350528196304123028。", "id18", "3505**********3028"),
    ("号码 330102199003071230 已核实", "id18", "3301**********1230"),
    ("尾号X：35052819630412301X", "id18", "3505**********301X"),
    ("全角：３５０５２８１９６３０４１２３０２８", "id18", "3505**********3028"),
    ("旧证350528630412302号", "id15", "3505*******2302"),
    ("电话13905951201", "mobile", "139****1201"),
    ("电话 138-0595-1207 联系", "mobile", "138****1207"),
    ("电话 +86 139 0595 1288", "mobile", "139****1288"),
    ("卡号6217001234567890122", "bank", "6217***********0122"),
    ("卡号 6217 0012 3456 7890 122", "bank", "6217***********0122"),
    ("Visa 4111 1111 1111 1111", "bank", "4111********1111"),
    # Issue 11: a mistyped ID number (wrong check digit) is still a villager's ID number.
    ("编号 350528196304123029", "id18", "3505**********3029"),
    ("350502199001011234", "id18", "3505**********1234"),
    ("证号 350502 19900101 1234", "id18", "3505**********1234"),
    ("证号 3505-0219-9001-0112-34", "id18", "3505**********1234"),
    ("证号 350.502.1990.0101.1234", "id18", "3505**********1234"),
    ("证号 ３５０５０２\u3000１９９００１０１\u3000１２３４", "id18", "3505**********1234"),
    ("证号 ３５０５０２－１９９００１０１－１２３４", "id18", "3505**********1234"),
    ("链接 https://example.cn/p?id=350502199001011234&x=1", "id18", "3505**********1234"),
    ("[张三](http://v.cn/u/350502199001011234)", "id18", "3505**********1234"),
    ("旧证 350502 900101 123", "id15", "3505*******1123"),
    ("电话 138.0595.1207", "mobile", "138****1207"),
    ("电话 １３８ ０５９５ １２０７", "mobile", "138****1207"),
]

FALSE_POSITIVES = [
    "凭证号 20260301000123",            # 14 digits
    "座机 0595-22881234",               # landline
    "金额 1,286.40 元，38.6 万元",
    "行政区划代码 350528100200",         # 12 digits
    "350528199913451234",               # impossible birth date
    "订单 12345678901",                  # 11 digits not a mobile prefix
    "卡号 6217001234567890123",          # fails Luhn
    "电话 139059512011",                 # 12 digits: not a mobile
    "日期 2026-03-01 至 2026-03-08",
    "年份 2023 2024 2025 2026",          # 16 digits in groups, Luhn fails and starts with 2
    "统一社会信用代码 91350528MA2Y0ABC1X",
    "营业执照注册号 110000410000123",     # 15 digits, no birth date: a business number
    "合同编号 2023010112345678",          # 16 digits, not ID/phone/card shaped
    "编号 990502199001011234",            # 99 is no province
    "编号 990502900101123",               # 15 digits, 99 is no province
    "已隐去 3505**********1234 与 138****1207",   # masked forms are not found again
]


@pytest.mark.parametrize("text,kind,masked", [t for t in TRUE_POSITIVES if t[1]])
def test_true_positives_are_masked(text, kind, masked):
    out, found = mask_text(text)
    assert [f["kind"] for f in found] == [kind]
    assert masked in out
    digits = "".join(ch for ch in text.translate(str.maketrans("０１２３４５６７８９", "0123456789")) if ch.isdigit())
    assert digits not in "".join(ch for ch in out if ch.isdigit())


@pytest.mark.parametrize("text", FALSE_POSITIVES)
def test_false_positives_are_left_alone(text):
    assert find_personal_data(text) == []
    assert mask(text) == text


def test_several_in_one_text_keep_the_rest():
    text = "陈某某 350528195509233023，电话13805951234；林某某卡号6217001234567890122。"
    out = mask(text)
    assert out == "陈某某 3505**********3023，电话138****1234；林某某卡号6217***********0122。"


def test_checks():
    assert id18_valid("350528196304123028") and not id18_valid("350528196304123029")
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
