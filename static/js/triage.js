// Keyboard use of the item's triage page (issue 9). Every key only presses a link or button
// that is on the page anyway, so everything also works with the mouse, and without this file.
(function () {
  "use strict";

  var help = document.getElementById("triage-help");
  var helpButton = document.querySelector("[data-help-open]");

  function openHelp() {
    if (help && !help.open) {
      help.showModal();
    }
  }

  if (help && helpButton && typeof help.showModal === "function") {
    helpButton.hidden = false;
    helpButton.addEventListener("click", openHelp);
    // The native dialog returns focus to the element that opened it when it closes.
  }

  function typing(target) {
    if (!target || !target.closest) {
      return false;
    }
    return Boolean(
      target.isContentEditable ||
        target.closest("input, textarea, select, [contenteditable='true']")
    );
  }

  function press(element) {
    if (element) {
      element.click();
      return true;
    }
    return false;
  }

  function confirmForm() {
    var form = document.querySelector("#triage [data-confirm-form]");
    if (form) {
      // requestSubmit runs the same submit path as the button.
      form.requestSubmit();
      return true;
    }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.metaKey) {
      return;
    }
    if (help && help.open) {
      return; // The dialog handles Esc itself; nothing behind it reacts.
    }
    if (document.querySelector("#triage.htmx-request, #triage .htmx-request")) {
      // The previous answer is on its way; a second key now would answer the old question.
      event.preventDefault();
      return;
    }
    var target = event.target;
    if (event.key === "Enter" && event.ctrlKey) {
      if (target.closest && target.closest("#triage [data-confirm-form]") && confirmForm()) {
        event.preventDefault();
      }
      return;
    }
    if (event.ctrlKey || typing(target)) {
      return;
    }
    var key = event.key;
    var handled = false;
    if (key === "?") {
      openHelp();
      handled = Boolean(help);
    } else if (key === "Enter") {
      // A focused link or button keeps its own meaning of Enter.
      if (!target.closest || !target.closest("a, button, summary")) {
        handled = confirmForm();
      }
    } else if (key === "j") {
      handled = press(document.querySelector("a[data-nav='next']"));
    } else if (key === "k") {
      handled = press(document.querySelector("a[data-nav='previous']"));
    } else if (/^[1-9]$/.test(key)) {
      var answers = document.querySelectorAll("#triage [data-answer]");
      handled = press(answers[Number(key) - 1]);
    } else if (/^[a-z]$/.test(key)) {
      handled = press(document.querySelector("#triage [data-shortcut-key='" + key + "']"));
    }
    if (handled) {
      event.preventDefault();
    }
  });

  // After htmx puts the next question (or the outcome) in place, move focus to it so a screen
  // reader reads it and the keys act on it.
  document.body.addEventListener("htmx:afterSettle", function () {
    var triage = document.getElementById("triage");
    var focus = triage && triage.querySelector("[data-autofocus]");
    if (focus) {
      focus.focus();
    }
  });
})();
