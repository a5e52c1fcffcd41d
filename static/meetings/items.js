// Renders one broadcast item as DOM nodes. Text goes in through textContent only,
// so nothing a host or a viewer typed can become markup.
(function () {
  "use strict";
  var root = document.getElementById("live");

  // A UI text from the page's data-msg-* attributes (rendered in the reader's language).
  function t(name, fallback) {
    var text = root && root.getAttribute("data-msg-" + name);
    return text || fallback;
  }

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }

  function body(item) {
    var d = item.data || {};
    var box = el("div", null, "item-body");
    switch (item.kind) {
      case "transcript":
        if (d.speaker) { box.appendChild(el("strong", d.speaker + "：")); }
        box.appendChild(document.createTextNode(d.text || ""));
        break;
      case "notice":
        box.appendChild(el("strong", t("kind-notice", "通知") + "："));
        box.appendChild(document.createTextNode(d.text || ""));
        break;
      case "agenda":
        box.textContent = t("enter-agenda", "进入议程") + " " + (Number(d.index) + 1) + "【" +
          t("step-" + d.step, d.step_name || "") + "】" + (d.title || "");
        break;
      case "vote":
        box.textContent = t("kind-vote", "表决") + "：" + d.motion + " — " + t("for", "赞成") + " " + d["for"] +
          " / " + t("against", "反对") + " " + d.against + " / " + t("abstain", "弃权") + " " + d.abstain + "，";
        box.appendChild(el("strong", t("result-" + d.result, d.result_name)));
        break;
      case "bid_price":
        box.textContent = t("kind-bid_price", "唱标") + "：" + d.bidder + " " + t("price", "报价") + " ";
        box.appendChild(el("strong", d.price));
        box.appendChild(document.createTextNode(" " + t("yuan", "元") + (d.note ? "（" + d.note + "）" : "")));
        break;
      case "photo":
        var img = el("img");
        if (typeof d.url === "string" && d.url.charAt(0) === "/") { img.src = d.url; }
        img.alt = d.caption || t("kind-photo", "现场照片");
        box.appendChild(img);
        if (d.caption) { box.appendChild(el("span", d.caption, "meta")); }
        break;
      case "question":
        box.appendChild(el("strong", t("kind-question", "群众提问") + "（" + d.asker + "）："));
        box.appendChild(document.createTextNode(d.text || ""));
        break;
      case "status":
        box.appendChild(el("strong", t("status-" + d.status, d.status_name || d.status)));
        break;
      default:
        box.textContent = JSON.stringify(d);
    }
    return box;
  }

  function render(item) {
    var li = el("li", null, "item item-" + String(item.kind).replace(/[^a-z_]/g, ""));
    li.setAttribute("data-seq", String(item.seq));
    // China time, as on every page: a villager abroad or a phone set to UTC reads the same clock.
    var when = new Date(item.at);
    var time = isNaN(when) ? "" : when.toLocaleTimeString("zh-CN", {hour12: false, timeZone: "Asia/Shanghai"});
    li.appendChild(el("span", "#" + item.seq + " · " + t("kind-" + item.kind, item.kind) + " · " + time, "item-meta"));
    li.appendChild(body(item));
    return li;
  }

  window.LiveItems = {render: render, el: el, t: t};
})();
