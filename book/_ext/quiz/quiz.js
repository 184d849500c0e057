/*
 * Self-check quizzes (see book/_ext/quiz/__init__.py for the HTML this works on).
 *
 * Each <section class="quiz"> holds a <form> with one <fieldset class="quiz-question">
 * per question. A fieldset carries the index of the right choice in data-answer and its
 * explanation in a <template class="quiz-explain">. "Check answers" marks every
 * question, reveals the explanations and writes the score into the aria-live status;
 * the score and the date are remembered in this browser (see lastResult below).
 * No network, no libraries.
 */
(function () {
  "use strict";

  var RIGHT_TAG = "\u2713 Right answer";
  var WRONG_TAG = "\u2717 Your answer";

  function clearQuestion(fieldset) {
    fieldset.classList.remove("quiz-question--right", "quiz-question--wrong");
    fieldset.querySelectorAll(".quiz-choice").forEach(function (choice) {
      choice.classList.remove("quiz-choice--right", "quiz-choice--wrong");
    });
    fieldset.querySelectorAll(".quiz-tag").forEach(function (tag) {
      tag.remove();
    });
    var feedback = fieldset.querySelector(".quiz-feedback");
    feedback.replaceChildren();
    feedback.hidden = true;
  }

  function tag(choice, text, kind) {
    var span = document.createElement("span");
    span.className = "quiz-tag quiz-tag--" + kind;
    span.textContent = text;
    choice.appendChild(span);
  }

  // Mark one question; returns true when the chosen answer is the right one.
  function checkQuestion(fieldset) {
    clearQuestion(fieldset);
    var answer = Number(fieldset.dataset.answer);
    var inputs = Array.prototype.slice.call(fieldset.querySelectorAll("input[type=radio]"));
    var chosen = inputs.filter(function (input) { return input.checked; })[0];
    var correct = chosen !== undefined && Number(chosen.value) === answer;

    inputs.forEach(function (input) {
      var choice = input.closest(".quiz-choice");
      if (Number(input.value) === answer) {
        choice.classList.add("quiz-choice--right");
        tag(choice, RIGHT_TAG, "right");
      } else if (input === chosen) {
        choice.classList.add("quiz-choice--wrong");
        tag(choice, WRONG_TAG, "wrong");
      }
    });
    fieldset.classList.add(correct ? "quiz-question--right" : "quiz-question--wrong");

    var feedback = fieldset.querySelector(".quiz-feedback");
    var verdict = document.createElement("p");
    verdict.className = "quiz-verdict";
    var strong = document.createElement("strong");
    strong.textContent = correct ? "Correct." : (chosen ? "Not quite." : "Not answered.");
    verdict.appendChild(strong);
    if (!correct) {
      verdict.appendChild(document.createTextNode(" The right answer is marked above."));
    }
    var explain = document.createElement("p");
    explain.className = "quiz-explanation";
    var why = document.createElement("span");
    why.className = "quiz-why";
    why.textContent = "Why: ";
    explain.appendChild(why);
    var template = fieldset.querySelector("template.quiz-explain");
    explain.appendChild(template.content.cloneNode(true));
    feedback.append(verdict, explain);
    feedback.hidden = false;
    return correct;
  }

  // The last result, remembered by the site-wide _static/progress.js (window.GDProgress,
  // localStorage; nothing is sent anywhere). Without it, or with storage blocked, the
  // quiz works the same and simply remembers nothing.
  function progress() {
    var p = window.GDProgress;
    return p && typeof p.saveQuiz === "function" ? p : null;
  }

  function lastResult(section, status) {
    var id = section.dataset.quizId;
    var line = document.createElement("p");
    line.className = "quiz-last";
    var text = document.createElement("span");
    var forget = document.createElement("button");
    forget.type = "button";
    forget.className = "quiz-forget";
    forget.textContent = "Forget this result";
    line.append(text, " ", forget);
    status.insertAdjacentElement("afterend", line);

    function show() {
      var record = progress() && progress().quiz(id);
      line.hidden = !record;
      if (record) {
        text.textContent = "Your last result here: " + record.score + " out of " + record.total +
          ", on " + record.date + " (kept in this browser only).";
      }
    }
    forget.addEventListener("click", function () {
      if (progress()) progress().forgetQuiz(id);
      show();
      status.textContent = "Your last result here is forgotten.";
      var check = section.querySelector(".quiz-check");
      if (check) check.focus();
    });
    show();
    // progress.js may run after this script (both deferred); by "load" it has run.
    if (!progress() && document.readyState !== "complete") window.addEventListener("load", show);
    return {
      save: function (right, total) {
        if (progress()) progress().saveQuiz(id, right, total);
        show();
      },
    };
  }

  function setUp(section) {
    var form = section.querySelector("form.quiz-form");
    var status = section.querySelector(".quiz-score");
    if (!form || !status) {
      return;
    }
    var memory = lastResult(section, status);
    var questions = Array.prototype.slice.call(form.querySelectorAll(".quiz-question"));
    form.querySelectorAll(".quiz-check, .quiz-reset").forEach(function (button) {
      button.hidden = false;
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var right = questions.filter(checkQuestion).length;
      var total = questions.length;
      section.dataset.score = String(right);
      section.dataset.total = String(total);
      status.textContent =
        "You scored " + right + " out of " + total + "." +
        (right === total ? " Well done!" : " The explanations under each question say why.");
      memory.save(right, total);
    });

    // A changed answer makes that question's marks and the score out of date.
    form.addEventListener("change", function (event) {
      var fieldset = event.target.closest(".quiz-question");
      if (fieldset && section.dataset.score !== undefined) {
        clearQuestion(fieldset);
        delete section.dataset.score;
        status.textContent = "";
      }
    });

    form.addEventListener("reset", function () {
      questions.forEach(clearQuestion);
      delete section.dataset.score;
      delete section.dataset.total;
      status.textContent = "";
    });
    section.classList.add("quiz--ready");
  }

  function init() {
    document.querySelectorAll("section.quiz").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
