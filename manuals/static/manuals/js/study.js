// Reading timer for a service item. The server keeps the time: this script only
// reports, every 15 seconds while the page is visible, that the reader is still here.
(function () {
  "use strict";
  var panel = document.getElementById("study-panel");
  if (!panel || panel.dataset.done) return;
  var PLACEHOLDER = "00000000-0000-0000-0000-000000000000";
  var button = panel.querySelector("[data-finish]");
  var bar = panel.querySelector(".progress > span");
  var status = panel.querySelector(".study-status");
  var message = panel.querySelector(".study-message");
  var token = null, timer = null, tick = null, state = null, reachedEnd = false, finished = false;

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": panel.dataset.csrf },
      body: JSON.stringify(body || {})
    }).then(function (r) { return r.json().then(function (d) { return { status: r.status, data: d }; }); });
  }

  function url(kind) { return panel.dataset[kind + "Url"].replace(PLACEHOLDER, token); }

  function setEnabled(enabled) {
    button.disabled = !enabled;
    button.setAttribute("aria-disabled", enabled ? "false" : "true");
  }

  function render() {
    if (!state || finished) return;
    var done = state.required - state.remaining;
    bar.style.width = Math.min(100, Math.round(done * 100 / state.required)) + "%";
    if (state.can_confirm) {
      status.textContent = "可以完成学习了";
      // An earlier refusal ("还需约 N 秒") no longer holds.
      message.textContent = "";
    } else if (state.remaining > 0) {
      status.textContent = "还需阅读约 " + state.remaining + " 秒";
    } else if (!reachedEnd && !state.reached_end) {
      status.textContent = "阅读时间已够，请读到页面末尾";
    } else {
      status.textContent = "正在确认阅读时间…";
    }
    // Only the server decides: the countdown below is an estimate between beats.
    setEnabled(Boolean(state.can_confirm));
  }

  function beat(visible) {
    if (!token || finished) return;
    post(url("beat"), { visible: visible, reached_end: reachedEnd }).then(function (r) {
      if (r.status === 200) { state = r.data; render(); } else { refuse(r.data.message); }
    });
  }

  function run() {
    clearInterval(timer); clearInterval(tick);
    timer = setInterval(function () { beat(true); }, 15000);
    // Smooth countdown between heartbeats; the next heartbeat corrects it.
    tick = setInterval(function () {
      if (!state || state.remaining <= 0) return;
      state.remaining -= 1;
      render();
      // The estimate says the time is up: ask the server now, not at the next beat.
      if (state.remaining === 0) beat(true);
    }, 1000);
  }

  function pause() { clearInterval(timer); clearInterval(tick); }

  // The server will not time this reading at all (the item was cancelled).
  function refuse(text) {
    token = null; pause(); setEnabled(false);
    message.textContent = text || "";
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) { beat(true); pause(); } else { beat(false); run(); }
  });

  var end = document.getElementById("study-end");
  if (end && "IntersectionObserver" in window) {
    new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; }) && !reachedEnd) {
        reachedEnd = true; beat(true);
      }
    }).observe(end);
  } else {
    reachedEnd = true;
  }

  button.addEventListener("click", function () {
    setEnabled(false);
    post(url("finish"), { reached_end: reachedEnd }).then(function (r) {
      message.textContent = r.data.message || "";
      if (r.data.ok) {
        finished = true; pause();
        bar.style.width = "100%";
        status.textContent = "已完成";
        panel.classList.add("done");
      } else {
        state = r.data; render();
      }
    });
  });

  post(panel.dataset.startUrl).then(function (r) {
    if (r.status !== 200) { refuse(r.data.message); return; }
    token = r.data.token; state = r.data; render();
    if (!document.hidden) run();
  });
})();
