// Polls a job's state and updates its progress bar until it finishes.
(function () {
  "use strict";
  document.querySelectorAll("[data-job-url]").forEach(function (box) {
    if (box.dataset.finished === "1") { return; }
    var url = box.dataset.jobUrl;
    function poll() {
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (job) {
        box.querySelector(".job-progress").value = job.progress;
        box.querySelector(".job-state").textContent = job.state;
        box.querySelector(".job-message").textContent = job.message || "";
        if (job.state !== "done" && job.state !== "failed") { setTimeout(poll, 1500); }
      }).catch(function () { setTimeout(poll, 5000); });
    }
    poll();
  });
})();
