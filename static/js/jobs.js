/* Job page: polls GET /api/v1/jobs/{id}/ every second and updates the progress in place.
   When the job ends the page reloads to show the server-rendered report or errors.
   Without JavaScript the page offers a "refresh" link instead. */
(function () {
  "use strict";

  var box = document.getElementById("job");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-job-url");
  var status = box.getAttribute("data-status");
  if (status === "done" || status === "failed") return;
  var bar = document.getElementById("job-progress");
  var text = document.getElementById("job-progress-text");
  var statusText = document.getElementById("job-status");
  var phaseText = document.getElementById("job-phase");
  var refresh = document.getElementById("job-refresh");
  if (refresh) refresh.hidden = true;

  function label(name) {
    return box.getAttribute("data-label-" + name) || name;
  }

  function show(job) {
    var done = job.progress.done;
    var total = job.progress.total;
    if (job.status === "done") done = total;
    bar.max = total > 0 ? total : 1;
    bar.value = Math.min(done, bar.max);
    bar.textContent = (job.progress.percent === null ? 0 : job.progress.percent) + " %";
    text.textContent = done + " " + label("of") + " " + total;
    statusText.textContent = label(job.status);
    var phase = (job.result && job.result.phase) || "";
    if (job.status === "running" && (phase === "import" || phase === "matching")) {
      phaseText.textContent = "· " + label("phase-" + phase);
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (job) {
        show(job);
        if (job.status === "done" || job.status === "failed") {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        // The server may be restarting: keep the no-JS link visible and try again later.
        if (refresh) refresh.hidden = false;
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 1000);
})();
