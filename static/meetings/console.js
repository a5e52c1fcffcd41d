// The host console: post items over the viewer page's socket and moderate questions.
(function () {
  "use strict";
  if (!window.LiveSocket) { return; }
  var socket = window.LiveSocket.socket;
  var meeting = window.LiveSocket.meeting;
  var result = document.getElementById("post-result");
  var pending = document.getElementById("pending-questions");
  var t = window.LiveItems.t;

  function report(ack, okText) {
    if (!result) { return; }
    result.textContent = ack && ack.ok ? okText + "（#" + ack.seq + "）" :
      ((ack && ack.error && ack.error.message) || t("post-failed", "发布失败"));
    result.className = "meta " + (ack && ack.ok ? "ok" : "bad");
  }

  function post(kind, data, done) {
    socket.emit("post", {meeting: meeting, kind: kind, data: data}, function (ack) {
      report(ack, t("posted", "已发布"));
      if (ack && ack.ok && done) { done(); }
    });
  }

  var NUMBERS = {"for": 1, against: 1, abstain: 1};
  document.querySelectorAll("form.post-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = {};
      Array.prototype.forEach.call(form.elements, function (input) {
        if (!input.name) { return; }
        data[input.name] = NUMBERS[input.name] ? Number(input.value) : input.value;
      });
      post(form.getAttribute("data-kind"), data, function () { form.reset(); });
    });
  });

  document.querySelectorAll("button.agenda-switch").forEach(function (button) {
    button.addEventListener("click", function () {
      post("agenda", {index: Number(button.getAttribute("data-index"))});
    });
  });

  function showQuestion(q) {
    if (!pending || document.getElementById("question-" + q.id)) { return; }
    var li = window.LiveItems.el("li");
    li.id = "question-" + q.id;
    li.appendChild(window.LiveItems.el("span", q.asker + "：", "meta"));
    li.appendChild(window.LiveItems.el("p", q.text, "question-text"));
    [["approve", t("approve", "公开")], ["hide", t("hide", "隐藏")]].forEach(function (pair) {
      var b = window.LiveItems.el("button", pair[1], "small moderate-" + pair[0]);
      b.type = "button";
      b.addEventListener("click", function () {
        socket.emit("moderate", {meeting: meeting, question: q.id, action: pair[0]}, function (ack) {
          report(ack, pair[0] === "approve" ? t("approved", "已公开") : t("hidden", "已隐藏"));
          if (ack && ack.ok) { li.remove(); }
        });
      });
      li.appendChild(b);
    });
    pending.appendChild(li);
  }

  document.addEventListener("live:joined", function (event) {
    (event.detail.pending_questions || []).forEach(showQuestion);
  });
  socket.on("question_pending", showQuestion);
  socket.on("question_moderated", function (msg) {
    var li = document.getElementById("question-" + msg.id);
    if (li) { li.remove(); }
  });
})();
