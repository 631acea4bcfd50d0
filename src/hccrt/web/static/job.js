// Follows a job on /jobs/ID: polls its JSON status, moves the progress bar, opens the result.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-url");
  var status = document.getElementById("job-status");
  var bar = document.getElementById("job-progress");

  function show(job) {
    if (bar) { bar.max = job.steps; bar.value = job.step; bar.textContent = job.step + " of " + job.steps; }
    if (job.status === "queued") {
      status.textContent = "Waiting for a free worker" + (job.queued_ahead ? " (" + job.queued_ahead + " ahead)" : "") + ".";
    } else if (job.status === "running") {
      status.textContent = "Running: step " + job.step + " of " + job.steps + ", " + job.stage + ".";
    }
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { setTimeout(poll, 3000); return; }
        show(job);
        if (job.status === "done" || job.status === "error") {
          window.location.assign(job.evaluation_url || window.location.pathname);
        } else {
          setTimeout(poll, 1000);
        }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
}());
