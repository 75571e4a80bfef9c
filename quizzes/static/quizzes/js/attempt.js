// Saves each answer as soon as it changes and keeps retrying until the server has
// it, so a locked database or a dropped connection loses nothing; counts down the
// server's deadline. The form still works without this file: it carries every
// answer, and the server saves them on 交卷.
(function () {
  "use strict";
  var form = document.querySelector("form.quiz");
  if (!form) return;
  var status = document.querySelector("[data-save-status]");
  var RETRY_DELAYS = [1000, 2000, 4000, 8000, 15000, 30000];
  var FLUSH_WAIT = 5000;
  var states = {};

  function responseOf(fieldset) {
    var pos = fieldset.dataset.position, type = fieldset.dataset.qtype, name = "q" + pos;
    var checked = function (n) {
      return Array.prototype.map.call(form.querySelectorAll("[name='" + n + "']:checked"),
        function (i) { return i.value; });
    };
    if (type === "single") { var s = checked(name); return s.length ? s : null; }
    if (type === "multi") { var m = checked(name).sort(); return m.length ? m : null; }
    if (type === "judge") { var j = checked(name)[0]; return j === undefined ? null : j === "true"; }
    if (type === "scenario") {
      var e = checked(name + "_eligible")[0];
      var c = form.querySelector("[name='" + name + "_condition']").value || null;
      if (e === undefined && !c) return null;
      return { eligible: e === undefined ? null : e === "true", condition: c };
    }
    if (type === "ordering") {
      var ranks = [];
      fieldset.querySelectorAll("select[data-rank]").forEach(function (sel) {
        if (sel.value) ranks.push([parseInt(sel.value, 10), sel.name.split("_rank_")[1]]);
      });
      if (!ranks.length) return null;
      ranks.sort(function (a, b) { return a[0] - b[0] || (a[1] < b[1] ? -1 : 1); });
      return ranks.map(function (r) { return r[1]; });
    }
    return null;
  }

  // One record per question: `seq` numbers the newest change, `saved` the newest
  // the server confirmed. The sequence starts above what the server rendered and
  // follows the clock, so it keeps growing across reloads of the page.
  function stateOf(fieldset) {
    var pos = fieldset.dataset.position;
    if (!states[pos]) {
      var start = parseInt(fieldset.dataset.seq || "0", 10);
      states[pos] = {
        fieldset: fieldset, seq: start, saved: start, failures: 0, timer: null,
        refused: null, note: fieldset.querySelector("[data-question-status]")
      };
    }
    return states[pos];
  }

  function unsaved() {
    return Object.keys(states).map(function (k) { return states[k]; })
      .filter(function (st) { return st.seq > st.saved; });
  }

  function showQuestion(st) {
    var failing = st.seq > st.saved && (st.failures > 0 || st.refused);
    st.fieldset.classList.toggle("save-failed", !!failing);
    if (!st.note) return;
    if (st.refused) st.note.textContent = "本题答案未保存：" + st.refused;
    else if (failing) st.note.textContent = "本题答案未保存，正在自动重试…";
    else if (st.seq > st.saved) st.note.textContent = "正在保存…";
    else st.note.textContent = "已保存";
  }

  function showStatus() {
    var pending = unsaved();
    var refused = pending.filter(function (st) { return st.refused; });
    var failing = pending.filter(function (st) { return st.failures > 0 || st.refused; });
    status.classList.toggle("warn", failing.length > 0);
    if (refused.length) {
      status.textContent = refused[0].refused + " 有 " + pending.length + " 题答案未保存。";
    } else if (failing.length) {
      status.textContent = "有 " + pending.length + " 题答案尚未保存，正在自动重试；交卷时会一并提交。";
    } else if (pending.length) {
      status.textContent = "正在保存 " + pending.length + " 题答案…";
    } else {
      status.textContent = "已自动保存";
    }
  }

  function settle(st, seq, body) {
    if (seq !== st.seq) return;  // a newer change is on its way and decides
    if (body && body.ok) {
      st.saved = seq; st.failures = 0; st.refused = null;
    } else if (body && body.retry === false) {
      st.refused = body.message;
    } else {
      st.failures += 1;
      var delay = RETRY_DELAYS[Math.min(st.failures, RETRY_DELAYS.length) - 1];
      st.timer = setTimeout(function () { send(st); }, delay);
    }
    showQuestion(st);
    showStatus();
  }

  function send(st) {
    clearTimeout(st.timer);
    st.timer = null;
    var seq = st.seq;
    return fetch(form.dataset.answerUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": form.dataset.csrf },
      body: JSON.stringify({
        position: st.fieldset.dataset.position, response: responseOf(st.fieldset), seq: seq
      })
    }).then(function (r) {
      return r.json().catch(function () { return null; });
    }).catch(function () { return null; }).then(function (body) {
      settle(st, seq, body);
    });
  }

  // 排序: each rank is held by one step. Picking a rank another step holds gives
  // that step this one's previous rank, so what is shown is what gets saved.
  form.querySelectorAll("select[data-rank]").forEach(function (select) {
    select.dataset.prev = select.value;
  });
  function swapRanks(select, fieldset) {
    fieldset.querySelectorAll("select[data-rank]").forEach(function (other) {
      if (other !== select && other.value && other.value === select.value) {
        other.value = select.dataset.prev || "";
      }
    });
    select.dataset.prev = select.value;
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset.question");
    if (!fieldset) return;
    if (event.target.matches("select[data-rank]")) swapRanks(event.target, fieldset);
    var st = stateOf(fieldset);
    st.seq = Math.max(Date.now(), st.seq + 1);
    st.refused = null;
    showQuestion(st);
    showStatus();
    send(st);
  });

  window.addEventListener("online", function () {
    unsaved().forEach(function (st) { if (st.timer) send(st); });
  });

  // Sends every unsaved answer once more and waits a little for the replies; the
  // form posts all answers anyway, so 交卷 never waits on a dead network for long.
  function flush(then) {
    var pending = unsaved().filter(function (st) { return !st.refused; });
    if (!pending.length) { then(); return; }
    status.textContent = "正在保存 " + pending.length + " 题答案后交卷…";
    var finished = false;
    var finish = function () { if (!finished) { finished = true; then(); } };
    setTimeout(finish, FLUSH_WAIT);
    Promise.all(pending.map(send)).then(finish);
  }

  // Posted with confirmed=1: the worker confirmed here, or the time ran out.
  function submitNow() {
    if (form.dataset.sent) return;
    form.dataset.sent = "1";
    var confirmed = document.createElement("input");
    confirmed.type = "hidden"; confirmed.name = "confirmed"; confirmed.value = "1";
    form.appendChild(confirmed);
    form.submit();
  }

  // With questions left blank, 交卷 asks first and says how many.
  var confirmBox = form.querySelector("[data-confirm]");
  var confirmedHere = false;
  function blankQuestions() {
    return Array.prototype.filter.call(form.querySelectorAll("fieldset.question"),
      function (fieldset) { return responseOf(fieldset) === null; });
  }
  form.querySelector("[data-confirm-yes]").addEventListener("click", function () {
    confirmedHere = true;
  });
  form.querySelector("[data-confirm-no]").addEventListener("click", function (event) {
    event.preventDefault();
    confirmBox.hidden = true;
    var blank = blankQuestions();
    (blank[0] || form).scrollIntoView({ block: "start" });
  });

  form.addEventListener("submit", function (event) {
    if (form.dataset.sent) return;
    event.preventDefault();
    var blank = blankQuestions();
    if (blank.length && !confirmedHere) {
      confirmBox.querySelector("[data-confirm-count]").textContent =
        "还有 " + blank.length + " 题未作答（共 " +
        form.querySelectorAll("fieldset.question").length + " 题）。";
      confirmBox.hidden = false;
      confirmBox.scrollIntoView({ block: "center" });
      return;
    }
    confirmedHere = false;
    flush(submitNow);
  });

  var timer = document.querySelector("[data-remaining]");
  if (timer) {
    var left = parseInt(timer.dataset.remaining, 10);
    var clock = timer.querySelector("[data-clock]");
    var show = function () {
      var m = Math.floor(left / 60), s = left % 60;
      clock.textContent = m + ":" + (s < 10 ? "0" : "") + s;
    };
    show();
    setInterval(function () {
      left = Math.max(0, left - 1); show();
      if (left === 0) submitNow();
    }, 1000);
  }
})();
