// DICOM upload with a progress bar (XMLHttpRequest upload progress); no framework, no build step.
"use strict";
(function () {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const bar = document.getElementById("upload-progress");
  const percent = document.getElementById("upload-percent");
  const status = document.getElementById("upload-status");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const input = document.getElementById("files");
    if (!input.files.length) {
      status.textContent = "Choose DICOM files or a zip first.";
      return;
    }
    const data = new FormData();
    for (const file of input.files) data.append("files", file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-CSRF-Token", form.dataset.csrf);
    xhr.setRequestHeader("Accept", "application/json");
    bar.hidden = false;
    bar.value = 0;
    status.textContent = "Uploading…";
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        const p = Math.round((100 * e.loaded) / e.total);
        bar.value = p;
        percent.textContent = p + " %";
      }
    });
    xhr.upload.addEventListener("load", function () {
      status.textContent = "Checking the files on the server…";
    });
    xhr.addEventListener("load", function () {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (_) { body = { detail: xhr.statusText }; }
      if (xhr.status === 201) {
        bar.value = 100;
        percent.textContent = "100 %";
        const counts = Object.entries(body.modalities || {}).map(([k, v]) => k + " " + v).join(", ");
        status.textContent = "Stored " + body.file_count + " files (" + counts + "). ";
        const link = document.createElement("a");
        link.href = body.url;
        link.id = "upload-link";
        link.textContent = "Open upload " + body.upload_id;
        status.appendChild(link);
      } else {
        status.className = "error";
        status.textContent = body.detail || ("Upload failed (" + xhr.status + ")");
      }
    });
    xhr.addEventListener("error", function () {
      status.className = "error";
      status.textContent = "Network error: the upload did not reach the server; nothing was stored.";
    });
    xhr.send(data);
  });
})();
