// The viewer's live page. Keeps the last sequence number it has shown and, on every
// (re)connect, joins with it: the server sends exactly what was missed, in order.
// A gap in numbers (e.g. a message queue hiccup) triggers the same re-join.
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root || typeof io !== "function") { return; }
  var meeting = Number(root.getAttribute("data-meeting"));
  var feed = document.getElementById("live-feed");
  var connection = document.getElementById("live-connection");
  var viewers = document.getElementById("live-viewers");
  var statusBadge = document.getElementById("live-status");
  var lastSeq = 0;
  var t = window.LiveItems.t;
  var socket = io("/live", {reconnectionDelayMax: 5000});

  // An ended meeting's page has no connection or viewer line: nobody is watching it live.
  function setConnection(text, ok) {
    if (!connection) { return; }
    if (root.getAttribute("data-status") === "ended") { connection.hidden = true; return; }
    connection.textContent = text;
    connection.className = "meta-inline " + (ok ? "ok" : "warn");
  }

  function join() {
    socket.emit("join", {meeting: meeting, last_seq: lastSeq}, function (ack) {
      if (!ack || !ack.ok) {
        setConnection((ack && ack.error && ack.error.message) || t("join-failed", "加入失败"), false);
        return;
      }
      setConnection(t("connected", "已连接"), true);
      if (viewers) { viewers.textContent = String(ack.viewers); }
      document.dispatchEvent(new CustomEvent("live:joined", {detail: ack}));
    });
  }

  function markAgenda(index) {
    document.querySelectorAll("#agenda li").forEach(function (li) {
      li.classList.toggle("current", Number(li.getAttribute("data-index")) === index);
    });
  }

  socket.on("connect", function () { setConnection(t("syncing", "已连接，正在同步…"), true); join(); });
  socket.on("disconnect", function () { setConnection(t("reconnecting", "连接中断，正在重连…"), false); });
  socket.on("connect_error", function () { setConnection(t("reconnecting", "连接中断，正在重连…"), false); });
  socket.on("viewers", function (msg) {
    if (msg && msg.meeting === meeting && viewers) { viewers.textContent = String(msg.count); }
  });
  socket.on("item", function (item) {
    if (!item || item.meeting !== meeting || item.seq <= lastSeq) { return; }
    if (item.seq !== lastSeq + 1) { join(); return; }
    lastSeq = item.seq;
    feed.insertBefore(window.LiveItems.render(item), feed.firstChild);
    if (item.kind === "agenda") { markAgenda(Number(item.data.index)); }
    if (item.kind === "status") {
      statusBadge.textContent = item.data.status === "live" ? t("state-live", "直播中") : t("state-ended", "已结束");
      root.setAttribute("data-status", item.data.status);
    }
  });

  var form = document.getElementById("question-form");
  if (form) {
    var result = document.getElementById("question-result");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = form.elements.text.value;
      socket.emit("question", {meeting: meeting, text: text}, function (ack) {
        if (ack && ack.ok) {
          result.textContent = t("question-sent", "已提交，等待主持人审核。");
          form.reset();
        } else {
          result.textContent = (ack && ack.error && ack.error.message) || t("question-failed", "提交失败");
        }
      });
    });
  }

  window.LiveSocket = {socket: socket, meeting: meeting};
})();
