"""What a resident and the handlers see and tap on a phone (375×812), end to end in Chromium:
file with a photo (its GPS gone from what is public), get a receipt, handlers accept, dispatch
and reply in a few taps, the resident follows with the receipt and rates."""
import io
import re
from pathlib import Path

import requests
from PIL import Image

from tests.appeals.conftest import VILLAGE
from tests.conftest import browser_login

SHOTS = Path("/tmp/shots/appeals")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def photo_with_gps(path):
    image = Image.new("RGB", (640, 480), (90, 140, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x8825] = {1: "N", 2: (24.0, 52.0, 10.0), 3: "E", 4: (118.0, 35.0, 20.0)}  # GPS
    image.save(path, "JPEG", exif=exif)
    assert Image.open(path).getexif().get_ifd(0x8825)  # the upload really carries a position
    return path


def new_phone(browser):
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN", device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def test_resident_files_handlers_reply_resident_rates(server, browser, phone, tmp_path):
    base = server.url
    phone.goto(f"{base}/v/{VILLAGE}")
    shot(phone, "village_section")
    phone.click("#section-appeals a:has-text('我要反映')")
    phone.wait_for_load_state("load")  # appeals.js listens for typing only once it has run
    phone.fill("textarea[name=text]", "河道里有人倒建筑垃圾，堵了一半")
    phone.wait_for_selector("#similar:not([hidden])")  # the demo has the same problem open in this village
    shot(phone, "new_with_similar")
    phone.fill("textarea[name=text]", "文化广场东侧的路灯不亮了，晚上跳舞的老人看不清台阶。")
    phone.select_option("select[name=category]", "utilities")
    phone.set_input_files("input[name=photos]", str(photo_with_gps(tmp_path / "lamp.jpg")))
    phone.click("#submit-appeal")
    phone.wait_for_selector("#receipt")
    shot(phone, "filed_receipt")
    receipt = re.sub(r"\D", "", phone.inner_text(".receipt-code"))
    assert len(receipt) == 16
    appeal_id = int(phone.url.rstrip("/").split("/")[-1])
    assert phone.inner_text("#appeal-state") == "待受理"
    photo_url = phone.get_attribute(".photos img", "src")
    public = Image.open(io.BytesIO(requests.get(base + photo_url if photo_url.startswith("/") else photo_url).content))
    assert not public.getexif().get_ifd(0x8825) and 0x010F not in public.getexif()  # no position, no camera

    ctx, handler = new_phone(browser)
    browser_login(handler, base, "handler_houxi")
    handler.goto(f"{base}/appeals/mine")
    shot(handler, "handler_mine")
    row = handler.locator(f"#my-appeals li:has(a[href$='/appeals/{appeal_id}'])")
    row.locator("button.quick-accept").click()  # tap 1: accept from the list
    handler.goto(f"{base}/appeals/{appeal_id}")
    assert handler.inner_text("#appeal-state") == "已受理"
    handler.select_option("#step-dispatch select[name=to]", "350528100201")
    handler.click("#step-dispatch button[type=submit]")  # tap 2: dispatch to the grid
    assert handler.inner_text("#appeal-state") == "已分办"
    ctx.close()

    ctx, worker = new_phone(browser)
    browser_login(worker, base, "grid_houxi")
    worker.goto(f"{base}/appeals/{appeal_id}")
    worker.click("#step-start button[type=submit]")
    worker.click("#step-reply summary") if not worker.is_visible("#step-reply textarea") else None
    worker.fill("#step-reply textarea[name=note]", "已更换灯泡，路灯恢复照明。")
    shot(worker, "worker_reply")
    worker.click("#step-reply button[type=submit]")
    assert worker.inner_text("#appeal-state") == "已答复"
    ctx.close()

    ctx, resident = new_phone(browser)
    resident.goto(f"{base}/appeals/follow")
    resident.fill("input[name=receipt]", receipt)
    shot(resident, "follow")
    resident.click("#follow-form button[type=submit]")
    resident.wait_for_selector("#rate-form")
    shot(resident, "rate")
    resident.click("label.choice:has-text('满意') >> nth=0")
    resident.click("#rate-form button[type=submit]")
    assert resident.inner_text("#appeal-state") == "已解决"
    assert "#rate-form" and not resident.is_visible("#rate-form")
    text = resident.inner_text("#timeline")
    for state in ("待受理", "已受理", "已分办", "办理中", "已答复", "已解决"):
        assert state in text
    shot(resident, "detail_fixed")
    ctx.close()


def test_public_pages_on_a_phone(server, phone):
    base = server.url
    for name, path in (("list", f"/v/{VILLAGE}/appeals"), ("stats_township", "/appeals/stats/350528100000"),
                       ("stats_county", "/appeals/stats/350528000000")):
        r = phone.goto(base + path)
        assert r.status == 200
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 376, (path, width)  # no sideways scrolling on a phone
        shot(phone, name)
    phone.goto(base + "/appeals/stats/350528100000")
    phone.wait_for_selector("#appeal-chart svg")  # the vendored ECharts drew the chart
    assert "办结率" in phone.inner_text("#figures")
    errors = []
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    phone.reload()
    phone.wait_for_selector("#appeal-chart svg")
    assert not errors, errors
