// Saves each answer as soon as it changes, so a dropped connection loses nothing,
// and counts down the server's deadline. The form still works without this file.
(function () {
  "use strict";
  var form = document.querySelector("form.quiz");
  if (!form) return;
  var status = document.querySelector("[data-save-status]");

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

  function save(fieldset) {
    fetch(form.dataset.answerUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": form.dataset.csrf },
      body: JSON.stringify({ position: fieldset.dataset.position, response: responseOf(fieldset) })
    }).then(function (r) { return r.json(); }).then(function (d) {
      status.textContent = d.ok ? "已自动保存" : d.message;
    }).catch(function () {
      status.textContent = "网络中断，答案暂未保存；恢复网络后请再点一次选项，或直接交卷。";
    });
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset.question");
    if (fieldset) save(fieldset);
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
      if (left === 0 && !form.dataset.sent) { form.dataset.sent = "1"; form.submit(); }
    }, 1000);
  }
  form.addEventListener("submit", function () { form.dataset.sent = "1"; });
})();
