/*
 * The reader's progress, kept in this browser only: checklist ticks and last quiz
 * scores in localStorage (one entry, "gdcode-book-progress"). Nothing is sent anywhere.
 * When storage is blocked (private modes, disabled cookies) everything still works for
 * the visit and nothing is remembered.
 *
 * Site-wide: Jupyter Book links every script in book/_static from every page. It works
 * on the HTML of book/_ext/checklist (.gd-checklist, .gd-progress) and offers
 * window.GDProgress to book/_ext/quiz/quiz.js:
 *   GDProgress.quiz(id)                 -> {score, total, date} or null
 *   GDProgress.saveQuiz(id, score, total) -> the saved record (null if not remembered)
 *   GDProgress.forgetQuiz(id)
 */
(function () {
  "use strict";

  var KEY = "gdcode-book-progress";

  function store() {
    try {
      var s = window.localStorage;
      var probe = KEY + "-probe";
      s.setItem(probe, "1");
      s.removeItem(probe);
      return s;
    } catch (error) {
      return null; // blocked: no memory, no errors
    }
  }

  function load() {
    var empty = { checklists: {}, quizzes: {} };
    var s = store();
    if (!s) return empty;
    try {
      var value = JSON.parse(s.getItem(KEY) || "null");
      if (!value || typeof value !== "object") return empty;
      if (!value.checklists || typeof value.checklists !== "object") value.checklists = {};
      if (!value.quizzes || typeof value.quizzes !== "object") value.quizzes = {};
      return value;
    } catch (error) {
      return empty; // unreadable: start again
    }
  }

  function save(value) {
    var s = store();
    if (!s) return false;
    try {
      s.setItem(KEY, JSON.stringify(value));
      return true;
    } catch (error) {
      return false; // full or blocked
    }
  }

  function today() {
    var d = new Date();
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate());
  }

  var api = {
    remembers: function () { return store() !== null; },
    ticks: function (id) { return load().checklists[id] || {}; },
    setTick: function (id, key, ticked) {
      var value = load();
      var ticks = value.checklists[id] || {};
      if (ticked) ticks[key] = true;
      else delete ticks[key];
      value.checklists[id] = ticks;
      return save(value);
    },
    quiz: function (id) {
      var record = load().quizzes[id];
      return record && typeof record.score === "number" ? record : null;
    },
    saveQuiz: function (id, score, total) {
      var value = load();
      var record = { score: score, total: total, date: today() };
      value.quizzes[id] = record;
      return save(value) ? record : null;
    },
    forgetQuiz: function (id) {
      var value = load();
      delete value.quizzes[id];
      save(value);
    },
    forgetAll: function () {
      var s = store();
      if (s) s.removeItem(KEY);
    },
  };
  window.GDProgress = api;

  // ------------------------------------------------------------------ checklists

  function showChecklist(list) {
    var id = list.dataset.checklistId;
    var ticks = api.ticks(id);
    var boxes = list.querySelectorAll("input[type=checkbox][data-key]");
    var done = 0;
    boxes.forEach(function (box) {
      if (ticks[box.dataset.key]) box.checked = true;
      if (box.checked) done += 1;
    });
    var count = list.querySelector(".gd-checklist-count");
    if (count) {
      count.textContent = done + " of " + boxes.length + " done" +
        (api.remembers() ? "; this browser remembers your ticks." :
          "; this browser is not keeping them (its storage is off).");
    }
  }

  function setUpChecklist(list) {
    list.addEventListener("change", function (event) {
      var box = event.target;
      if (!box.dataset || !box.dataset.key) return;
      api.setTick(list.dataset.checklistId, box.dataset.key, box.checked);
      showChecklist(list);
    });
    showChecklist(list);
  }

  // ------------------------------------------------------------------ the summary table

  function showSummary(summary) {
    summary.querySelectorAll("[data-progress-checklist]").forEach(function (cell) {
      var ticks = api.ticks(cell.dataset.progressChecklist);
      var keys = cell.dataset.progressKeys.split(" ");
      var done = keys.filter(function (key) { return ticks[key]; }).length;
      cell.textContent = done + " of " + keys.length;
    });
    summary.querySelectorAll("[data-progress-quiz]").forEach(function (cell) {
      var record = api.quiz(cell.dataset.progressQuiz);
      cell.textContent = record ? record.score + " of " + record.total + " (" + record.date + ")" : "not taken";
    });
  }

  function setUpSummary(summary) {
    var forget = summary.querySelector(".gd-progress-forget");
    var status = summary.querySelector(".gd-progress-status");
    if (forget) {
      forget.hidden = false;
      forget.addEventListener("click", function () {
        api.forgetAll();
        document.querySelectorAll(".gd-checklist input[type=checkbox]").forEach(function (box) {
          box.checked = false;
        });
        refresh();
        if (status) status.textContent = "Forgotten: no ticks and no quiz scores are stored now.";
      });
    }
    if (status && !api.remembers()) {
      status.textContent = "This browser's storage is off, so nothing is remembered between visits.";
    }
    showSummary(summary);
  }

  function refresh() {
    document.querySelectorAll(".gd-checklist").forEach(showChecklist);
    document.querySelectorAll(".gd-progress").forEach(showSummary);
  }

  function init() {
    document.querySelectorAll(".gd-checklist").forEach(setUpChecklist);
    document.querySelectorAll(".gd-progress").forEach(setUpSummary);
    // another tab ticked or scored something: show it here too
    window.addEventListener("storage", function (event) {
      if (event.key === KEY || event.key === null) refresh();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
