// The returns page's upload form (dashboard/web/submissions_page.py): send the file with
// XMLHttpRequest so that a progress bar and its percentage (read by screen readers) show how
// much has gone, then open the page the server sends back (the submission's page). The file
// goes as multipart form data, as the plain form sends it: never read into the page. Without
// script, or on any page without the form (Dash loads this file on its own pages too), the
// plain form is left to work alone.
(function () {
  "use strict";

  function problemOf(text) {
    // The message of an answer that is not the submission's page: its alert, else its text.
    var doc = new DOMParser().parseFromString(text || "", "text/html");
    var alert = doc.querySelector("main [role=alert]") || doc.querySelector("p");
    var said = alert ? alert.textContent : doc.body ? doc.body.textContent : "";
    return (said || "").trim() || "The upload did not work: reload the page and try again.";
  }

  function start() {
    var form = document.getElementById("upload-form");
    if (!form || !window.XMLHttpRequest || !window.FormData) {
      return;
    }
    var box = document.getElementById("upload-progress");
    var bar = document.getElementById("upload-bar");
    var percent = document.getElementById("upload-percent");
    var problem = document.getElementById("upload-problem");
    var button = form.querySelector("button[type=submit]");
    var limit = Number(form.getAttribute("data-max-bytes")) || 0;

    function fail(message) {
      problem.textContent = message;
      problem.className = "alert alert-danger";
      box.hidden = true;
      button.disabled = false;
    }

    form.addEventListener("submit", function (event) {
      var input = document.getElementById("upload-file");
      var file = input && input.files && input.files[0];
      if (!file) {
        return; // the browser's own "required" message, or the server's
      }
      event.preventDefault();
      problem.textContent = "";
      problem.className = "";
      if (limit && file.size > limit) {
        fail(
          "A return must be at most " + Math.floor(limit / 1048576) + " MB: remove unused " +
            "sheets or formatting, or send it as a .zip of CSV files."
        );
        return;
      }
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.upload.onprogress = function (progress) {
        if (progress.lengthComputable) {
          var done = Math.floor((100 * progress.loaded) / progress.total);
          bar.value = done;
          percent.textContent = done + "% uploaded";
        }
      };
      request.onload = function () {
        if (request.status === 200 && request.responseURL.indexOf("/returns/upload") === -1) {
          window.location.assign(request.responseURL); // the redirect, followed
        } else {
          fail(problemOf(request.responseText));
        }
      };
      request.onerror = function () {
        fail(
          "The upload stopped before the file arrived. A return must be at most " +
            Math.floor(limit / 1048576) + " MB; check the connection and try again."
        );
      };
      box.hidden = false;
      bar.value = 0;
      percent.textContent = "0% uploaded";
      button.disabled = true;
      request.send(new FormData(form));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
