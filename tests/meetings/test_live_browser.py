"""Chromium on a phone viewport: the host's console posts, the viewer's page shows it; a question is moderated."""
from live_helpers import live_meeting, server, tokens  # noqa: F401 (fixtures)
from tests.conftest import browser_login


def test_host_post_reaches_viewer_page_and_question_is_moderated(server, tokens, browser):
    meeting = live_meeting(server, tokens["clerk_houxi"], title="浏览器测试议事会")
    contexts = []

    def phone(username):
        context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN",
                                      is_mobile=True, has_touch=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30000)  # generous: CI machines are shared
        browser_login(page, server.url, username)
        return page

    try:
        viewer = phone("resident_houxi")
        viewer.goto(f"{server.url}/meetings/{meeting}")
        viewer.wait_for_selector("#live-connection.ok")
        host = phone("clerk_houxi")
        host.goto(f"{server.url}/meetings/{meeting}/console")
        host.wait_for_selector("#live-connection.ok")

        host.fill("#post-transcript textarea[name=text]", "欢迎各位村民代表参加议事会")
        host.fill("#post-transcript input[name=speaker]", "主持人")
        host.click("#post-transcript button[type=submit]")
        viewer.wait_for_selector("#live-feed li.item-transcript")
        assert "欢迎各位村民代表参加议事会" in viewer.inner_text("#live-feed")

        question = "<b>路灯</b>什么时候修？"
        viewer.fill("#question-form textarea", question)
        viewer.click("#question-form button[type=submit]")
        viewer.wait_for_selector("#question-result:has-text('等待主持人审核')")
        host.wait_for_selector("#pending-questions li")
        assert question in host.inner_text("#pending-questions")
        host.click("#pending-questions .moderate-approve")
        viewer.wait_for_selector("#live-feed li.item-question")
        shown = viewer.inner_text("#live-feed li.item-question")
        assert question in shown  # shown as text, never as markup
        assert viewer.locator("#live-feed li.item-question b").count() == 0
        assert viewer.inner_text("#live-viewers") != "0"
    finally:
        for context in contexts:
            context.close()


def test_viewer_page_reconnects_by_itself_after_a_server_restart(tmp_path, browser):
    """The page notices the restart, reconnects, re-joins with its last number and misses nothing."""
    from live_helpers import Viewer
    from tests.conftest import LiveServer
    restartable = LiveServer(tmp_path / "instance").start()
    host = None
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN", is_mobile=True)
    try:
        token = restartable.token("clerk_houxi")
        meeting = live_meeting(restartable, token, title="重启测试议事会")
        host = Viewer(restartable.url, token).connect()
        page = context.new_page()
        page.set_default_timeout(30000)
        page.goto(f"{restartable.url}/meetings/{meeting}")
        page.wait_for_selector("#live-connection.ok")
        assert host.call("post", {"meeting": meeting, "kind": "transcript", "data": {"text": "重启之前的发言"}})["ok"]
        page.wait_for_selector("#live-feed li:has-text('重启之前的发言')")

        restartable.stop()
        page.wait_for_selector("#live-connection:not(.ok)")
        restartable.start()  # same port, same instance
        page.wait_for_selector("#live-connection.ok", timeout=45000)
        assert host.wait_for(lambda v: v.sio.namespaces.get("/live"), timeout=30)
        for text in ("重启之后的第一条", "重启之后的第二条"):
            assert host.call("post", {"meeting": meeting, "kind": "transcript", "data": {"text": text}})["ok"]
        page.wait_for_selector("#live-feed li:has-text('重启之后的第二条')")
        feed = page.inner_text("#live-feed")
        assert feed.count("重启之前的发言") == 1 and "重启之后的第一条" in feed
    finally:
        if host is not None:
            host.close()
        context.close()
        restartable.stop()
