// Replay: hides the record and reveals it item by item with the original spacing
// (or ten times faster). Without JavaScript the whole record is simply shown.
(function () {
  "use strict";
  var feed = document.getElementById("replay-feed");
  if (!feed) { return; }
  var items = Array.prototype.slice.call(feed.querySelectorAll("li.item"));
  var clock = document.getElementById("replay-clock");
  var timers = [];
  var buttons = {play: "replay-play", fast: "replay-fast", all: "replay-all"};
  Object.keys(buttons).forEach(function (k) { document.getElementById(buttons[k]).hidden = false; });

  function stop() { timers.forEach(clearTimeout); timers = []; }

  function play(speed) {
    stop();
    items.forEach(function (li) { li.hidden = true; });
    items.forEach(function (li, i) {
      var offset = Number(li.getAttribute("data-offset")) || 0;
      timers.push(setTimeout(function () {
        li.hidden = false;
        clock.textContent = "#" + li.getAttribute("data-seq") + " / " + items.length;
      }, offset * 1000 / speed));
    });
  }

  document.getElementById("replay-play").addEventListener("click", function () { play(1); });
  document.getElementById("replay-fast").addEventListener("click", function () { play(10); });
  document.getElementById("replay-all").addEventListener("click", function () {
    stop();
    items.forEach(function (li) { li.hidden = false; });
    clock.textContent = "";
  });
})();
